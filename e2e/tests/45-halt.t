#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Scenario 12: a one-vCPU L2 guest whose only work, cpuburn3 -w 20/20,
# burns 20 ms and sleeps 20 ms in turn (-u 2000: rounds short enough for
# 20 ms under emulation; -i 1: the ticks check_alive counts) on an idle
# host, so the vCPU halts about half of the time.  vCPU 0's time
# breakdown (issue 17, item 3) has its halted row at 30-70 % of wall and
# adds up to its wall time within 1 %; and KVM's own count,
# halt_wait_ns (read by the recorder from L1's debugfs: L1's QEMU holds
# no vCPU stats fd), agrees with the HALTED intervals compared like with
# like: each whole, sched-out to sched-in (the runqueue wait after the
# wakeup included, as KVM counts it), for the halts that ended between
# the first and last reads of the statistic (docs/breakdown.md,
# "Cross-checks"): within 5 points of wall.
. "$(dirname "$0")/lib.sh"

show_paging
profile_l2 1 cpuburn3 e2e.wargs=-i:1:-w:20/20:-u:2000 6 ||
	bail "L2 guest booted, ran cpuburn3 -w 20/20 and was recorded for 6 s"
ok 0 "L2 guest booted, ran cpuburn3 -w 20/20 and was recorded for 6 s (vmprofctl record --vm pid:$QPID)"
report breakdown --vcpu 0
check_alive 6 1
cleanup

check "the recorder read KVM's halt_wait_ns (no 'not recorded' warning)" \
	test -z "$(grep 'halt_wait_ns not recorded' "$TMP/record.out")"
# The breakdown CSV: table, state, detail, time_ms, wall_pct, samples, source.
halted=$(csv_get "$TMP/breakdown.csv" vcpu0 2 halted 5)
echo "# vcpu0 halted: ${halted:-?}% of wall"
check "vcpu0 halted 30-70% of wall (cpuburn3 sleeps half the time)" \
	between "${halted:-0}" 30 70
check_breakdown 0
# The text header: "...; halt N ms, KVM halt_wait_ns grew W ms, HALTED
# intervals whole S ms (+D% of wall)".
line=$(awk '$0 == "vcpu0" { f = 1; next } f && /^wall / { print; exit }' \
	"$TMP/breakdown.txt")
wait_ms=$(echo "$line" | sed -n 's/.*KVM halt_wait_ns grew \([0-9.]*\) ms.*/\1/p')
span_ms=$(echo "$line" | sed -n 's/.*HALTED intervals whole \([0-9.]*\) ms.*/\1/p')
diff=$(echo "$line" | sed -n 's/.*HALTED intervals whole [0-9.]* ms (\([-+0-9.]*\)% of wall).*/\1/p')
echo "# vcpu0 KVM halt_wait_ns grew ${wait_ms:-?} ms; HALTED intervals whole ${span_ms:-?} ms; difference ${diff:-?}% of wall"
check "vcpu0 has KVM's halt_wait_ns beside its HALTED intervals" \
	test -n "$wait_ms" -a -n "$span_ms" -a -n "$diff"
check "HALTED intervals within 5 points of wall of KVM's halt_wait_ns (${diff:-?}%)" \
	between "${diff:-99}" -5 5
finish
