#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Two checkouts building vmprofctl into one BUILD_DIR (a review checkout
# running the bench while another runs the demo) must not delete each
# other's objects: each gets its own output directory, and an explicit
# O= that holds another checkout's objects is refused, not wiped.
# Copies of this checkout's working tree stand for the two checkouts.
# Prints TAP and "N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/suite.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
build=$tmp/build

for c in one two; do
	mkdir -p "$tmp/$c"
	cp -R "$top/userspace" "$top/proto" "$top/include" "$top/scripts" "$tmp/$c/"
done
mk() {
	c=$1
	shift
	nice -n 10 make -s -C "$tmp/$c/userspace" --no-print-directory \
		BUILD_DIR="$build" LIBVIRT=0 LIBELF=0 -j2 "$@"
}
# The objects and programs a build left in BUILD_DIR, by checksum.
snapshot() {
	find "$1" -type f \( -name '*.o' -o -name vmprofctl \) \
		-exec cksum {} + | sort
}

mk one all >"$tmp/one.log" 2>&1
tap_check $? "first checkout builds" "$tmp/one.log"
snapshot "$build" >"$tmp/before"
nobj=$(grep -c '\.o$' "$tmp/before")
[ "$nobj" -gt 10 ]
tap_check $? "first checkout's objects are in BUILD_DIR ($nobj)"

mk two all >"$tmp/two.log" 2>&1
tap_check $? "second checkout builds into the same BUILD_DIR" "$tmp/two.log"
snapshot "$build" >"$tmp/after"
missing=$(comm -23 "$tmp/before" "$tmp/after" | wc -l)
[ "$missing" = 0 ]
tap_check $? "first checkout's objects still there, unchanged ($missing lost)"
[ "$(grep -c '/vmprofctl$' "$tmp/after")" = 2 ]
tap_check $? "both checkouts' vmprofctl present"

# The same output directory named by O= in both: refused, nothing deleted.
mk one O="$build/shared" all >"$tmp/o1.log" 2>&1
tap_check $? "first checkout builds with O=" "$tmp/o1.log"
snapshot "$build/shared" >"$tmp/o1"
n1=$(wc -l <"$tmp/o1")
mk two O="$build/shared" all >"$tmp/o2.log" 2>&1
rc=$?
snapshot "$build/shared" >"$tmp/o2"
lost=$(comm -23 "$tmp/o1" "$tmp/o2" | wc -l)
[ "$rc" != 0 ] && grep -q "another checkout" "$tmp/o2.log"
tap_check $? "second checkout's O= to the first's objects is refused with a message" "$tmp/o2.log"
[ "$n1" -gt 10 ] && [ "$lost" = 0 ]
tap_check $? "O= objects of the first checkout kept, unchanged ($lost of $n1 files lost)"

tap_done
