#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Scenario 5, the operator's path under libvirt: build what it needs, boot
# the patched kernel (L1) under QEMU TCG with a Debian 12 userland running
# libvirtd as its initramfs, let /init (init here) run 50-libvirt.t against
# a libvirt domain, and scan the serial console with
# scripts/parse-console.sh (TAP ending "N passed, N failed"; fails on a
# failed test, a run that did not finish, or a kernel report).
#
#   L1_KERNEL=path     L1 kernel (default: the test-bed bzImage, copied)
#   L2_KERNEL=path     L2 kernel (default: the same bzImage)
#   LIBVIRT_TIMEOUT=S  whole L1 run (default 900); the scenario gets
#                      LIBVIRT_TEST_TIMEOUT=S (default 780) of it
#   LIBVIRT_PREBUILT=1 use the vmprofctl and L2 initramfs already built
#   QEMU_L0, QEMU_L0_ARGS   as for scripts/vmtest.sh
# Needs root (debootstrap).  Work files: $BUILD_DIR/libvirt.
. "$(dirname "$0")/../../scripts/lib.sh"

here=$TOP/e2e/libvirt
work=$BUILD_DIR/libvirt
total=${LIBVIRT_TIMEOUT:-900}
per_test=${LIBVIRT_TEST_TIMEOUT:-780}
run_start=$(date +%s)
mkdir -p "$work"

# Copies, so that a kernel rebuilt while this runs changes nothing here.
l1_src=${L1_KERNEL:-$KOBJ/arch/x86/boot/bzImage}
[ -f "$l1_src" ] || die "no L1 kernel at $l1_src: run make kernel first"
cp "$l1_src" "$work/l1-bzImage"
cp "${L2_KERNEL:-$l1_src}" "$work/l2-bzImage"

log "building vmprofctl, the e2e workloads and the L2 initramfs"
# vmprofctl from the output directory userspace/Makefile keeps for this
# checkout (a shared one may hold another checkout's objects, which it
# refuses to build over); the e2e pieces in one of their own.  The L2
# initramfs carries vmprof_guest.ko built against $KOBJ: L2_KERNEL must
# be that tree's bzImage.
vmprofctl=$(make -s -C "$TOP/userspace" print-output)/vmprofctl
e2e_out=$work/e2e
if [ "${LIBVIRT_PREBUILT:-0}" != 1 ]; then
	nice -n 19 make -s -C "$TOP/userspace" >&2
	nice -n 19 make -s -C "$TOP/e2e" O="$e2e_out" >&2
fi
[ -x "$vmprofctl" ] || die "no $vmprofctl: make -C userspace"
[ -f "$e2e_out/guest.cpio.gz" ] || die "no L2 initramfs: make -C e2e O=$e2e_out"

t=$(date +%s)
base=$("$here/build-root.sh")
log "L1 root ready in $(($(date +%s) - t)) s: $base"

# The overlay: what the project adds to the Debian tree.  It is the first
# archive of the initramfs, the Debian tree (which has no /init) the second.
stage=$work/stage
rm -rf "$stage"
install -d "$stage/usr/local/sbin" "$stage/usr/local/bin" "$stage/e2e" \
	"$stage/tests/libvirt"
install -m 755 "$here/init" "$stage/init"
install -m 755 "$vmprofctl" "$stage/usr/local/sbin/vmprofctl"
install -m 755 "$e2e_out/agent-relay" "$stage/usr/local/bin/"
install -m 755 /bin/busybox "$stage/usr/local/bin/busybox"
install -m 644 "$work/l2-bzImage" "$stage/e2e/bzImage"
install -m 644 "$e2e_out/guest.cpio.gz" "$stage/e2e/guest.cpio.gz"
install -m 755 "$here/50-libvirt.t" "$stage/tests/libvirt/"
install -m 644 "$here/vmprof-l2.xml" "$TOP/e2e/tests/lib.sh" "$stage/tests/libvirt/"
(cd "$stage" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet) | gzip -1 -n > "$work/overlay.cpio.gz"
cat "$work/overlay.cpio.gz" "$base" > "$work/initrd"
log "initramfs $(du -m "$work/initrd" | cut -f1) MB"

log_file=$work/console.log
append="$L1_APPEND lvtest.timeout=$per_test ${LIBVIRT_APPEND:-}"
silent=${LIBVIRT_SILENT_TIMEOUT:-300}
tries=${LIBVIRT_L1_TRIES:-1}

# boot_l1: one L1 run into $log_file; sets qemu_rc.  On the packaged L0
# QEMU, without qemu/patches, L1 now and then froze while its KVM booted
# the L2 guest: the console then stays silent, where a live run prints at
# least every 60 s.  A console silent for $silent s ends that run and sets
# hung=1; LIBVIRT_L1_TRIES=N boots L1 up to N times.
boot_l1() {
	local qpid size last=-1 quiet=0
	hung=0
	timeout --foreground -k 10 "$total" nice -n 10 "${L1_QEMU[@]}" \
		-kernel "$work/l1-bzImage" -initrd "$work/initrd" \
		-append "$append" < /dev/null > "$log_file" 2>&1 &
	qpid=$!
	while kill -0 "$qpid" 2> /dev/null; do
		sleep 5
		size=$(stat -c %s "$log_file" 2> /dev/null || echo 0)
		if [ "$size" = "$last" ]; then
			quiet=$((quiet + 5))
		else
			quiet=0
			last=$size
		fi
		if [ "$quiet" -ge "$silent" ]; then
			log "L1 console silent for $silent s: stopping QEMU"
			kill "$qpid" 2> /dev/null
			hung=1
			break
		fi
	done
	wait "$qpid"
	qemu_rc=$?
}

l1_qemu "${LIBVIRT_MEM:-3072}"
log "booting L1 under QEMU TCG ($("$QEMU_L0" --version | sed -n 1p)), timeout $total s"
log "console: $log_file"
try=1
while :; do
	t=$(date +%s)
	set +e
	boot_l1
	set -e
	log "QEMU exited with $qemu_rc after $(($(date +%s) - t)) s (whole run $(($(date +%s) - run_start)) s)"
	grep -a '^# \[' "$log_file" | tr -d '\r' >&2 || true
	[ "$hung" = 1 ] && [ "$try" -lt "$tries" ] || break
	cp "$log_file" "$work/console-hung-$try.log"
	# On stdout, with the TAP: the retry is part of the result.
	echo "# L1 run $try hung (console silent for $silent s after: $(tr -d '\r' < "$log_file" |
		grep -av '^#   \|terminating on signal' | tail -n 1)); console kept in console-hung-$try.log; booting L1 again"
	try=$((try + 1))
done
exec "$TOP/scripts/parse-console.sh" "$log_file" "$qemu_rc"
