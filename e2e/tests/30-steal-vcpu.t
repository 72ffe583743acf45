#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Scenario 3: a two-vCPU L2 guest with both vCPU threads pinned to L1 pCPU 1
# and one cpuburn3 bound to each vCPU inside the guest (taskset).  The vCPUs
# take turns: each one's biggest culprit is "[steal] (on vcpuN)" naming the
# other vCPU, with 35-65 % of wall time and within 10 points of the share
# L1's scheduler gave the other vCPU (schedstat), and each vCPU's guest split
# is 50/30/20 within 10 points.
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

RECORD_TRIES=${RECORD_TRIES:-3}

# near A B TOL: A and B are numbers within TOL of each other.
near() {
	test -n "$1" && test -n "$2" &&
		awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; exit !(d * d <= t * t) }'
}

# even_split: L1 ran each vCPU thread 35-65 % of their time together.
even_split() {
	between "$(run_share 0)" 35 65 && between "$(run_share 1)" 35 65
}

show_paging
profile_l2 2 cpuburn3@0,cpuburn3@1 e2e.wargs=-i:1 6 ||
	bail "L2 guest (2 vCPUs) booted, ran cpuburn3 on each and was recorded for 6 s"
try=1
while { ! even_split || [ "$(record_lost)" != 0 ]; } && [ $try -lt "$RECORD_TRIES" ]; do
	echo "# recording $try: L1 ran the vCPU threads $(run_share 0)/$(run_share 1) (schedstat), $(record_lost) records lost: recording again"
	try=$((try + 1))
	record 6 || bail "L2 guest (2 vCPUs) recorded again for 6 s"
done
ok 0 "L2 guest (2 vCPUs) booted, ran cpuburn3 on each and was recorded for 6 s, both vCPUs on pCPU $VCPU_PCPU"
check "no records lost ($(record_lost)): steal needs every sched record" \
	test "$(record_lost)" = 0
report unified
report steal
check_alive 6 2
cleanup

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
done
finish
