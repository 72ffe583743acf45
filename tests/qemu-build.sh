#!/usr/bin/env bash
# scripts/qemu-build.sh refuses sources it cannot fetch or whose sha256 is
# not the pinned one, with a message that says what to do, and builds
# nothing then.  Runs against a file:// mirror in a scratch BUILD_DIR: no
# network, no build.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/suite.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT


# build MIRROR: run qemu-build.sh on a scratch BUILD_DIR; output in $out.
build() {
	out=$(BUILD_DIR=$tmp/build QEMU_SRC_MIRROR=$1 "$top/scripts/qemu-build.sh" 2>&1)
	rc=$?
}

pool=$tmp/mirror/pool/main/q/qemu
mkdir -p "$pool"

build "file://$tmp/mirror"
tap_check "$([ $rc != 0 ] && echo 0)" "a mirror without the source: fails"
grep -q "is qemu .* still served" <<<"$out" &&
	grep -q "QEMU_SRC_MIRROR" <<<"$out"
tap_check $? "... naming the version and QEMU_SRC_MIRROR"
[ ! -d "$tmp/build/qemu-l0" ] || [ -z "$(find "$tmp/build/qemu-l0" -name '*.part' -o -name 'qemu-system-x86_64')" ]
tap_check $? "... and leaves no partial download or binary"

echo "not the QEMU source" > "$pool/qemu_7.2+dfsg.orig.tar.xz"
build "file://$tmp/mirror"
tap_check "$([ $rc != 0 ] && echo 0)" "a tarball with another sha256: fails"
grep -q "has sha256 .*, expected 91aca715" <<<"$out"
tap_check $? "... printing both checksums"
[ -z "$(find "$tmp/build" -name 'qemu-system-x86_64')" ]
tap_check $? "... and builds nothing"
[ -z "$(find "$tmp/build" -name 'qemu_7.2*')" ]
tap_check $? "... and removes the tarball, so the next run downloads it again"

tap_done
