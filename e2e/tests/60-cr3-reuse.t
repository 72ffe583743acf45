#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Scenario 6 (issue 19, H4): a page-table root reused by a second process.
# A one-vCPU L2 guest runs cr3reuse, which after 20 s runs reuse_a and
# reuse_b in turn, one at a time, 300 ms each: two static binaries of one
# layout whose spinning function is work_of_A in one and work_of_B in the
# other, at the same address.  An exited child's pgd page is soon the next
# one's, so one CR3 names reuse_a and reuse_b in turn; the guest prints
# every exec with its CR3 (e2e.cr3log=1), from which the test tells that
# this happened.  The recording (36 s) takes in about 15 s of the pairs,
# after the agent's first KALLSYMS has crossed the slow virtio-serial relay.
#
# Each sample must be named by the process that held its CR3 when it was
# taken: work_of_A in reuse_a and work_of_B in reuse_b, each 35-65 % of
# their sum (the two spin for equal times); naming every sample by the last
# owner of a root (as before) puts nearly all of them on one side.  Samples
# of that guest user code given to no process ([cr3 ...: no process then])
# stay under 10 % of the sum.
. "$(dirname "$0")/lib.sh"

show_paging
profile_l2 1 cr3reuse "e2e.wargs=-w:20 e2e.cr3log=1" 36 ||
	bail "L2 guest booted, ran cr3reuse and was recorded for 36 s"
ok 0 "L2 guest booted, ran cr3reuse and was recorded for 36 s (vmprofctl record --vm pid:$QPID)"
report unified --vcpu 0
cleanup

rounds=$(grep -c 'e2e: cr3reuse round' "$L2LOG")
echo "# cr3reuse pairs started: $rounds"
# Roots that an exec of reuse_a and one of reuse_b both had.
reused=$(awk '/e2e: cr3 exec / && ($7 == "reuse_a" || $7 == "reuse_b") {
		seen[$8] = seen[$8] " " $7
	} END {
		for (r in seen)
			if (index(seen[r], "reuse_a") && index(seen[r], "reuse_b"))
				n++
		print n + 0
	}' "$L2LOG")
echo "# page-table roots held by both reuse_a and reuse_b: $reused"
check "a page-table root was reused by the other program" test "$reused" -ge 1

a=$(csv_sum "$TMP/unified.csv" "vcpu0 " 4 '^work_of_A$' 2)
b=$(csv_sum "$TMP/unified.csv" "vcpu0 " 4 '^work_of_B$' 2)
a_ok=$(awk -F, 'index($1, "vcpu0 ") == 1 && $4 == "work_of_A" && $5 == "reuse_a" { s += $2 } END { print s + 0 }' "$TMP/unified.csv")
b_ok=$(awk -F, 'index($1, "vcpu0 ") == 1 && $4 == "work_of_B" && $5 == "reuse_b" { s += $2 } END { print s + 0 }' "$TMP/unified.csv")
none=$(csv_sum "$TMP/unified.csv" "vcpu0 " 5 'no process then' 2)
echo "# work_of_A $a samples ($a_ok in reuse_a), work_of_B $b ($b_ok in reuse_b), $none on a CR3 of no process"
check "at least 500 samples of the two functions" test $((a + b)) -ge 500
check "work_of_A is named in reuse_a, work_of_B in reuse_b" \
	test "$a_ok" = "$a" -a "$b_ok" = "$b"
check "work_of_A holds 35-65% of the pair's samples: each named by its own process" \
	awk -v a="$a" -v b="$b" 'BEGIN { exit !(a + b > 0 && a * 100 >= 35 * (a + b) && a * 100 <= 65 * (a + b)) }'
check "samples on a CR3 of no process under 10% of the pair's" \
	test $((none * 10)) -lt $((a + b + 1))
finish
