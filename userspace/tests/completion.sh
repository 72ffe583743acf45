#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The bash completion (vmprofctl.bash), sourced into bash and run as bash
# runs it on TAB: commands, options per command, the values of --view,
# --format, --table, --sort (a list) and --event, --opt=value, file names
# for -i; and
# every option each command's --help lists is completed, and none that it
# does not list.
# Usage: completion.sh path/to/vmprofctl

VMPROFCTL=${1:?usage: completion.sh path/to/vmprofctl}
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
. "$(dirname "$0")/lib.sh"

if ! command -v bash >/dev/null; then
	echo "1..0 # SKIP no bash"
	echo "0 passed, 0 failed"
	exit 0
fi

# comp WORD...: what TAB offers after the words (the last is the one being
# completed), sorted, on one line
comp() {
	bash -c '. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _vmprofctl
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' \
		sh "$HERE/../vmprofctl.bash" "$VMPROFCTL" "$@" | sed 's/ $//'
}

# check DESCRIPTION WANT WORD...
check() {
	what=$1 want=$2
	shift 2
	got=$(comp "$@")
	[ "$got" = "$want" ]
	ok $? "$what: '$got'"
	[ "$got" = "$want" ] || echo "#   want '$want'"
}

bash -c '. "$1"; complete -p vmprofctl' sh "$HERE/../vmprofctl.bash" \
	>"$TMP/complete" 2>&1
grep -q "_vmprofctl vmprofctl" "$TMP/complete"
ok $? "sourcing it registers _vmprofctl for vmprofctl"
check "commands" "list record report start status stop top" ""
check "commands starting re" "record report" re
check "global options" "--help --json --version" --
check "report --vi" "--view" report --vi
check "report --view" "breakdown exits host steal timeline unified vms" report --view ""
check "report -v t" "timeline" report -v t
check "report --format p" "perfetto pprof" report --format p
check "report --view=ti, as bash splits it" "timeline" report --view = ti
check "report --view=, as bash splits it" "breakdown exits host steal timeline unified vms" report --view =
check "report --table e" "exit_handlers exit_reasons" report --table e
check "report --table b" "breakdown" report --table b
check "report --table s, the vms view's too" "steal steal_matrix" report --table s
check "report --view v" "vms" report --view v
check "report --sort vi, the steal matrix's key" "victim" report --sort vi
check "record --vm al" "all" record --vm al
check "start --vm=al, as bash splits it" "all" start --vm = al
check "stop --vm al" "all" stop --vm al
check "status --vm al" "all" status --vm al
check "report --sort s" "sample samples samples_eq source state sym" report --sort s
check "report --sort sym,-ho, a list's last key and its sign" \
	"sym,-host_pct sym,-host_samples sym,-host_time_ms" report --sort sym,-ho
check "report -s=+ov, as bash splits it" "+overhead" report -s = +ov
check "top --sort s" "samples steal" top --sort s
check "top -v c" "culprits" top -v c
check "record -e c" "cpu-clock cycles" record -e c
check "start --event r" "raw: ref-cycles" start --event r
check "stop --" "--help --vm" stop --
check "status -" "--help --json --vm -h -j" status -
mkdir "$TMP/d" && : >"$TMP/d/abc.data" && : >"$TMP/d/abd.data"
check "report -i, file names" "$TMP/d/abc.data $TMP/d/abd.data" report -i "$TMP/d/ab"
check "report --view timeline -j --t, options again" "--table --time-from --time-to --top" \
	report --view timeline -j --t
check "an unknown command: nothing" "" bogus --

# Every option a command's --help lists on an option line is completed,
# and every option completed (but -h, --help) is named in that --help
# (start's: record's, as it says).
for cmd in $("$VMPROFCTL" --complete | grep -v '^-'); do
	"$VMPROFCTL" "$cmd" --help >"$TMP/help"
	of=$(sed -n "s/.*Options are those of 'vmprofctl \([a-z]*\) --help'.*/\1/p" "$TMP/help")
	[ -z "$of" ] || "$VMPROFCTL" "$of" --help >"$TMP/help"
	sed -nE 's/^ +(-[a-zA-Z], )?(--[a-z-]+).*/\1\2/p' "$TMP/help" |
		tr -d ',' | tr ' ' '\n' | grep . | sort -u >"$TMP/listed"
	comp "$cmd" - | tr ' ' '\n' | grep . | sort -u >"$TMP/offered"
	missing=$(comm -23 "$TMP/listed" "$TMP/offered" | tr '\n' ' ')
	unnamed=
	for o in $(grep -vxE -- '-h|--help' "$TMP/offered"); do
		grep -qE -- "(^|[^a-zA-Z-])$o([^a-zA-Z-]|\$)" "$TMP/help" ||
			unnamed="$unnamed$o "
	done
	[ -z "$missing$unnamed" ] && [ -s "$TMP/offered" ]
	ok $? "$cmd: its $(wc -l <"$TMP/offered") options as its --help names them${missing:+ (not completed: $missing)}${unnamed:+ (not in --help: $unnamed)}"
done
[ "$("$VMPROFCTL" --complete | grep -v '^-' | tr '\n' ' ')" = \
  "$("$VMPROFCTL" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z]*\) .*/\1/p' | tr '\n' ' ')" ]
ok $? "the commands are those of vmprofctl --help"
done_tests
