#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# --view timeline, compared byte for byte (stdout, stderr, exit status)
# with the output of the timeline that read its file twice
# (tests/golden/timeline/, written by vmprofctl at c4be7a8) on vmprof-synth
# files: one with halts and a hog, one whose last record is a sched-in at
# its stop, a --host-samples one, one cut short (no END chunk; written
# with raw RECORDS chunks, so that the cut falls where it did), and a
# pipe; with --time-from/--time-to, --vcpu, --width, JSON and CSV.  Then
# how much of a file the report reads (strace): once where the META and
# END chunks give the window, twice where there is no END.
# Usage: timeline.sh path/to/vmprofctl   (vmprof-synth must sit beside it)
# After a change to the timeline that is meant, GOLDEN_UPDATE=1 rewrites
# the golden files from this vmprofctl; review the diff before committing.

VMPROFCTL=${1:?usage: timeline.sh path/to/vmprofctl}
SYNTH=$(dirname "$VMPROFCTL")/vmprof-synth
GOLDEN=$(cd "$(dirname "$0")" && pwd)/golden/timeline
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
. "$(dirname "$0")/lib.sh"
cd "$TMP" || exit 1

"$SYNTH" -o ends.data -n 19000 -v 4 -s 1 -H 1:30 >/dev/null 2>&1 &&
	"$SYNTH" -o tail.data -n 20000 -v 4 >/dev/null 2>&1 &&
	"$SYNTH" -o hosts.data -n 19000 -v 4 -H 1:30 -h >/dev/null 2>&1 &&
	VMPROFCTL_RAW_RECORDS=1 "$SYNTH" -o raw.data -n 19000 -v 4 -s 1 -H 1:30 >/dev/null 2>&1 &&
	head -c 2500000 raw.data >cut.data
ok $? "vmprof-synth: four files, one cut short"

# golden NAME COMMAND...: the command's stdout, stderr and exit status
# against NAME's golden file
golden() {
	name=$1
	shift
	"$@" >"$name.out" 2>&1
	echo "exit $?" >>"$name.out"
	if [ "${GOLDEN_UPDATE:-0}" = 1 ]; then
		cp "$name.out" "$GOLDEN/$name.txt"
	fi
	cmp -s "$name.out" "$GOLDEN/$name.txt"
	rc=$?
	[ $rc -eq 0 ] || diff "$GOLDEN/$name.txt" "$name.out" | head -n 20 | sed 's/^/# /'
	ok $rc "$name: $(echo "$*" | sed "s|$V|vmprofctl|g")"
}

V=$VMPROFCTL
golden ends $V report -i ends.data --view timeline
golden ends-window $V report -i ends.data --view timeline --width 37 --time-from 1.2 --time-to 3.3
golden ends-from $V report -i ends.data --view timeline --time-from 4
golden ends-json $V report -i ends.data --view timeline -f json
golden ends-csv $V report -i ends.data --view timeline -f csv --table legend
golden ends-vcpu $V report -i ends.data --view timeline --vcpu 1 --width 50
golden tail $V report -i tail.data --view timeline
golden tail-to $V report -i tail.data --view timeline --time-to 2.5 --width 30
golden hosts $V report -i hosts.data --view timeline
golden cut $V report -i cut.data --view timeline
golden pipe sh -c "cat tail.data | $V report -i - --view timeline --width 60"

# reads FILE ARGS...: what the timeline report of FILE read of it, in
# hundredths of its size (strace -y names the file of each read)
reads() {
	f=$1
	shift
	strace -f -y -e trace=read,pread64 -e signal=none -o trace.log \
		"$V" report -i "$f" --view timeline "$@" >/dev/null 2>&1
	awk -v f="/$f>" -v size="$(wc -c <"$f")" '
		index($0, f) { sub(/.*= /, ""); n += $0 }
		END { printf "%d\n", n * 100 / size }' trace.log
}

if [ "${GOLDEN_UPDATE:-0}" = 1 ]; then
	:
elif ! command -v strace >/dev/null; then
	echo "# SKIP what a report reads: no strace (scripts/install-deps.sh installs it)"
else
	r=$(reads ends.data)
	[ "$r" -ge 100 ] && [ "$r" -lt 105 ]
	ok $? "ends.data: read once, its window from META and END ($r% of it)"
	r=$(reads ends.data --time-from 1 --time-to 2)
	[ "$r" -ge 100 ] && [ "$r" -lt 105 ]
	ok $? "ends.data, --time-from 1 --time-to 2: read once ($r%)"
	r=$(reads tail.data)
	[ "$r" -ge 100 ] && [ "$r" -lt 105 ]
	ok $? "tail.data: read once ($r%)"
	r=$(reads cut.data)
	[ "$r" -ge 200 ] && [ "$r" -lt 205 ]
	ok $? "cut.data: read twice, no END to give the window's end ($r%)"
fi
done_tests
