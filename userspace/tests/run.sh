#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run vmprofctl's native tests and sum their TAP summaries
# (scripts/suite.sh; a test that exits non-zero, e.g. on a valgrind
# error, with no failure in its summary counts as failed).
# Usage: run.sh OUTPUT_DIR "WRAPPER" TEST...   (WRAPPER may be empty, e.g.
# valgrind; *.sh tests get OUTPUT_DIR/vmprofctl as argument, no wrapper).
# Ends with "N passed, N failed"; exits non-zero if anything failed.
out=$1
wrap=$2
shift 2
. "$(dirname "$0")/../../scripts/suite.sh"
for t in "$@"; do
	case $t in
	*.sh) run_suite "$(basename "$t")" sh -c 'cd "$1" && sh "$2" "$1/vmprofctl"' sh "$out" "$t" ;;
	*) run_suite "$(basename "$t")" sh -c 'cd "$1" && shift && $0 "$@"' "${wrap:-env}" "$out" "$t" ;;
	esac
done
suite_total
