#!/usr/bin/env bash
# The test bed's console parser must fail a run on a failed test, a
# kernel warning or a run that never finished, and pass a clean one.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
parse=$top/scripts/parse-console.sh
fx=$top/tests/fixtures
n=0
fail=0

expect() {
	local want=$1 log=$2 what=$3 out rc=0
	out=$("$parse" "$fx/$log" 124) || rc=$?
	n=$((n + 1))
	if [ "$rc" = "$want" ] && [ -n "$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$')" ]; then
		echo "ok $n - $what"
	else
		echo "not ok $n - $what (exit $rc)"
		echo "$out" | sed 's/^/# /'
		fail=$((fail + 1))
	fi
}

expect 0 console-pass.console "a clean run passes"
expect 1 console-fail.console "a failed test fails the run"
expect 1 console-warn.console "a kernel WARNING fails the run"
expect 1 console-hang.console "a run without KVMPROF-DONE fails"
expect 1 console-quiet.console "a console without KERN_WARNING lines (quiet) fails"
expect 1 console-rcu-stall.console "an RCU stall fails the run"
expect 1 console-none-ran.console "a run in which no test ran (a filter matching none) fails"

# expect_line LOG LINE WHAT: the parser's output holds LINE exactly.
expect_line() {
	local out
	out=$("$parse" "$fx/$1") || true
	n=$((n + 1))
	if grep -qxF -- "$2" <<<"$out"; then
		echo "ok $n - $3"
	else
		echo "not ok $n - $3"
		echo "$out" | sed 's/^/# /'
		fail=$((fail + 1))
	fi
}

expect 1 console-fail-detail.console "a failed e2e test fails the run"
expect_line console-fail-detail.console \
	"#   not ok 9 - vcpu1: [steal] (on vcpu0) within 10 points of vcpu0's run share" \
	"a failed test is followed by its failed check"
expect_line console-fail-detail.console \
	"#   # vcpu1: [steal] (on vcpu0) 39.32% of wall; L1 ran vcpu0 49.90% of the vCPU threads' time" \
	"... and the comment before that check"
out=$("$parse" "$fx/console-fail-detail.console")
n=$((n + 1))
if grep -q 'a check of a test that then passes' <<<"$out"; then
	echo "not ok $n - a passing test's output stays out"; fail=$((fail + 1))
else
	echo "ok $n - a passing test's output stays out"
fi

out=$("$parse" "$fx/console-pass.console")
n=$((n + 1))
if grep -qx '2 passed, 0 failed' <<<"$out"; then
	echo "ok $n - counts the tests"
else
	echo "not ok $n - counts the tests"; fail=$((fail + 1))
fi

echo "$((n - fail)) passed, $fail failed"
[ "$fail" = 0 ]
