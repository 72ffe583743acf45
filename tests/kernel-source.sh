#!/usr/bin/env bash
# scripts/kernel-source.sh refuses a kernel .deb it cannot fetch or whose
# sha256 is not the pinned one, with a message that says what to do, and
# leaves nothing behind.  Runs against a file:// mirror in a scratch
# BUILD_DIR: no network.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/suite.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT


# fetch: run kernel-source.sh on a scratch BUILD_DIR; output in $out.
fetch() {
	out=$(BUILD_DIR=$tmp/build KERNEL_DEB_MIRROR=file://$tmp/mirror \
		"$top/scripts/kernel-source.sh" 2>&1)
	rc=$?
}

pool=$tmp/mirror/pool/updates/main/l/linux-6.12
mkdir -p "$pool"

fetch
tap_check "$([ $rc != 0 ] && echo 0)" "a mirror without the package: fails"
grep -q "is linux-source-6.12 .* still served" <<<"$out" &&
	grep -q "KERNEL_DEB_MIRROR" <<<"$out"
tap_check $? "... naming the version and KERNEL_DEB_MIRROR"
[ -z "$(find "$tmp/build" -type f)" ]
tap_check $? "... and leaves no partial download"

echo "not a kernel package" >"$pool/linux-source-6.12_6.12.117-1~deb12u1_all.deb"
fetch
tap_check "$([ $rc != 0 ] && echo 0)" "a .deb with another sha256: fails"
grep -q "has sha256 .*, expected e849faf3" <<<"$out"
tap_check $? "... printing both checksums"
[ -z "$(find "$tmp/build" -type f)" ]
tap_check $? "... and removes it, so the next run downloads it again"

tap_done
