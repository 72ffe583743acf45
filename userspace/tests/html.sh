#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# --format html, loaded in headless Chromium (Debian's chromium): a
# synthetic VM whose vcpu1 a host task "hostburn" preempts from 40% to 60%
# of a 10 s recording must come back, in what the page drew (the DOM after
# its script ran), as a steal slice named after the culprit at 4-6 s on
# vcpu1's timeline row and nowhere else, a breakdown whose shares add up to
# the wall time, and a flame graph of the guest and host frames; a link
# with #t= and #f= opens it zoomed.  The page must load nothing (no URL in
# it, a policy that forbids loads) and a hostile culprit name must stay
# text.  The screenshot is left beside the objects (html-report.png) to
# look at.
# Usage: html.sh path/to/vmprofctl   (vmprof-synth must sit beside it)

VMPROFCTL=${1:?usage: html.sh path/to/vmprofctl}
OUT=$(dirname "$VMPROFCTL")
SYNTH=$OUT/vmprof-synth
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
. "$(dirname "$0")/lib.sh"

chromium_ready

"$SYNTH" -o "$TMP/w.data" -n 20000 -v 2 -W 1:40:60 >/dev/null 2>&1
ok $? "vmprof-synth: 2 vCPUs, 10 s; hostburn preempts vcpu1 from 4 s to 6 s"
"$VMPROFCTL" report -i "$TMP/w.data" --format html >"$TMP/w.html" 2>"$TMP/err"
[ $? -eq 0 ] && [ ! -s "$TMP/err" ]
ok $? "report --format html exits 0, nothing on stderr $(head -c 200 "$TMP/err")"

! grep -qiE 'https?://|(src|href)=' "$TMP/w.html"
ok $? "self-contained: no URL, no src= or href= in the page"
grep -q "content=\"default-src 'none';" "$TMP/w.html"
ok $? "its policy forbids the browser any load (default-src 'none')"

chrome "$TMP/w.html" --dump-dom >"$TMP/w.dom"
grep -q '<body data-ready="1">' "$TMP/w.dom"
ok $? "Chromium runs the page's script to the end (body data-ready=1) $(sed -n 's/.*<p id="error">\([^<][^<]*\)<.*/\1/p' "$TMP/w.dom")"

# The timeline's rectangles are per pixel column: 10 s over 1036 px, so a
# column is under 10 ms, the tolerance on where the hog starts and ends.
grep -o '<rect [^>]*data-culprit="hostburn"[^>]*>' "$TMP/w.dom" >"$TMP/hog"
attr "$TMP/hog" data-vcpu | sort -u >"$TMP/hog.vcpus"
[ -s "$TMP/hog" ] && [ "$(cat "$TMP/hog.vcpus")" = 1 ]
ok $? "the timeline draws 'steal: hostburn' on vcpu1's row only ($(wc -l <"$TMP/hog") rects, vCPUs: $(tr '\n' ' ' <"$TMP/hog.vcpus"))"
from=$(attr "$TMP/hog" data-t0-ms | sort -n | head -1)
to=$(attr "$TMP/hog" data-t1-ms | sort -n | tail -1)
awk -v a="$from" -v b="$to" 'BEGIN { exit !(a >= 3990 && a <= 4000 && b >= 6000 && b <= 6010) }'
ok $? "where the hog ran: from $from ms to $to ms (4000 and 6000, +-10)"
drawn=$(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^width=/) { gsub(/[^0-9.]/, "", $i); w += $i } }
	END { print w }' "$TMP/hog")
awk -v w="$drawn" 'BEGIN { exit !(w >= 205 && w <= 210) }'
ok $? "and as wide as 20% of the 1036 px plot ($drawn px)"

grep -o '<table class="shares" data-vcpu="[0-9]*">' "$TMP/w.dom" | attr /dev/stdin data-vcpu | tr '\n' ' ' >"$TMP/tables"
[ "$(cat "$TMP/tables")" = "0 1 " ]
ok $? "a breakdown table per vCPU ($(cat "$TMP/tables"))"
pct=$(vcpu_shares "$TMP/w.dom" 1 | awk -F'\t' '$1 == "steal: hostburn" { print $2 }')
[ "$pct" = "20.00" ]
ok $? "vcpu1's breakdown: steal: hostburn 20.00% of wall (got ${pct:-none})"
for v in 0 1; do
	vcpu_shares "$TMP/w.dom" $v | awk -F'\t' '{ s += $2 } END { printf "%.2f\n", s }'
done >"$TMP/sums"
awk '{ if ($1 < 99.9 || $1 > 100.1) bad = 1 } END { exit bad || NR != 2 }' "$TMP/sums"
ok $? "each vCPU's shares add up to the wall time: $(tr '\n' ' ' <"$TMP/sums")"

for f in vmx_handle_exit handle_io '\[guest.kernel\]' '\[guest.user\]' '\[steal\]' vcpu0 vcpu1; do
	grep -q "<g class=\"frame\" data-name=\"$f\"" "$TMP/w.dom"
	ok $? "the flame graph has a frame $f"
done
root=$(grep -o '<g class="frame" data-name="all" data-samples="[0-9]*"' "$TMP/w.dom" | attr /dev/stdin data-samples)
folded=$("$VMPROFCTL" report -i "$TMP/w.data" --format folded | awk '{ s += $NF } END { print s }')
[ -n "$root" ] && [ "$root" = "$folded" ]
ok $? "its root counts every folded sample (${root:-none} of $folded)"

chrome "$TMP/w.html#t=3900-6100&f=benchvm;vcpu1" --dump-dom >"$TMP/z.dom"
grep -q '<svg [^>]*data-from-ms="3900.0" data-to-ms="6100.0"' "$TMP/z.dom"
ok $? "#t=3900-6100 opens the timeline zoomed on 3.9-6.1 s"
zfrom=$(grep -o '<rect [^>]*data-culprit="hostburn"[^>]*>' "$TMP/z.dom" | attr /dev/stdin data-t0-ms | sort -n | head -1)
awk -v a="$zfrom" 'BEGIN { exit !(a >= 3997 && a <= 4000) }'
ok $? "zoomed, the hog starts within a column of 4000 ms ($zfrom ms)"
grep -q '<svg [^>]*data-focus="benchvm;vcpu1"' "$TMP/z.dom" &&
	! grep -q '<g class="frame" data-name="vcpu0"' "$TMP/z.dom"
ok $? "#f=benchvm;vcpu1 opens the flame graph on vcpu1 (vcpu0 not drawn)"

chrome "$TMP/w.html" --window-size=1240,1100 --screenshot="$TMP/w.png" >/dev/null
[ "$(head -c 8 "$TMP/w.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] &&
	[ "$(wc -c <"$TMP/w.png")" -gt 20000 ]
ok $? "a screenshot: a PNG of $(wc -c <"$TMP/w.png" 2>/dev/null) bytes"
cp "$TMP/w.png" "$OUT/html-report.png" 2>/dev/null && echo "# screenshot: $OUT/html-report.png"

# A 1.1 recording names the hog by class: the breakdown's key and the
# timeline's culprit are "task hostburn (cgroup PATH)" (the patterns
# scripts/check-e2e-html.sh looks for in scenario 2's page).
"$SYNTH" -o "$TMP/c.data" -n 20000 -v 2 -W 1:40:60 -G /system.slice/hog.service >/dev/null 2>&1 &&
	"$VMPROFCTL" report -i "$TMP/c.data" --format html >"$TMP/c.html" 2>/dev/null &&
	chrome "$TMP/c.html" --dump-dom >"$TMP/c.dom"
pct=$(vcpu_shares "$TMP/c.dom" 1 | awk -F'\t' 'index($1, "steal: task hostburn (cgroup ") == 1 { print $2 }')
[ "$pct" = "20.00" ]
ok $? "by class: vcpu1's breakdown has steal: task hostburn (cgroup /system.slice/hog.service) 20.00% (got ${pct:-none})"
nrect=$(grep -o '<rect [^>]*data-vcpu="1"[^>]*data-culprit="task hostburn (cgroup [^"]*"[^>]*>' "$TMP/c.dom" | wc -l)
[ "$nrect" -gt 0 ]
ok $? "by class: the timeline's slices of the hog carry its class ($nrect)"

# A host task may name itself anything: "</script><b>x" must not end the
# data block or become an element.
"$SYNTH" -o "$TMP/e.data" -n 2000 -v 2 -W 1:40:60 -C '</script><b>x' >/dev/null 2>&1
"$VMPROFCTL" report -i "$TMP/e.data" --format html >"$TMP/e.html" 2>/dev/null
[ "$(grep -o '</script>' "$TMP/e.html" | wc -l)" -eq 2 ]
ok $? "a culprit named '</script><b>x' does not close a script element (2 </script> in the page, the page's own)"
chrome "$TMP/e.html" --dump-dom >"$TMP/e.dom"
grep -q '<body data-ready="1">' "$TMP/e.dom" && ! grep -q '<b>x' "$TMP/e.dom" &&
	grep -q 'steal: &lt;/script&gt;&lt;b&gt;x' "$TMP/e.dom"
ok $? "the page draws it as text, not markup"

done_tests
