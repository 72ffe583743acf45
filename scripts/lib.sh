# shellcheck shell=bash
# Shared settings for the build and test-bed scripts. Sourced, not run.

set -euo pipefail

KERNEL_PKG=linux-source-6.12
KERNEL_PKG_VERSION=${KERNEL_PKG_VERSION:-6.12.117-1~deb12u1}
KERNEL_TARBALL_SHA256=${KERNEL_TARBALL_SHA256:-585a4a074597aefa2b1a68ada83a3184ba351c127544dea80618bbcceaa3961f}
# The .deb, from Debian's security archive (kernel-source.sh).
KERNEL_DEB_SHA256=${KERNEL_DEB_SHA256:-e849faf31ca3555757f3a8877cb01af92122f744f75d1f3102734651c4e14703}
KERNEL_DEB_MIRROR=${KERNEL_DEB_MIRROR:-http://deb.debian.org/debian-security}
# KERNEL_TARBALL=/path/to/linux-6.12.y.tar.xz uses another tarball; set
# KERNEL_TARBALL_SHA256 to its checksum (or "skip", at your own risk).
KERNEL_TARBALL=${KERNEL_TARBALL:-}

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$HOME/.cache/kvmprof}
KSRC=${KSRC:-$BUILD_DIR/src/linux}
KCONFIG=${KCONFIG:-testbed}
KOBJ=${KOBJ:-$BUILD_DIR/obj/$KCONFIG}
JOBS=${JOBS:-$(nproc)}

export CCACHE_DIR=${CCACHE_DIR:-$BUILD_DIR/ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
# No CCACHE_BASEDIR: ccache would hand the compiler relative source paths,
# which -ffile-prefix-map does not rewrite, and a ccache-built object would
# name "../../src/linux/virt/kvm/profile.c" where a plain build names
# "virt/kvm/profile.c": the same tree would give another bzImage.
# Depend mode: on a miss ccache hashes the compiler's own -MMD output instead
# of running the preprocessor first.  A miss on a small kernel file cost
# 53-62 % more than plain gcc in the default mode, 3-7 % in depend mode
# (fs/readdir.c, acpica/utids.c; x86.c: 26 % against 19 %), and a cold
# CI run misses on every file.
export CCACHE_DEPEND=${CCACHE_DEPEND:-1}

# Reproducible-build settings (Documentation/kbuild/reproducible-builds.rst).
export KBUILD_BUILD_USER=kvmprof
export KBUILD_BUILD_HOST=kvmprof
export KBUILD_BUILD_VERSION=1

# The QEMU that runs the test bed (L0), its accelerator and CPU, and extra
# options (e.g. -L DIR).  CI: TCG emulating AMD SVM.  The series' selftests
# on an Intel CPU with VMX, outside CI (on an Intel host with nested VMX):
#   QEMU_L0_ACCEL="-accel kvm -cpu host,-pmu" scripts/vmtest.sh
# By default L0 is Debian 12's QEMU 7.2 built from its pinned source with
# the fix in qemu/patches (scripts/qemu-build.sh, qemu/README.md): without
# it, nested L2 guests die within seconds.  QEMU_L0=qemu-system-x86_64
# runs the packaged one.
QEMU_SRC_VERSION=7.2+dfsg-7+deb12u18
QEMU_ORIG_SHA256=91aca71520040edc40b8d437aa3004dae614f58e286cf653ee8996c07af2962f
QEMU_DEBIAN_SHA256=28a1c86310ee53b6bf1854cffe6f6be6ed29a08db7d05759f8ac57b8d6a6cb2f
QEMU_SRC_MIRROR=${QEMU_SRC_MIRROR:-http://deb.debian.org/debian}
# One build per source version and set of patches.
QEMU_L0_DIR=$BUILD_DIR/qemu-l0/$QEMU_SRC_VERSION-$(cat "$TOP"/qemu/patches/* | sha256sum | cut -c1-12)
QEMU_L0_DEFAULT=$QEMU_L0_DIR/bin/qemu-system-x86_64
QEMU_L0=${QEMU_L0:-$QEMU_L0_DEFAULT}
QEMU_L0_ACCEL=${QEMU_L0_ACCEL:--accel tcg,thread=single -cpu max}
QEMU_L0_ARGS=${QEMU_L0_ARGS:-}

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# need_qemu_l0: build the default L0 QEMU if it is the one asked for and
# is not built yet (about 6 minutes cold, once per set of patches).
need_qemu_l0() {
	if [ "$QEMU_L0" = "$QEMU_L0_DEFAULT" ] && [ ! -x "$QEMU_L0" ]; then
		"$TOP/scripts/qemu-build.sh" > /dev/null
	fi
}

# The start of every L1 kernel command line.  loglevel=5, not quiet:
# WARN() and lockdep print at KERN_WARNING, which "quiet" (console loglevel
# 4) keeps off the console scripts/parse-console.sh scans; each L1 /init
# writes a KERN_WARNING marker that the parser requires.
# shellcheck disable=SC2034 # used by the scripts that source this file
L1_APPEND="console=ttyS0 panic=-1 oops=panic loglevel=5"

# l1_qemu MEM_MB: set the array L1_QEMU to the command that boots L1 (two
# CPUs, MEM_MB of memory, serial console on stdout, exit on reset); the
# caller adds -kernel, -initrd and -append.
l1_qemu() {
	need_qemu_l0
	# shellcheck disable=SC2206 # the option strings are word lists
	L1_QEMU=("$QEMU_L0" $QEMU_L0_ARGS $QEMU_L0_ACCEL -smp 2 -m "$1"
		-nographic -no-reboot)
}

# Time since the epoch at which the pinned source was released; every
# build of the same source stamps the same date into the kernel.
base_timestamp() {
	git -C "$KSRC" log -1 --format=%cd --date=rfc base
}

# -pipe: no temporary assembler files.  It saved a few percent on single
# files; the whole cold build did not get measurably faster (547 s with it
# on the trimmed config, 542 s without it on a slightly larger one).
# KOBJ_MAP: the object directory named in the prefix map, when a copy of
# an object directory is built (the compile commands, and so what kbuild
# rebuilds, stay those of the original).
kmake() {
	local ts
	ts=$(base_timestamp)
	KBUILD_BUILD_TIMESTAMP="$ts" make -C "$KSRC" O="$KOBJ" -j"$JOBS" \
		CC="ccache gcc" HOSTCC="ccache gcc" \
		KCFLAGS="-pipe -ffile-prefix-map=$KSRC/= -ffile-prefix-map=${KOBJ_MAP:-$KOBJ}/=" \
		"$@"
}
