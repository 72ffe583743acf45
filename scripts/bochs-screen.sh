#!/usr/bin/env bash
# bochs-screen.sh BOCHS_OUT [SECONDS]: the pseudo-terminal that bochs's
# term display draws on, as bochs names it in its output ("Bochs connected
# to screen "/dev/pts/N""), waiting up to SECONDS (default 30) for bochs
# to print it.  Exits 1 if it never does.  bochs prints it a while after
# it starts, later on a loaded machine: a first look that finds nothing
# is no error.
set -euo pipefail
out=$1
tries=${2:-30}
for _ in $(seq "$tries"); do
	screen=$(grep -a -o -m1 'connected to screen "/dev/pts/[0-9]*"' \
		"$out" 2>/dev/null | cut -d'"' -f2 || true)
	if [ -n "$screen" ]; then
		echo "$screen"
		exit 0
	fi
	sleep 1
done
exit 1
