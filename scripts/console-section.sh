#!/usr/bin/env bash
# console-section.sh NAME CONSOLE: print what a test-bed scenario printed
# between "# E2E-REPORT-BEGIN NAME" and "# E2E-REPORT-END NAME" on the
# serial console (carriage returns and /init's "# " prefix removed).
# Exits 0 when the section was found, 1 when it was not.
#
# awk reads the file itself and reads it to the end: piping the console
# into a reader that stops at the END marker killed the writer with
# SIGPIPE, and under pipefail that failed the demo (exit 141) whenever
# the console held more than a pipe buffer after the marker.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 NAME CONSOLE" >&2; exit 2; }
awk -v v="$1" '
	{ sub(/\r$/, "") }
	$0 == "# E2E-REPORT-BEGIN " v { p = 1; found = 1; next }
	$0 == "# E2E-REPORT-END " v { p = 0; next }
	p { sub(/^# ?/, ""); print }
	END { exit !found }' "$2"
