#!/usr/bin/env bash
# The README's main job (make demo): on a fresh Debian 12 machine, install
# what is needed, build the patched kernel and the KVM selftests, boot the
# test bed (L1 = patched kernel under QEMU TCG, L0 QEMU built by
# scripts/qemu-build.sh) and run scenario 2 of e2e/: a one-vCPU Linux guest
# (L2, under QEMU -accel kvm inside L1) runs cpuburn3 while a host task
# (hostburn) is pinned to the vCPU's pCPU; vmprofctl records the VM from L1
# for 6 s.  Prints the unified report and the steal table from the console,
# and loads the recording's HTML report in headless Chromium
# (scripts/check-e2e-html.sh: $BUILD_DIR/testbed/scenario2-report.html, .png).
# Exit status: 0 when scenario 2 and the HTML check passed.
. "$(dirname "$0")/lib.sh"

t0=$(date +%s)
step() {
	printf '==> [%s, +%ds] %s\n' "$(date +%T)" "$(($(date +%s) - t0))" "$*" >&2
}

step "1/5 dependencies (apt, only what is missing)"
"$TOP/scripts/install-deps.sh"
step "2/5 patched kernel: fetch, patch, configure, build (cold: about 10 min on 2 cores; warm: seconds)"
"$TOP/scripts/kernel-build.sh" >&2
step "3/5 KVM selftests (static), L0 QEMU (cold: about 6 min, once)"
"$TOP/scripts/build-selftests.sh" >&2
"$TOP/scripts/qemu-build.sh" >/dev/null
step "4/5 test bed: vmprofctl, guest agent, L2 guest image; boot; scenario 2 (about 2-4 min under emulation)"
mkdir -p "$BUILD_DIR/testbed"
set +e
VMTEST_ONLY=e2e/20- "$TOP/scripts/vmtest.sh" >"$BUILD_DIR/testbed/demo.tap"
rc=$?
set -e
console=$BUILD_DIR/testbed/$KCONFIG/console.log
[ -f "$console" ] || die "the test bed did not boot (no $console); see the lines above"
step "5/5 reports (from $console)"

# The scenario prints each report between E2E-REPORT-BEGIN/END markers.
show() {
	"$TOP/scripts/console-section.sh" "$1" "$console" ||
		echo "(no $1 report on the console: scenario 2 did not get that far)"
}
echo
echo "=== unified report: vCPU 0 of the guest, a host hog on its pCPU ==="
show unified
echo
echo "=== steal table ==="
show steal
echo
echo "=== scenario 2 checks ==="
sed -n 's/\r$//; s/^# \(\(not \)\{0,1\}ok [0-9]* - .*\)/  \1/p' "$console"
cat "$BUILD_DIR/testbed/demo.tap"
echo
echo "=== the same recording as one HTML page, drawn by headless Chromium ==="
if ! "$TOP/scripts/check-e2e-html.sh" "${console%.log}-artifacts.tgz" "$console" \
	>"$BUILD_DIR/testbed/demo-html.tap"; then
	rc=1
fi
sed 's/^/  /' "$BUILD_DIR/testbed/demo-html.tap"
echo "  open $BUILD_DIR/testbed/scenario2-report.html in a browser"
step "done in $(($(date +%s) - t0)) s (exit $rc)"
if [ "$rc" != 0 ]; then
	echo "demo: scenario 2's checks failed:" >&2
	grep '^not ok' "$BUILD_DIR/testbed/demo.tap" | sed 's/^/  /' >&2 || true
fi
exit $rc
