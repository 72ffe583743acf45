#!/usr/bin/env bash
# make check: every native test suite, then the test bed.  Each suite
# prints TAP and "N passed, N failed"; this adds them up and ends with
# the total, failing if any suite failed or printed no summary.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
pass=0
fail=0

run_suite() {
	local name=$1 out rc line
	shift
	echo "# === $name"
	out=$(mktemp)
	"$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -1)
	rm -f "$out"
	if [ -z "$line" ]; then
		echo "not ok - $name printed no summary (exit $rc)"
		fail=$((fail + 1))
		return
	fi
	set -- $line
	pass=$((pass + $1))
	fail=$((fail + $3))
	if [ "$rc" != 0 ] && [ "$3" = 0 ]; then
		echo "not ok - $name exited $rc"
		fail=$((fail + 1))
	fi
}

# A build step: ok or not ok, and the test bed needs it.
run_step() {
	local name=$1
	shift
	echo "# === $name"
	if "$@"; then
		echo "ok - $name"
		pass=$((pass + 1))
	else
		echo "not ok - $name"
		fail=$((fail + 1))
		return 1
	fi
}

"$top/scripts/install-deps.sh" || exit 1
for comp in ${COMPONENTS:-proto userspace guest-agent e2e}; do
	[ -f "$top/$comp/Makefile" ] || continue
	grep -q '^check:' "$top/$comp/Makefile" || continue
	run_suite "$comp" make -s -C "$top/$comp" check
done
run_suite "project scripts" "$top/tests/run.sh"
if run_step "kernel build" "$top/scripts/kernel-build.sh" &&
   run_step "KVM selftests build" "$top/scripts/build-selftests.sh"; then
	run_suite "test bed" "$top/scripts/vmtest.sh"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
