#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Progress on a terminal, silence elsewhere: report shows how much of a
# big file (32 MiB and more) it has read when stderr is a terminal, on one
# line that it erases before the report, and writes nothing of it to a
# file or pipe.  script(1) (bsdutils) gives the terminal.  record's line
# is tested without a VM in test_collector; both ask progress_wanted().
# Usage: progress.sh path/to/vmprofctl   (vmprof-synth must sit beside it)

VMPROFCTL=${1:?usage: progress.sh path/to/vmprofctl}
SYNTH=$(dirname "$VMPROFCTL")/vmprof-synth
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
. "$(dirname "$0")/lib.sh"

# on_tty OUTPUT COMMAND...: run COMMAND with stdout and stderr on a
# pseudo-terminal; what the terminal showed goes to OUTPUT
on_tty() {
	out=$1
	shift
	script -qec "$*" /dev/null </dev/null >"$out" 2>&1
}

ESC=$(printf '\033')
CR=$(printf '\r')

# raw RECORDS chunks: packed, 400000 samples are 6 MiB
VMPROFCTL_RAW_RECORDS=1 "$SYNTH" -o "$TMP/big.data" -n 400000 -v 4 >/dev/null 2>&1
size=$(wc -c <"$TMP/big.data")
[ "$size" -ge $((32 << 20)) ]
ok $? "a data file of 32 MiB or more ($size bytes)"
"$SYNTH" -o "$TMP/small.data" -n 20000 -v 4 >/dev/null 2>&1

"$VMPROFCTL" report -i "$TMP/big.data" --top 1 >"$TMP/out" 2>"$TMP/err"
[ $? -eq 0 ] && [ ! -s "$TMP/err" ]
ok $? "report, stderr not a terminal: nothing on it ($(wc -c <"$TMP/err") bytes)"
"$VMPROFCTL" report -i "$TMP/big.data" --top 1 2>&1 | grep -q "reading"
ok $((1 - $?)) "report, stderr a pipe: no progress in it"

command -v script >/dev/null
ok $? "script(1) is installed (bsdutils, scripts/install-deps.sh)"
on_tty "$TMP/tty" "$VMPROFCTL" report -i "$TMP/big.data" --top 1
ok $? "report on a terminal exits 0"
grep -q "${CR}${ESC}\[Kreading .*big.data: [0-9]*%" "$TMP/tty"
ok $? "report on a terminal, big file: 'reading FILE: N%', rewritten in place"
# The line is erased ("\r", erase to the end of line) right before the
# report's first line: nothing of it stays in front of the report.
grep -q "${CR}${ESC}\[K# vmprofctl report: view unified" "$TMP/tty"
ok $? "report on a terminal: the progress line is erased before the report"
tr '\r' '\n' <"$TMP/tty" | grep -q '^Samples | %Ratio'
ok $? "report on a terminal: the report follows"

on_tty "$TMP/tty-small" "$VMPROFCTL" report -i "$TMP/small.data" --top 1
! grep -q "reading" "$TMP/tty-small" && grep -q "# vmprofctl report" "$TMP/tty-small"
ok $? "report on a terminal, small file: no progress line"

done_tests
