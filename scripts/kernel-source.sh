#!/usr/bin/env bash
# Print the path of the pinned kernel source tarball, installing Debian's
# linux-source-6.12 package at the pinned version when needed, and check
# its sha256.
. "$(dirname "$0")/lib.sh"

tarball=$KERNEL_TARBALL
if [ -z "$tarball" ]; then
	tarball=$KERNEL_TARBALL_DEFAULT
	have=$(dpkg-query -W -f='${Version}' "$KERNEL_PKG" 2>/dev/null || true)
	if [ "$have" != "$KERNEL_PKG_VERSION" ] || [ ! -f "$tarball" ]; then
		log "installing $KERNEL_PKG=$KERNEL_PKG_VERSION"
		if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--allow-downgrades "$KERNEL_PKG=$KERNEL_PKG_VERSION" >&2; then
			die "$KERNEL_PKG version $KERNEL_PKG_VERSION is not served by apt any more.
Pick a served one (apt-cache madison $KERNEL_PKG) and run with
KERNEL_PKG_VERSION=<version> KERNEL_TARBALL_SHA256=<sha256 of $tarball>,
or point KERNEL_TARBALL at a 6.12 tarball of your own."
		fi
	fi
fi
[ -f "$tarball" ] || die "kernel tarball $tarball not found"

if [ "$KERNEL_TARBALL_SHA256" != skip ]; then
	sum=$(sha256sum "$tarball" | cut -d' ' -f1)
	[ "$sum" = "$KERNEL_TARBALL_SHA256" ] ||
		die "$tarball has sha256 $sum, expected $KERNEL_TARBALL_SHA256"
fi
echo "$tarball"
