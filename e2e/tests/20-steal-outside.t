#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Scenario 2: as scenario 1, plus a host CPU hog (hostburn, a copy of
# cpuburn3) pinned to the pCPU of the vCPU thread.  The two share the pCPU:
# vCPU 0's steal is 50 % of wall time within 15 points, its biggest culprit
# is hostburn, class task ("[steal] (task hostburn (cgroup PATH))"), with
# 35-65 % of wall time, under 1 % of its steal is left unknown, and the guest
# split stays 50/30/20 within 10 points (the guest's own view of its work
# does not move when it loses the CPU).  vCPU 0's time breakdown (issue
# 17, item 3) adds up to its wall time within 1%; its rows are printed.
. "$(dirname "$0")/lib.sh"

show_paging
l2_ready() {
	taskset -c $VCPU_PCPU hostburn > /dev/null &
	KIDS="$KIDS $!"
	sleep 1
}
profile_l2 1 cpuburn3 e2e.wargs=-i:1 6 ||
	bail "L2 guest booted, ran cpuburn3 and was recorded for 6 s with hostburn on its pCPU"
ok 0 "L2 guest booted, ran cpuburn3 and was recorded for 6 s with hostburn on pCPU $VCPU_PCPU"
report unified --vcpu 0
report steal --vcpu 0
report breakdown --vcpu 0
check_alive 6 1
cleanup

steal=$(split 0 3)
echo "# vcpu0 steal: $steal% of its samples"
check "vcpu0 steal 35-65%" between "$steal" 35 65
# The steal table's CSV: culprit, intervals, time_ms, wall_pct, samples_eq,
# class, identity after the table's title.
hog=$(awk -F, 'index($1, "vcpu0 ") == 1 && $7 == "task" &&
	index($8, "hostburn (cgroup ") == 1 { print $2; exit }' "$TMP/steal.csv")
out=$(csv_get "$TMP/steal.csv" "vcpu0 " 2 "$hog" 5)
echo "# $hog: $out% of wall"
check "[steal] (task hostburn (cgroup PATH)) 35-65% of wall ($hog)" between "$out" 35 65
unknown=$(awk -F, 'index($1, "vcpu0 ") == 1 && $7 == "unknown" { s += $5 }
	END { printf "%.2f", s }' "$TMP/steal.csv")
echo "# vcpu0 steal left unknown: $unknown% of wall"
check_unknown_steal 0
top=$(awk -F, 'NR > 1 && index($1, "vcpu0 ") == 1 && $5 + 0 > m { m = $5 + 0; c = $2 }
	END { print c }' "$TMP/steal.csv")
check "hostburn is vcpu0's biggest culprit ($top)" test -n "$hog" -a "$top" = "$hog"
check "the unified view has the [steal] row beside the guest functions" \
	test -n "$hog" -a -n "$(grep -F ",[steal],${hog#\[steal\] }" "$TMP/unified.csv")"
check_split 0 10
check_breakdown 0
# The page of this recording, drawn by Chromium on the host
# (scripts/check-e2e-html.sh): the README's screenshot.
vmprofctl report -i "$TMP/vm.data" --format html > "$TMP/report.html" 2> "$TMP/html.err"
sed 's/^/html: /' "$TMP/html.err"
check "report --format html, sent to the host for Chromium" \
	artifact scenario2-report.html "$TMP/report.html"
finish
