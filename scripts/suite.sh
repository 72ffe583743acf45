# shellcheck shell=sh
# Add up test suites that print TAP ending with "N passed, N failed".
# Source this file, call "run_suite NAME COMMAND..." for each suite (a
# "# === NAME" header, then its output as it runs, its own summary line
# turned into a comment), then "suite_total", which prints the sum and fails if any
# suite failed.  A suite that prints no summary, or that exits non-zero
# while its summary shows no failure, counts as one more failure.  POSIX
# sh, so that sh and bash runners share it.
suite_pass=0
suite_fail=0

run_suite() {
	suite_name=$1
	shift
	echo "# === $suite_name"
	suite_log=$(mktemp)
	{ "$@" 2>&1; echo "$?" >"$suite_log.rc"; } | tee "$suite_log" |
		sed -E 's/^([0-9]+ passed, [0-9]+ failed)$/# \1/'
	suite_rc=$(cat "$suite_log.rc")
	suite_line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$suite_log" | tail -n 1)
	rm -f "$suite_log" "$suite_log.rc"
	if [ -z "$suite_line" ]; then
		echo "not ok - $suite_name printed no summary (exit $suite_rc)"
		suite_fail=$((suite_fail + 1))
		return 1
	fi
	set -- $suite_line
	suite_pass=$((suite_pass + $1))
	suite_fail=$((suite_fail + $3))
	if [ "$suite_rc" != 0 ] && [ "$3" = 0 ]; then
		echo "not ok - $suite_name exited $suite_rc"
		suite_fail=$((suite_fail + 1))
		return 1
	fi
	[ "$3" = 0 ]
}

# run_step NAME COMMAND...: a step with no TAP of its own (a build) is
# one test point.
run_step() {
	suite_name=$1
	shift
	if "$@"; then
		echo "ok - $suite_name"
		suite_pass=$((suite_pass + 1))
	else
		echo "not ok - $suite_name"
		suite_fail=$((suite_fail + 1))
		return 1
	fi
}

suite_total() {
	echo "$suite_pass passed, $suite_fail failed"
	[ "$suite_fail" = 0 ]
}
