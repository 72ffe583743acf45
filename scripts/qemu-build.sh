#!/usr/bin/env bash
# Build the test bed's L0 QEMU and print its path: Debian 12's qemu source
# at the pinned version, Debian's own patches, then ours (qemu/patches/
# series), only the x86_64 system emulator, with the firmware search path
# of Debian's package, so that it uses the firmware qemu-system-x86
# installs (QEMU 7.2 looks for paths under its prefix next to the binary:
# the prefix is the install directory, /usr paths stay absolute).  Why:
# qemu/README.md.  QEMU_BUILD_STOP=configure stops after configure and
# removes the work directory (scripts/check-deps.sh: does a pristine
# machine have what configure needs?).
. "$(dirname "$0")/lib.sh"

bin=$QEMU_L0_DEFAULT
stop=${QEMU_BUILD_STOP:-}
if [ -x "$bin" ] && [ -z "$stop" ]; then
	echo "$bin"
	exit 0
fi

dl=$BUILD_DIR/qemu-l0/dl
orig=qemu_${QEMU_SRC_VERSION%%-*}.orig.tar.xz
deb=qemu_$QEMU_SRC_VERSION.debian.tar.xz
mkdir -p "$dl"

# fetch FILE SHA256: download FILE from Debian's pool once, check it.
fetch() {
	local url=$QEMU_SRC_MIRROR/pool/main/q/qemu/$1 sum
	if [ ! -f "$dl/$1" ]; then
		log "downloading $url"
		if ! curl -sSfL -o "$dl/$1.part" "$url"; then
			rm -f "$dl/$1.part"
			die "cannot download $url: is qemu $QEMU_SRC_VERSION still served?
Point QEMU_SRC_MIRROR at a mirror that has it (e.g. http://snapshot.debian.org/archive/debian/20250520T000000Z)."
		fi
		mv "$dl/$1.part" "$dl/$1"
	fi
	sum=$(sha256sum "$dl/$1" | cut -d' ' -f1)
	if [ "$sum" != "$2" ]; then
		rm -f "$dl/$1"
		die "$url has sha256 $sum, expected $2 (removed; the next run downloads it again)"
	fi
}
fetch "$orig" "$QEMU_ORIG_SHA256"
fetch "$deb" "$QEMU_DEBIAN_SHA256"

# apply_series DIR SERIES: apply the patches SERIES lists, in order, from DIR.
apply_series() {
	local p
	while read -r p _; do
		case $p in '' | '#'*) continue ;; esac
		patch -p1 -s -N --no-backup-if-mismatch < "$1/$p" ||
			die "patch $1/$p does not apply"
	done < "$2"
}

work=$QEMU_L0_DIR/work
rm -rf "$work"
mkdir -p "$work"
log "unpacking qemu $QEMU_SRC_VERSION"
tar -C "$work" -xf "$dl/$orig"
tar -C "$work" -xf "$dl/$deb"
src=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'qemu-*')
cd "$src" || die "no source directory in $work"
apply_series "$work/debian/patches" "$work/debian/patches/series"
apply_series "$TOP/qemu/patches" "$TOP/qemu/patches/series"

log "configuring (x86_64-softmmu only)"
mkdir build
cd build || exit 1
../configure --target-list=x86_64-softmmu --without-default-features \
	--enable-tcg --disable-docs --disable-tools --disable-user \
	--disable-werror --prefix="$QEMU_L0_DIR" \
	--firmwarepath=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu \
	--with-pkgversion="Debian $QEMU_SRC_VERSION + kvmprof qemu/patches" \
	> ../configure.log 2>&1 || {
	# Print the reason (meson's ERROR lines), not only the log's path.
	grep -E 'ERROR' ../configure.log | sed -n '1,5s/^/  /p' >&2
	die "configure failed: $src/configure.log"
}
if [ "$stop" = configure ]; then
	cd "$TOP"
	rm -rf "$work"
	log "configured (QEMU_BUILD_STOP=configure: not built)"
	exit 0
fi
log "building qemu-system-x86_64 (about 6 minutes cold on 2 cores)"
# CCACHE_BASEDIR: the work directory is named after the patches; a new
# patch then still hits the cache for every file it does not touch.
CCACHE_BASEDIR=$src ninja -j"$JOBS" qemu-system-x86_64 > ../build.log 2>&1 ||
	die "build failed: $src/build.log"

mkdir -p "$(dirname "$bin")"
cp qemu-system-x86_64 "$bin.tmp"
mv "$bin.tmp" "$bin"
rm -rf "$work"
log "built $("$bin" --version | sed -n 1p)"
echo "$bin"
