#!/usr/bin/env bash
# Unpack the pinned QEMU that runs the test bed (L0) into BUILD_DIR and
# print the settings for it, shell-quoted for eval:
#   eval "$(scripts/qemu-l0.sh)"; export QEMU_L0 QEMU_L0_ARGS QEMU_MODULE_DIR
#
# Debian 12's QEMU 7.2 emulates nested SVM badly enough that a Linux L2
# guest under the test bed's KVM stalls (see e2e/README.md); the
# bookworm-backports build of QEMU 10.0 is used instead.  The .debs are
# fetched from the Debian archive by path and checked against pinned
# sha256 sums, and unpacked with dpkg -x: nothing is installed on the host,
# whose own QEMU stays as it is.  Their shared libraries are Debian 12's
# (scripts/install-deps.sh installs the system qemu-system-x86, which
# pulls them in).  QEMU_L0=/path/to/qemu-system-x86_64 overrides all this.
. "$(dirname "$0")/lib.sh"

QEMU_L0_VERSION=10.0.2+ds-2+deb13u1~bpo12+1
SEABIOS_VERSION=1.16.3-2~bpo12+1
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
debs=(
	"pool/main/q/qemu/qemu-system-x86_${QEMU_L0_VERSION}_amd64.deb 4a6b1856c8b0d7df4ff8e70249e12c473ccf8d516aadb4ae14d3d938faed0c65"
	"pool/main/q/qemu/qemu-system-common_${QEMU_L0_VERSION}_amd64.deb 23a4672a138832d7173855e981aa8282c73ef5e04e080fa7ada9f82c6b34f507"
	"pool/main/q/qemu/qemu-system-data_${QEMU_L0_VERSION}_all.deb 2d831088187087013b3fcbd19bdfb955b182a2d5a08f6dafa0ad1c6d2007fb4e"
	"pool/main/s/seabios/seabios_${SEABIOS_VERSION}_all.deb 48390d0a534c66d11789e39518aa219773a9d3677b29fe1af8799dfb563ec713"
)
root=$BUILD_DIR/qemu-l0/$QEMU_L0_VERSION
qemu=$root/usr/bin/qemu-system-x86_64

if [ ! -x "$qemu" ]; then
	mkdir -p "$BUILD_DIR/qemu-l0/debs"
	rm -rf "$root.tmp"
	for d in "${debs[@]}"; do
		read -r path sum <<<"$d"
		file=$BUILD_DIR/qemu-l0/debs/$(basename "$path")
		if [ ! -f "$file" ] || [ "$(sha256sum "$file" | cut -d' ' -f1)" != "$sum" ]; then
			log "fetching $MIRROR/$path"
			curl -fsS --retry 3 -m 300 -o "$file.tmp" "$MIRROR/$path" ||
				die "cannot fetch $MIRROR/$path (the archive may have moved on from
QEMU $QEMU_L0_VERSION: update QEMU_L0_VERSION and the sums in $0 from
$MIRROR/dists/bookworm-backports/main/binary-amd64/Packages.xz, or set
QEMU_L0=/path/to/qemu-system-x86_64)"
			mv "$file.tmp" "$file"
		fi
		got=$(sha256sum "$file" | cut -d' ' -f1)
		[ "$got" = "$sum" ] || die "$file has sha256 $got, expected $sum"
		dpkg -x "$file" "$root.tmp"
	done
	mkdir -p "$root.tmp/usr/lib/x86_64-linux-gnu/qemu"
	mv "$root.tmp" "$root"
fi
missing=$(ldd "$qemu" | grep 'not found' || true)
[ -z "$missing" ] || die "$qemu lacks libraries (run scripts/install-deps.sh): $missing"
printf 'QEMU_L0=%q\n' "$qemu"
# -audio none: the default audio probe would load the host QEMU's modules.
printf 'QEMU_L0_ARGS=%q\n' "-audio none -L $root/usr/share/seabios -L $root/usr/share/qemu"
printf 'QEMU_MODULE_DIR=%q\n' "$root/usr/lib/x86_64-linux-gnu/qemu"
