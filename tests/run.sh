#!/usr/bin/env bash
# Run the project's own script tests (tests/*.sh but this one); each prints
# TAP and "N passed, N failed".  Prints the sum the same way.
set -uo pipefail
dir=$(cd "$(dirname "$0")" && pwd)
. "$dir/../scripts/suite.sh"
for t in "$dir"/*.sh; do
	[ "$(basename "$t")" = run.sh ] && continue
	run_suite "$(basename "$t")" "$t"
done
suite_total
