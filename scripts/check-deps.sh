#!/usr/bin/env bash
# make check-deps (and part of make check): does scripts/install-deps.sh
# install everything the project's steps need?  In a pristine Debian 12
# root (scripts/pristine.sh), run the dependency step, then every step
# that needs a system package, short of the long builds: configure the L0
# QEMU, configure and prepare the kernel, build the selftests, proto,
# vmprofctl, the guest agent and the e2e tools, make the VMX test's ISO.
# CI runs on a machine where whatever was once installed by hand stays
# installed; only a pristine root shows a package missing from the list.
#
# It first tests itself: with libfdt-dev dropped from the list, the L0
# QEMU's configure must fail (the failure a newcomer met), and pass once
# the whole list is installed.  Prints TAP and "N passed, N failed".
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pristine.sh"
. "$(dirname "$0")/suite.sh"
# Each step's failure is a test point, not the end of the run.
set +e

root=$PRISTINE_DIR/check-deps-root
logs=$PRISTINE_DIR/check-deps-logs
rm -rf "$logs"
mkdir -p "$logs"
trap 'pristine_remove "$root"' EXIT

# in_root NAME COMMAND: COMMAND in the project's copy inside the root;
# its output goes to $logs/NAME.log.
in_root() {
	pristine_run "$root" "cd /root/kvmprof && export BUILD_DIR=/root/build && $2" \
		>"$logs/$1.log" 2>&1
}

start=$(date +%s)
pristine_unpack "$root"
tap_check $? "a pristine Debian 12 root (debootstrap --variant=minbase)" "$PRISTINE_DIR/debootstrap.log"

# The working tree as it is, committed or not: the check is of these files.
mkdir -p "$root/root/kvmprof"
git -C "$TOP" ls-files -z -c -o --exclude-standard |
	(cd "$TOP" && xargs -0 tar -cf - --) | tar -C "$root/root/kvmprof" -xf -
# Sources the steps download (Debian's QEMU source) are kept across runs.
mkdir -p "$BUILD_DIR/qemu-l0/dl" "$root/root/build/qemu-l0/dl"
mount --bind "$BUILD_DIR/qemu-l0/dl" "$root/root/build/qemu-l0/dl"

in_root deps-omit "KVMPROF_DEPS_OMIT=libfdt-dev scripts/install-deps.sh &&
	! dpkg-query -W -f='\${Status}' libfdt-dev 2>/dev/null | grep -q 'ok installed'"
tap_check $? "self-test: the dependency step with libfdt-dev left out of its list" "$logs/deps-omit.log"
in_root qemu-nofdt "QEMU_BUILD_STOP=configure scripts/qemu-build.sh"
rc=$?
grep -q "fdt not available" "$logs/qemu-nofdt.log"
tap_check "$([ "$rc" != 0 ] && [ $? = 0 ] && echo 0)" \
	"self-test: ... then the L0 QEMU's configure fails, naming fdt" "$logs/qemu-nofdt.log"

in_root deps "scripts/install-deps.sh"
tap_check $? "the dependency step installs the whole list" "$logs/deps.log"
in_root qemu "QEMU_BUILD_STOP=configure scripts/qemu-build.sh"
tap_check $? "L0 QEMU: fetch Debian's source, patch, configure" "$logs/qemu.log"
in_root kernel "scripts/kernel-build.sh prepare"
tap_check $? "kernel: source package, git am, quilt check, config, make prepare" "$logs/kernel.log"
# One test: the library and the static link are what need packages.
in_root selftests "scripts/build-selftests.sh x86_64/profile_test"
tap_check $? "KVM selftests: headers, library, a static test" "$logs/selftests.log"
in_root native "make -s -C proto && make -s -C userspace &&
	make -s -C userspace testbed-install DESTDIR=/tmp/stage &&
	make -s -C guest-agent all static && make -s -C e2e tools"
tap_check $? "proto, vmprofctl (dynamic and static), guest agent, e2e tools" "$logs/native.log"
in_root vmx-iso "scripts/vmx-test.sh --iso-only"
tap_check $? "the VMX test bed's boot ISO (isolinux, xorriso) and bochs" "$logs/vmx-iso.log"

echo "# pristine-root check took $(( $(date +%s) - start )) s; logs in $logs"
tap_done
