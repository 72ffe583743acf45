#!/usr/bin/env bash
# Install what building, testing and the demo need on Debian 12, by
# package name: every package any project step runs, each listed under
# the step that needs it.  The kernel source package is pinned separately
# by scripts/kernel-source.sh.  Safe to run again: it installs only what
# is missing (set FORCE_APT=1 to always ask apt).
#
# scripts/check-deps.sh proves this list on a pristine Debian 12 root
# (debootstrap --variant=minbase): a step whose package is missing here
# fails there.  KVMPROF_DEPS_OMIT="pkg ..." drops packages from the list;
# it exists for that check's own test, not for users.
set -euo pipefail

packages=(
	# make demo / make check themselves, and kernel-tree.sh (git am)
	make git ca-certificates
	# kernel build (kernel-build.sh): compiler, Kconfig (bison, flex),
	# objtool (libelf), signing tools built by "make prepare" (libssl),
	# timeconst (bc), BTF tools (dwarves), the tarball (xz), ccache
	build-essential bc bison flex libelf-dev libssl-dev dwarves ccache
	xz-utils kmod
	# kernel headers install and checkpatch.pl (check-series.sh)
	rsync perl
	# test-bed initramfs (build-initramfs.sh): cpio, busybox, the
	# L1 QEMU's firmware (qemu-system-x86 also ships SeaBIOS) and zstd
	qemu-system-x86 busybox-static cpio time zstd
	# libvirt root for e2e scenario 5 (e2e/libvirt/build-root.sh) and the
	# pristine roots of check-deps.sh and check-fresh.sh
	debootstrap e2fsprogs
	# the L0 QEMU built from Debian's source (qemu-build.sh): download,
	# configure (meson, ninja, glib, pixman, libfdt: Debian's orig tarball
	# has no dtc submodule), patch
	curl meson ninja-build libglib2.0-dev libpixman-1-dev libfdt-dev patch
	# vmprofctl, guest agent, proto (native builds and tests): libvirt
	# lookup, libelf symbols, zlib/zstd data files, clang + libFuzzer,
	# valgrind for the native tests
	pkg-config libvirt-dev zlib1g-dev libzstd-dev clang libclang-rt-14-dev
	valgrind
	# emulated Intel VMX for make check-vmx (scripts/vmx-test.sh): bochs
	# with its BIOS, VGA BIOS and terminal display, and an isolinux ISO
	bochs bochsbios vgabios bochs-term isolinux syslinux-common xorriso
	# check-vmx runs bochs on a pseudo-terminal (script), and
	# userspace/tests/progress.sh runs vmprofctl report on one
	bsdutils
	# userspace check: tests/cli.sh imports every CSV export with sqlite3,
	# reads the pprof export with go tool pprof (offline), the JSON with jq
	sqlite3 golang-go jq
	# userspace check: tests/top.sh drives vmprofctl top under tmux; e2e's
	# testbed-install carries it into L1 for e2e/tests/25-top.t
	tmux
	# userspace check: tests/timeline.sh counts what a report reads (strace)
	strace
	# userspace check: the npm packages that read the exports
	# (userspace/tests/consumers/: Chrome DevTools' trace engine for
	# --format perfetto, pprof-format for --format pprof)
	nodejs npm
	# userspace check: tests/html.sh loads --format html in headless
	# Chromium, reads back what the page drew and takes its screenshot
	chromium fonts-dejavu-core
)

if [ -n "${KVMPROF_DEPS_OMIT:-}" ]; then
	kept=()
	for p in "${packages[@]}"; do
		case " $KVMPROF_DEPS_OMIT " in *" $p "*) continue ;; esac
		kept+=("$p")
	done
	packages=("${kept[@]}")
fi

missing=()
for p in "${packages[@]}"; do
	# A Node.js from elsewhere (NodeSource) bundles npm and conflicts
	# with Debian's npm package: the command is what the tests need.
	if [ "$p" = npm ] && command -v npm >/dev/null; then
		continue
	fi
	# No pipe into grep -q: under pipefail a reader that stops early
	# can fail the writer with SIGPIPE.
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ] && [ "${FORCE_APT:-0}" != 1 ]; then
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "error: need root to install: ${missing[*]} (run with sudo)" >&2
	exit 1
fi
echo "==> installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
