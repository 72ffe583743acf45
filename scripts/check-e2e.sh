#!/usr/bin/env bash
# The end-to-end scenarios (e2e/README.md), each pass a suite:
#   1. scenarios 1-4 and 6-13 on L1's defaults (KVM runs L2 on nested
#      paging);
#   2. scenario 1 again on shadow paging (kvm_amd.npt=0), where KVM_PROFILE
#      reads the guest CR3 from KVM instead of the VMCB;
#   3. scenario 5, the operator's path under libvirt (e2e/libvirt/run.sh,
#      its own L1 with a Debian 12 userland; needs root for debootstrap).
# Ends with the total, failing if any pass failed.  E2E_PASSES="1 3"
# runs only some of them; make check runs those two.  Pass 2 stays out
# of make check: in 1 of 5 runs on 2026-11-25 every L2 boot of its L1
# stalled before user space under shadow paging (3 boots in a row; on an
# ACPI-less kernel since reverted), which a retry of L2 does not cure.
# Pass 1 also loads scenario 2's HTML report in Chromium on the host
# (check-e2e-html.sh), which makes the README's screenshot.
# Each pass keeps its console, where the reports are: $BUILD_DIR/testbed/
# $KCONFIG/console-e2e.log and console-e2e-shadow.log, and
# $BUILD_DIR/libvirt/console.log.
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/lib.sh"
. "$top/scripts/suite.sh"
# lib.sh stops at the first error; here a failed pass must not stop the
# next one.
set +e
console=$BUILD_DIR/testbed/$KCONFIG/console
mkdir -p "$(dirname "$console")"

for pass in ${E2E_PASSES:-1 2 3}; do
	case $pass in
	1) run_suite "end to end: scenarios 1-4 and 6-13, nested paging" \
		env VMTEST_ONLY=e2e VMTEST_TEST_TIMEOUT=600 \
		VMTEST_CONSOLE="$console-e2e.log" "$top/scripts/vmtest.sh"
	   run_suite "end to end: scenario 2's HTML report in Chromium" \
		"$top/scripts/check-e2e-html.sh" "$console-e2e-artifacts.tgz" \
		"$console-e2e.log" ;;
	2) run_suite "end to end: scenario 1, shadow paging" \
		env VMTEST_ONLY=e2e/10- VMTEST_APPEND=kvm_amd.npt=0 \
		VMTEST_TEST_TIMEOUT=600 VMTEST_CONSOLE="$console-e2e-shadow.log" \
		"$top/scripts/vmtest.sh" ;;
	3) run_suite "end to end: scenario 5, libvirt" "$top/e2e/libvirt/run.sh" ;;
	*) echo "not ok - unknown e2e pass '$pass'"; suite_fail=$((suite_fail + 1)) ;;
	esac
done
suite_total
