#!/usr/bin/env bash
# Install what building, testing and the demo need on Debian 12, by
# package name.  The kernel source package is pinned separately by
# scripts/kernel-source.sh.  Safe to run again: it installs only what is
# missing (set FORCE_APT=1 to always ask apt).
set -euo pipefail

packages=(
	# kernel build
	build-essential bc bison flex libelf-dev libssl-dev dwarves ccache
	xz-utils kmod cpio git python3
	# test bed
	qemu-system-x86 busybox-static time debootstrap zstd
	# the L0 QEMU built from source (scripts/qemu-build.sh)
	curl meson ninja-build libglib2.0-dev libpixman-1-dev
	# userspace tools, guest agent, fuzzing
	pkg-config libvirt-dev zlib1g-dev libzstd-dev clang libclang-rt-14-dev
	valgrind
	# userspace check: tests/cli.sh imports every CSV export with sqlite3,
	# reads the pprof export with go tool pprof (offline), the JSON with jq
	sqlite3 golang-go jq
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
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
