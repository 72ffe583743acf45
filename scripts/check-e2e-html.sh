#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Scenario 2's recording (e2e/tests/20-steal-outside.t: hostburn pinned to
# the pCPU of vCPU 0 for the whole recording) as --format html, sent from
# L1 through the test bed's artifact port, loaded in headless Chromium on
# the host: the page must draw, name hostburn as vcpu0's culprit with the
# share the scenario's steal table printed on the console (within 2
# points), show it across the recording on the timeline, add up to the
# wall time, and make the screenshot the README shows.
# Usage: check-e2e-html.sh ARTIFACTS.tgz CONSOLE.log
# Leaves scenario2-report.html and .png in $BUILD_DIR/testbed/.
top=$(cd "$(dirname "$0")/.." && pwd)
artifacts=${1:?usage: check-e2e-html.sh ARTIFACTS.tgz CONSOLE.log}
console=${2:?usage: check-e2e-html.sh ARTIFACTS.tgz CONSOLE.log}
out=${BUILD_DIR:-$HOME/.cache/kvmprof}/testbed
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
. "$top/userspace/tests/lib.sh"

chromium_ready
mkdir -p "$out"
tar -xiz -C "$TMP" -f "$artifacts" scenario2-report.html 2>"$TMP/tar.err"
ok $? "the page came through the artifact port ($artifacts) $(head -c 200 "$TMP/tar.err")"
[ -s "$TMP/scenario2-report.html" ] || done_tests
cp "$TMP/scenario2-report.html" "$out/scenario2-report.html"

chrome "$TMP/scenario2-report.html" --dump-dom >"$TMP/dom"
grep -q '<body data-ready="1">' "$TMP/dom"
ok $? "Chromium draws it (body data-ready=1)"

# "# # [steal] (task hostburn (cgroup /)): 48.96% of wall"
want=$(sed -n 's/^# # \[steal\] (task hostburn (cgroup [^)]*)): \([0-9.]*\)% of wall.*/\1/p' "$console" | tail -n 1)
got=$(vcpu_shares "$TMP/dom" 0 | awk -F'\t' 'index($1, "steal: task hostburn (cgroup ") == 1 { print $2 }')
awk -v a="$got" -v b="$want" 'BEGIN { d = a - b; exit !(a != "" && b != "" && d <= 2 && d >= -2) }'
ok $? "vcpu0's bar: steal: task hostburn ${got:-none}% of wall, the steal table said ${want:-nothing}%"
sum=$(vcpu_shares "$TMP/dom" 0 | awk -F'\t' '{ s += $2 } END { printf "%.2f", s }')
awk -v s="$sum" 'BEGIN { exit !(s >= 99.9 && s <= 100.1) }'
ok $? "vcpu0's shares add up to the wall time ($sum%)"

# hostburn ran all along: on the timeline in every tenth of the recording
to=$(grep -o '<svg [^>]*data-to-ms="[0-9.]*"' "$TMP/dom" | head -n 1 | attr /dev/stdin data-to-ms)
grep -o '<rect [^>]*data-vcpu="0"[^>]*data-culprit="task hostburn (cgroup [^"]*"[^>]*>' "$TMP/dom" |
	attr /dev/stdin data-t0-ms >"$TMP/hog"
tenths=$(awk -v to="$to" 'to > 0 { seen[int(10 * $1 / to)] = 1 }
	END { for (k in seen) n++; print n + 0 }' "$TMP/hog")
[ "$tenths" -eq 10 ]
ok $? "the timeline shows hostburn on vcpu0 in $tenths of the recording's 10 tenths ($(wc -l <"$TMP/hog") runs over ${to:-?} ms)"

chrome "$TMP/scenario2-report.html" --window-size=1240,1100 \
	--screenshot="$out/scenario2-report.png" >/dev/null
[ "$(head -c 8 "$out/scenario2-report.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
ok $? "its screenshot: $out/scenario2-report.png"

done_tests
