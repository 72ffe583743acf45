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

# tap_check RC WHAT [LOG]: one test point of a script's own TAP (RC 0 is
# ok); a failure shows the end of LOG when there is one.  tap_done prints
# the plan and "N passed, N failed" and fails if any point failed.
tap_n=0
tap_fail=0

tap_check() {
	tap_n=$((tap_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $tap_n - $2"
		return 0
	fi
	echo "not ok $tap_n - $2${3:+ (log: $3)}"
	tap_fail=$((tap_fail + 1))
	if [ -n "${3:-}" ] && [ -f "$3" ]; then
		tail -n 20 "$3" | sed 's/^/#   /'
	fi
	return 1
}

tap_done() {
	echo "1..$tap_n"
	echo "$((tap_n - tap_fail)) passed, $tap_fail failed"
	[ "$tap_fail" = 0 ]
}
