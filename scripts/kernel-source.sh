#!/usr/bin/env bash
# Print the path of the pinned kernel source tarball: Debian's
# linux-source-6.12 package at the pinned version, fetched from Debian's
# security archive (where bookworm's 6.12 kernels are published) into
# $BUILD_DIR/dl, its .deb and its tarball both checked against pinned
# sha256s, and unpacked there.  Nothing is installed: apt would find the
# package only where bookworm-security is configured, which a debootstrap
# root (scripts/check-deps.sh) is not.
. "$(dirname "$0")/lib.sh"

tarball=$KERNEL_TARBALL
if [ -z "$tarball" ]; then
	dl=$BUILD_DIR/dl
	deb=${KERNEL_PKG}_${KERNEL_PKG_VERSION}_all.deb
	tarball=$dl/$KERNEL_PKG-$KERNEL_PKG_VERSION.tar.xz
	mkdir -p "$dl"
	if [ ! -f "$tarball" ]; then
		url=$KERNEL_DEB_MIRROR/pool/updates/main/l/linux-6.12/$deb
		if [ ! -f "$dl/$deb" ]; then
			log "downloading $url"
			if ! curl -sSfL -o "$dl/$deb.part" "$url"; then
				rm -f "$dl/$deb.part"
				die "cannot download $url: is $KERNEL_PKG $KERNEL_PKG_VERSION still served?
Point KERNEL_DEB_MIRROR at a mirror that has it (e.g. http://snapshot.debian.org/archive/debian-security/20251201T000000Z),
pick another version (KERNEL_PKG_VERSION=... KERNEL_DEB_SHA256=... KERNEL_TARBALL_SHA256=...),
or point KERNEL_TARBALL at a 6.12 tarball of your own."
			fi
			mv "$dl/$deb.part" "$dl/$deb"
		fi
		sum=$(sha256sum "$dl/$deb" | cut -d' ' -f1)
		if [ "$sum" != "$KERNEL_DEB_SHA256" ]; then
			rm -f "$dl/$deb"
			die "$url has sha256 $sum, expected $KERNEL_DEB_SHA256 (removed; the next run downloads it again)"
		fi
		log "unpacking the kernel tarball from $deb"
		dpkg-deb --fsys-tarfile "$dl/$deb" |
			tar -xOf - "./usr/src/$KERNEL_PKG.tar.xz" >"$tarball.part" ||
			{ rm -f "$tarball.part"; die "$deb holds no usr/src/$KERNEL_PKG.tar.xz"; }
		mv "$tarball.part" "$tarball"
		# The tarball has its own pinned sha256 (below): the .deb is done.
		rm -f "$dl/$deb"
	fi
fi
[ -f "$tarball" ] || die "kernel tarball $tarball not found"

if [ "$KERNEL_TARBALL_SHA256" != skip ]; then
	sum=$(sha256sum "$tarball" | cut -d' ' -f1)
	[ "$sum" = "$KERNEL_TARBALL_SHA256" ] ||
		die "$tarball has sha256 $sum, expected $KERNEL_TARBALL_SHA256"
fi
echo "$tarball"
