#!/usr/bin/env bash
# Build the test-bed initramfs: static busybox, /init, the KVM selftests
# named in selftests/kvm-tests.list and every component's testbed-install.
# Prints the path of the cpio.gz.  INITRAMFS_NAME names another one
# (default testbed), INITRAMFS_COMPONENTS the components it installs
# (default all; scripts/vmx-test.sh installs none: under bochs every byte
# of initramfs costs boot time and its tests run only the selftests).
. "$(dirname "$0")/lib.sh"

name=${INITRAMFS_NAME:-testbed}
dir=$BUILD_DIR/testbed/$KCONFIG
[ "$name" = testbed ] || dir=$dir/$name
stage=$dir/root
out=$dir/initrd.cpio.gz
rm -rf "$stage"
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,etc,root,tests,kvm-selftests}
cp /bin/busybox "$stage/bin/busybox"
# /init is a #!/bin/sh script: the kernel needs /bin/sh before /init can
# run busybox --install.
ln -s busybox "$stage/bin/sh"
install -m 0755 "$TOP/selftests/init" "$stage/init"
cp "$TOP/selftests/kvm-tests.list" "$stage/kvm-tests.list"
while read -r t _; do
	case "$t" in ''|'#'*) continue ;; esac
	mkdir -p "$stage/kvm-selftests/$(dirname "$t")"
	cp "$BUILD_DIR/selftests/$KCONFIG/$t" "$stage/kvm-selftests/$t"
done <"$TOP/selftests/kvm-tests.list"
echo "root:x:0:0:root:/root:/bin/sh" >"$stage/etc/passwd"
echo "root:x:0:" >"$stage/etc/group"

for comp in ${INITRAMFS_COMPONENTS-userspace guest-agent e2e}; do
	[ -f "$TOP/$comp/Makefile" ] || continue
	log "installing $comp into the initramfs"
	make -s -C "$TOP/$comp" testbed-install DESTDIR="$stage" \
		KSRC="$KSRC" KOBJ="$KOBJ" >&2 ||
		die "make -C $comp testbed-install failed"
done

# KVM built as modules (KCONFIG=debug): install them for /init to load.
if grep -qx CONFIG_KVM=m "$KOBJ/.config"; then
	log "installing the kernel's modules into the initramfs"
	kmake -s modules_install INSTALL_MOD_PATH="$stage" INSTALL_MOD_STRIP=1 >&2 ||
		die "modules_install failed"
fi

(cd "$stage" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --reproducible --quiet) | gzip -1 -n >"$out"
echo "$out"
