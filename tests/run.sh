#!/usr/bin/env bash
# Run the project's own script tests (tests/*.sh but this one); each prints
# TAP and "N passed, N failed".  Prints the sum the same way.
set -uo pipefail
dir=$(cd "$(dirname "$0")" && pwd)
pass=0
fail=0
for t in "$dir"/*.sh; do
	[ "$(basename "$t")" = run.sh ] && continue
	echo "# $(basename "$t")"
	out=$("$t" 2>&1)
	rc=$?
	echo "$out" | grep -v -E '^[0-9]+ passed, [0-9]+ failed$'
	line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -1)
	if [ -z "$line" ]; then
		echo "not ok - $(basename "$t") printed no summary (exit $rc)"
		fail=$((fail + 1))
		continue
	fi
	set -- $line
	pass=$((pass + $1))
	fail=$((fail + $3))
	[ $rc = 0 ] || [ "$3" != 0 ] || { echo "not ok - $(basename "$t") exit $rc"; fail=$((fail + 1)); }
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
