#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Scenario 3: a two-vCPU L2 guest with both vCPU threads pinned to L1 pCPU 1
# and one cpuburn3 bound to each vCPU inside the guest (taskset).  The vCPUs
# take turns: each one's biggest culprit is "[steal] (on vcpuN)" naming the
# other vCPU, with 35-65 % of wall time and within 10 points of the share
# L1's scheduler gave the other vCPU (schedstat), and each vCPU's guest split
# is 50/30/20 within 10 points.  vCPU 0's time breakdown (issue 17,
# item 3) adds up to its wall time within 1%; its rows are printed.
# Each vCPU names a culprit for at least 99 % of its steal.
# Each vCPU's steal, all culprits, is
# within 5 points of the scheduler's count of its runqueue wait over the
# recording (run_delay, carried by the sched records; the selftest
# profile_sched_test checks those against schedstat).  schedstat read
# around the recording is no reference for it: the reads span vmprofctl's
# start and exit too, and there both vCPU threads waited up to 17 % of the
# span in some runs.
#
# Then vCPU 1's thread is reniced to 5, so that L1 runs vCPU 0 about
# three times as long, and the VM is recorded again: the steal of each
# vCPU must still match its run_delay within 5 points.  This catches the
# waits a profiler misses when it counts only preempted intervals: the
# runqueue wait after the thread wakes from a sleep (vCPU 1 sleeps on
# QEMU's locks now and then) and preemptions outside KVM_RUN.  Counting
# only preempted intervals gave vCPU 1 63-68 % against 75 % here.
#
# The 35-65 % premise is L1's scheduler splitting pCPU 1 about evenly; in
# 1 of about a dozen runs it did not (72/28 over 6 s, by the profiler).
# When schedstat, which the profiler does not read, shows a split outside
# 35-65 the recording is made again (up to RECORD_TRIES times, each a TAP
# comment); the checks below then run on the last recording, so a profiler
# that names the wrong culprit or the wrong share still fails.  A recording
# that lost records is made again the same way: a lost sched record loses
# a steal interval (a CI run lost 1184 of 8280 and undercounted one vCPU's
# steal by 10 points).
. "$(dirname "$0")/lib.sh"

# show_l1_clock: L1's clocksource and what its kernel said about the TSC and
# sched_clock.  run_delay runs on the rq clock, the records' times on
# CLOCK_MONOTONIC; 1 run in about 27 had vCPU 0's steal 10 points above its
# run_delay, with 12 % of the sampling slots empty, cause not found yet.
show_l1_clock() {
	echo "# L1 clock: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource);" \
		"$(dmesg | grep -i 'unstable\|sched_clock:' | tr '\n' ' ')"
}

show_paging
profile_l2 2 cpuburn3@0,cpuburn3@1 e2e.wargs=-i:1 6 ||
	bail "L2 guest (2 vCPUs) booted, ran cpuburn3 on each and was recorded for 6 s"
record_again_while uneven_or_lost 6 ||
	bail "L2 guest (2 vCPUs) recorded again for 6 s"
ok 0 "L2 guest (2 vCPUs) booted, ran cpuburn3 on each and was recorded for 6 s, both vCPUs on pCPU $VCPU_PCPU"
check "no records lost ($(record_lost)): steal needs every sched record" \
	test "$(record_lost)" = 0
report unified
report steal
report breakdown
check_alive 6 2
check_breakdown 0

for v in 0 1; do
	o=$((1 - v))
	s=$(csv_get "$TMP/steal.csv" "vcpu$v " 2 "[steal] (on vcpu$o)" 5)
	r=$(run_share $o)
	echo "# vcpu$v: [steal] (on vcpu$o) $s% of wall; L1 ran vcpu$o $r% of the vCPU threads' time"
	check "vcpu$v: [steal] (on vcpu$o) 35-65% of wall" between "$s" 35 65
	check "vcpu$v: [steal] (on vcpu$o) within 10 points of vcpu$o's run share" \
		near "$s" "$r" 10
	top=$(awk -F, -v t="vcpu$v " 'NR > 1 && index($1, t) == 1 && $5 + 0 > m {
		m = $5 + 0; c = $2 } END { print c }' "$TMP/steal.csv")
	check "vcpu$v: the other vCPU is the biggest culprit ($top)" \
		test "$top" = "[steal] (on vcpu$o)"
	check_split $v 10
	check_run_delay $v
	check_unknown_steal $v
done

show_l1_clock
echo "# vCPU 1's thread reniced to 5: L1 should run vCPU 0 about 3/4 of the time"
check "renice vCPU 1's thread to 5" renice -n 5 -p "$(vcpu_tid 1)"
{ record 6 && record_again_while lost_records 6; } ||
	bail "L2 guest recorded again with vCPU 1 reniced"
check "no records lost ($(record_lost)), vCPU 1 reniced" test "$(record_lost)" = 0
report steal
check_alive 6 2
cleanup
for v in 0 1; do
	check_run_delay $v "vCPU 1 reniced: "
done
show_l1_clock
s0=$(steal_pct "$TMP/steal.csv" 0)
s1=$(steal_pct "$TMP/steal.csv" 1)
check "vCPU 1 reniced: it steals more than vCPU 0 ($s1% > $s0% + 20)" \
	awk -v a="$s1" -v b="$s0" 'BEGIN { exit !(a > b + 20) }'
finish
