#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Scenario 3: a two-vCPU L2 guest with both vCPU threads pinned to L1 pCPU 1
# and one cpuburn3 bound to each vCPU inside the guest (taskset).  The vCPUs
# take turns: each one's biggest culprit is "[steal] (on vcpuN)" naming the
# other vCPU, with 35-65 % of wall time, and each vCPU's guest split is
# 50/30/20 within 10 points.
. "$(dirname "$0")/lib.sh"

show_paging
profile_l2 2 cpuburn3@0,cpuburn3@1 e2e.wargs=-i:1 6 ||
	bail "L2 guest (2 vCPUs) booted, ran cpuburn3 on each and was recorded for 6 s"
ok 0 "L2 guest (2 vCPUs) booted, ran cpuburn3 on each and was recorded for 6 s, both vCPUs on pCPU $VCPU_PCPU"
report unified
report steal
check_alive 6 2
cleanup

for v in 0 1; do
	o=$((1 - v))
	s=$(csv_get "$TMP/steal.csv" "vcpu$v " 2 "[steal] (on vcpu$o)" 5)
	echo "# vcpu$v: [steal] (on vcpu$o) $s% of wall"
	check "vcpu$v: [steal] (on vcpu$o) 35-65% of wall" between "$s" 35 65
	top=$(awk -F, -v t="vcpu$v " 'NR > 1 && index($1, t) == 1 && $5 + 0 > m {
		m = $5 + 0; c = $2 } END { print c }' "$TMP/steal.csv")
	check "vcpu$v: the other vCPU is the biggest culprit ($top)" \
		test "$top" = "[steal] (on vcpu$o)"
	check_split $v 10
done
finish
