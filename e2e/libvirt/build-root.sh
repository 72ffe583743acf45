#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the Debian 12 root of L1 for the libvirt scenario with debootstrap,
# trim it, and pack it as a zstd cpio archive (L1 has no block layer: its
# root is an initramfs).  Cached under $BUILD_DIR/libvirt-root: the tree is
# rebuilt only when the package list, suite or mirror changes, the archive
# only when the tree is rebuilt.  Prints the archive's path.  Needs root.
#
#   LIBVIRT_ROOT_REBUILD=1   rebuild the tree even when the stamp matches
set -euo pipefail

BUILD_DIR=${BUILD_DIR:-$HOME/.cache/kvmprof}
CACHE=${LIBVIRT_ROOT_CACHE:-$BUILD_DIR/libvirt-root}
SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
# libvirt-daemon-system brings the libvirt-qemu user and group, the
# default qemu.conf and virtlogd; it needs dbus spelled out (debootstrap
# does not resolve the virtual dbus-system-bus), and libpam-systemd for
# polkitd (it depends on the virtual default-logind | logind, which
# debootstrap does not resolve either).  libelf1: vmprofctl.
PACKAGES=dbus,libpam-systemd,qemu-system-x86,libvirt-daemon-system,libvirt-clients,libelf1

log() { printf '==> %s\n' "$*" >&2; }

[ "$(id -u)" = 0 ] || { echo "error: build-root.sh needs root (debootstrap)" >&2; exit 1; }
command -v debootstrap > /dev/null ||
	{ echo "error: no debootstrap: run scripts/install-deps.sh" >&2; exit 1; }

tree=$CACHE/tree
stamp=$CACHE/stamp
archive=$CACHE/root.cpio.zst
want="suite=$SUITE variant=minbase mirror=$MIRROR include=$PACKAGES trim=2"

if [ "${LIBVIRT_ROOT_REBUILD:-0}" = 1 ] || [ ! -d "$tree" ] ||
	[ "$(cat "$stamp" 2> /dev/null)" != "$want" ]; then
	log "debootstrap $SUITE into $tree ($PACKAGES)"
	rm -rf "$tree" "$stamp" "$archive"
	mkdir -p "$CACHE"
	t0=$(date +%s)
	if ! nice -n 19 debootstrap --variant=minbase --include="$PACKAGES" \
		"$SUITE" "$tree.new" "$MIRROR" > "$CACHE/debootstrap.log" 2>&1; then
		tail -n 20 "$CACHE/debootstrap.log" >&2
		tail -n 20 "$tree.new/debootstrap/debootstrap.log" >&2 2> /dev/null || true
		echo "error: debootstrap failed (log: $CACHE/debootstrap.log)" >&2
		exit 1
	fi
	log "debootstrap took $(($(date +%s) - t0)) s, $(du -sm "$tree.new" | cut -f1) MB"
	# What L1 never reads: documentation, translations, apt's lists and
	# caches, firmware of machines other than x86 PCs.
	rm -rf "$tree.new"/usr/share/doc/* "$tree.new"/usr/share/man/* \
		"$tree.new"/usr/share/info/* "$tree.new"/usr/share/locale/* \
		"$tree.new"/var/cache/apt/*.bin "$tree.new"/var/cache/apt/archives/*.deb \
		"$tree.new"/var/lib/apt/lists/*_* "$tree.new"/usr/share/qemu/edk2-* \
		"$tree.new"/usr/share/qemu/firmware
	mv "$tree.new" "$tree"
	log "trimmed to $(du -sm "$tree" | cut -f1) MB"
	echo "$want" > "$stamp"
fi

if [ ! -f "$archive" ] || [ "$stamp" -nt "$archive" ]; then
	t0=$(date +%s)
	(cd "$tree" && find . -path ./debootstrap -prune -o -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc --quiet) | nice -n 19 zstd -1 -q -T2 > "$archive.tmp"
	mv "$archive.tmp" "$archive"
	log "packed $archive ($(du -m "$archive" | cut -f1) MB) in $(($(date +%s) - t0)) s"
fi
echo "$archive"
