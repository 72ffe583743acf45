#!/usr/bin/env bash
# make check: every native test suite, then the test bed, then the
# end-to-end scenarios (scripts/check-e2e.sh).  Each suite
# prints TAP and "N passed, N failed"; this adds them up and ends with
# the total, failing if any suite failed or printed no summary.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/suite.sh"
# The VMX part of make check: profile_test and profile_nested_test on one
# emulated CPU (about 8 and 3 minutes); profile_sched_test needs two,
# and bochs emulates both in one thread at about two real minutes per
# guest second, so it and the rest of the list run in make check-vmx.
VMX_CHECK_ONLY=${VMX_CHECK_ONLY:-profile_test,profile_nested_test}
VMX_CHECK_CPUS=${VMX_CHECK_CPUS:-1}

"$top/scripts/install-deps.sh" || exit 1
for comp in ${COMPONENTS:-proto userspace guest-agent e2e}; do
	[ -f "$top/$comp/Makefile" ] || continue
	grep -q '^check:' "$top/$comp/Makefile" || continue
	run_suite "$comp" make -s -C "$top/$comp" check
done
run_suite "project scripts" "$top/tests/run.sh"
# The dependency list on a pristine Debian 12 root (what CI on this
# machine cannot see: a package installed here by hand).
run_suite "pristine-root dependency check" "$top/scripts/check-deps.sh"
if run_step "kernel build" "$top/scripts/kernel-build.sh" &&
   run_step "KVM selftests build" "$top/scripts/build-selftests.sh" &&
   run_step "L0 QEMU build" "$top/scripts/qemu-build.sh"; then
	run_suite "test bed" "$top/scripts/vmtest.sh"
	# The series on emulated Intel VMX: the subset that fits make
	# check's time (README; make check-vmx runs the whole list).
	run_suite "VMX test bed (bochs)" env VMX_ONLY="$VMX_CHECK_ONLY" \
		VMX_CPUS="$VMX_CHECK_CPUS" "$top/scripts/vmx-test.sh"
	# Not the shadow-paging pass: see scripts/check-e2e.sh.
	run_suite "end to end" env E2E_PASSES="1 3" "$top/scripts/check-e2e.sh"
fi

suite_total
