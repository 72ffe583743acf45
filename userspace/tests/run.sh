#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run vmprofctl's native tests and sum their TAP summaries.
# Usage: run.sh OUTPUT_DIR "WRAPPER" TEST...   (WRAPPER may be empty, e.g.
# valgrind; *.sh tests get OUTPUT_DIR/vmprofctl as argument, no wrapper).
# Ends with "N passed, N failed"; exits non-zero if anything failed.
out=$1
wrap=$2
shift 2
pass=0
fail=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in "$@"; do
	echo "# $(basename "$t")"
	case $t in
	*.sh) (cd "$out" && sh "$t" "$out/vmprofctl") >"$log" 2>&1 ;;
	*) (cd "$out" && $wrap "$t") >"$log" 2>&1 ;;
	esac
	rc=$?
	grep -v -E '^[0-9]+ passed, [0-9]+ failed$' "$log"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
	if [ -z "$line" ]; then
		echo "not ok - $(basename "$t") printed no summary (exit $rc)"
		fail=$((fail + 1))
		continue
	fi
	set -- $line
	pass=$((pass + $1))
	fail=$((fail + $3))
	if [ "$rc" -ne 0 ] && [ "$3" -eq 0 ]; then
		echo "not ok - $(basename "$t") exited $rc (valgrind error?)"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
