#!/usr/bin/env bash
# Boot the patched kernel ($KCONFIG) under QEMU TCG with the test-bed
# initramfs, run the tests inside it, and report them as TAP ending with
# "N passed, N failed".  Fails when a test fails, when the run does not
# finish, or when the console shows an oops, WARN, BUG, KASAN or lockdep
# report.  VMTEST_ONLY=regex[,regex...] runs only the tests that match one;
# without it, VMTEST_SKIP=regex (default e2e) leaves the matching tests out.
. "$(dirname "$0")/lib.sh"

bzimage=$KOBJ/arch/x86/boot/bzImage
[ -f "$bzimage" ] || die "no kernel at $bzimage: run make kernel first"
initrd=$("$(dirname "$0")/build-initramfs.sh")
log=${VMTEST_CONSOLE:-$BUILD_DIR/testbed/$KCONFIG/console.log}
# What the scenarios send the host (artifact in e2e/tests/lib.sh): L1's
# second serial port, written to this file; gzipped tar streams, one after
# another.
artifacts=${log%.log}-artifacts.tgz
per_test=${VMTEST_TEST_TIMEOUT:-300}
total=${VMTEST_TIMEOUT:-1800}
append="$L1_APPEND kvmprof.timeout=$per_test"
[ -n "${VMTEST_ONLY:-}" ] && append="$append kvmprof.only=$VMTEST_ONLY"
# The e2e scenarios (L2 guests, minutes) run in their own passes
# (scripts/check-e2e.sh), not in this one.  VMTEST_SKIP=regex overrides
# (empty: skip nothing).
skip=${VMTEST_SKIP-e2e}
[ -z "${VMTEST_ONLY:-}" ] && [ -n "$skip" ] && append="$append kvmprof.skip=$skip"
# A cpu-clock sample on the debug kernel under emulation costs more than
# a 100 us period (hrtimer: interrupt took 352808 ns), and perf lowers
# perf_event_max_sample_rate by the time its handler takes only for PMU
# NMIs: at 10 kHz the pCPUs do nothing but take samples.  Cap the rate as
# an operator of so slow a host would; the tests follow the cap.
[ "$KCONFIG" = debug ] &&
	append="$append sysctl.kernel.perf_event_max_sample_rate=${VMTEST_DEBUG_MAX_RATE:-2000}"
append="$append ${VMTEST_APPEND:-}"

l1_qemu "${VMTEST_MEM:-2048}"
log "booting $KCONFIG kernel: $QEMU_L0_ACCEL ($("$QEMU_L0" --version | sed -n 1p))"
log "console: $log"
: >"$artifacts"
start=$(date +%s)
set +e
timeout --foreground -k 10 "$total" "${L1_QEMU[@]}" \
	-serial mon:stdio -serial file:"$artifacts" \
	-kernel "$bzimage" -initrd "$initrd" -append "$append" </dev/null >"$log" 2>&1
qemu_rc=$?
set -e
log "QEMU exited with $qemu_rc after $(( $(date +%s) - start )) s"

exec "$(dirname "$0")/parse-console.sh" "$log" "$qemu_rc"
