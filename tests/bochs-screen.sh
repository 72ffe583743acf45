#!/usr/bin/env bash
# scripts/bochs-screen.sh (scripts/vmx-test.sh's wait for the pseudo-
# terminal bochs draws on) waits for bochs to name it: on a loaded machine
# bochs names it after the first look, which once ended the VMX run at
# once (grep finding nothing, under set -e and pipefail).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/suite.sh"
screen=$top/scripts/bochs-screen.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

line='Bochs connected to screen "/dev/pts/7"'

printf 'bochs starting\n%s\n' "$line" >"$tmp/now.out"
out=$("$screen" "$tmp/now.out" 3)
tap_check $? "bochs named its screen already: exit 0"
[ "$out" = /dev/pts/7 ]
tap_check $? "... printing the terminal (/dev/pts/7, got '$out')"

printf 'bochs starting\n' >"$tmp/late.out"
(sleep 2; echo "$line" >>"$tmp/late.out") &
out=$("$screen" "$tmp/late.out" 10)
tap_check $? "bochs names its screen 2 s after the first look: exit 0"
[ "$out" = /dev/pts/7 ]
tap_check $? "... printing the terminal (got '$out')"
wait

: >"$tmp/never.out"
"$screen" "$tmp/never.out" 2 >/dev/null
tap_check "$([ $? = 1 ] && echo 0)" "bochs never names it: exit 1 after the wait"
"$screen" "$tmp/absent.out" 2 >/dev/null
tap_check "$([ $? = 1 ] && echo 0)" "no bochs output file yet: exit 1 after the wait"
tap_done
