#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# report --sort and top --sort (F13): the rows of each table in the order
# of the keys, asserted on the rows themselves (jq on the JSON, the CSV,
# the folded lines) in the unified, steal, exits and timeline views;
# perf's names of the keys; -KEY and +KEY; --top cutting after the order;
# a key the view lacks as a usage error (exit 2) that lists its keys.
# Usage: sort.sh path/to/vmprofctl   (vmprof-synth must sit beside it)

VMPROFCTL=${1:?usage: sort.sh path/to/vmprofctl}
SYNTH=$(dirname "$VMPROFCTL")/vmprof-synth
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
. "$(dirname "$0")/lib.sh"

if ! command -v jq >/dev/null; then
	ok 1 "jq is installed (scripts/install-deps.sh)"
	done_tests
fi

# halts (-s 2) make [halt] the longest row of most steal tables, though the
# view puts it last; a hog on vcpu1 makes its steal row the longest there
"$SYNTH" -o "$TMP/h.data" -n 20000 -v 4 -s 2 -H 1:30 -C hog >/dev/null 2>&1
ok $? "generate a synthetic data file with halts and a hog"
F=$TMP/h.data

# rows VIEW TABLE JQ [report args]: per table called TABLE, JQ applied to
# its rows array, one result a line
rows() {
	view=$1 table=$2 expr=$3
	shift 3
	"$VMPROFCTL" report -i "$F" --view "$view" -j "$@" 2>"$TMP/err" |
		jq -c --arg t "$table" ".tables[] | select(.name == \$t) | .rows | $expr"
}

# sorted VIEW TABLE JQ-KEY [report args]: every such table's rows are in
# the order of JQ-KEY (a jq array per row, compared as jq sorts), and
# there are tables with more than one row
sorted() {
	view=$1 table=$2 key=$3
	shift 3
	rows "$view" "$table" "[.[] | $key] | (. == sort) and length > 1" "$@" \
		>"$TMP/sorted"
	[ -s "$TMP/sorted" ] && ! grep -qv '^true$' "$TMP/sorted"
}

# the view's own order is not the one asked for: each check below can fail
sorted unified functions '[.function]'
ok $((1 - $?)) "unified: the view's order is by samples, not by function name"
sorted steal steal '[-.time_ms]'
ok $((1 - $?)) "steal: the view's order puts [halt] last, not by time"

sorted unified functions '[.function]' --sort function
ok $? "unified --sort function: each vCPU's rows by function name, smallest first"
sorted unified functions '[.function]' --sort sym
ok $? "unified --sort sym (perf's name): the same order"
sorted unified functions '[.function] | map(explode | map(-.))' --sort -sym
ok $? "unified --sort -sym: function names biggest first"
sorted unified functions '[.samples]' --sort +samples
ok $? "unified --sort +samples: the lightest rows first"
sorted unified functions '[.module, -.samples]' --sort dso,samples
ok $? "unified --sort dso,samples: by module, then the heaviest first within one"
rows unified functions '.' --sort overhead >"$TMP/a"
rows unified functions '.' --sort ratio >"$TMP/b"
cmp -s "$TMP/a" "$TMP/b" && [ -s "$TMP/a" ]
ok $? "unified --sort overhead is --sort ratio"

sorted steal steal '[-.time_ms]' --sort time
ok $? "steal --sort time: each vCPU's steal and halt rows, the longest first"
sorted steal steal '[.intervals]' --sort +intervals
ok $? "steal --sort +intervals: the fewest intervals first"
sorted steal steal '[.class, .culprit]' --sort class,culprit
ok $? "steal --sort class,culprit: by class, then culprit"

# the breakdown's own order is by time, the longest first
sorted breakdown breakdown '[.state, .detail]'
ok $((1 - $?)) "breakdown: the view's order is by time, not by state"
sorted breakdown breakdown '[.state, .detail]' --sort state,detail
ok $? "breakdown --sort state,detail: each vCPU's and the VM's rows by state, then detail"
sorted breakdown breakdown '[.samples]' --sort +samples
ok $? "breakdown --sort +samples: the measured rows (0 samples) first"

sorted exits exit_reasons '[.code | ltrimstr("0x") | explode |
	reduce .[] as $c (0; . * 16 + ($c | if . >= 97 then . - 87 else . - 48 end))]' \
	--sort code
ok $? "exits --sort code: exit codes as numbers, smallest first"
sorted exits exit_reasons '[-.guest_samples]' --sort guest_samples
ok $? "exits --sort guest_samples: the most guest samples first"
sorted exits exit_handlers '[.reason, -.samples]' --sort event,sample
ok $? "exits --sort event,sample (perf kvm stat's names): handlers by reason, then samples"
sorted timeline legend '[-.cpu, -.samples]' --sort -cpu,samples
ok $? "timeline --sort -cpu,samples: the legend by pCPU, biggest first, then samples"
sorted timeline timeline '[.cpu]' --sort cpu
ok $? "timeline --sort cpu: a pCPU is an id, smallest first"

# --top cuts the rows --sort put first: the lightest with +samples
rows unified functions '[.[].samples]' --sort +samples >"$TMP/all"
rows unified functions '[.[].samples]' --sort +samples --top 3 >"$TMP/top"
jq -c '.[:3]' "$TMP/all" | cmp -s - "$TMP/top" && [ -s "$TMP/top" ]
ok $? "--sort +samples --top 3: the 3 lightest rows of each table ($(head -1 "$TMP/top"))"
rows unified functions '[.[].samples]' --top 3 --sort +samples | cmp -s - "$TMP/top"
ok $? "--top 3 --sort +samples: the same, in either order"
rows unified functions '[.[].samples]' --top 3 >"$TMP/heavy"
! cmp -s "$TMP/heavy" "$TMP/top"
ok $? "--top 3 alone keeps the heaviest, not those"
# a flame graph still sums to every sample when --top cuts sorted rows
sum() { awk '{ n += $NF } END { print n + 0 }'; }
all=$("$VMPROFCTL" report -i "$F" -f folded | sum)
cut=$("$VMPROFCTL" report -i "$F" -f folded --sort +samples --top 3 | sum)
[ "$all" -eq "$cut" ] && [ "$all" -gt 0 ]
ok $? "folded --sort +samples --top 3 sums to every sample ($cut of $all)"

# CSV and text in the JSON's order; the global -j is report's -j
"$VMPROFCTL" report -i "$F" -f csv --sort sym --vcpu 2 2>/dev/null |
	awk -F, 'NR > 1 { print $4 }' >"$TMP/csv"
rows unified functions '.[].function' --sort sym --vcpu 2 | tr -d '"' >"$TMP/json"
cmp -s "$TMP/csv" "$TMP/json" && [ -s "$TMP/csv" ]
ok $? "csv --sort sym: the JSON's rows in the JSON's order"
# (text: the samples column, as a function name may hold spaces)
"$VMPROFCTL" report -i "$F" --sort sym --vcpu 2 |
	sed -n 's/^ *\([0-9][0-9]*\) | .*/\1/p' >"$TMP/text"
rows unified functions '.[].samples' --sort sym --vcpu 2 | cmp -s - "$TMP/text" &&
	[ -s "$TMP/text" ]
ok $? "text --sort sym: the JSON's rows in the JSON's order"
"$VMPROFCTL" -j report -i "$F" --sort -intervals --view steal >"$TMP/g" &&
	"$VMPROFCTL" report -i "$F" --sort -intervals --view steal -j |
	cmp -s - "$TMP/g"
ok $? "vmprofctl -j report --sort: report -j --sort"
"$VMPROFCTL" report -i "$F" -f pprof --sort sym >"$TMP/p.pb.gz" &&
	[ -s "$TMP/p.pb.gz" ]
ok $? "-f pprof --sort: accepted (pprof has no row order)"

# usage errors: exit 2, the key named, the view's keys listed
# expect2 PATTERN DESCRIPTION -- command...
expect2() {
	pattern=$1 desc=$2
	shift 3
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ $rc -eq 2 ] && [ ! -s "$TMP/out" ] && grep -q -- "$pattern" "$TMP/err"
	ok $? "$desc (exit $rc: $(head -c 300 "$TMP/err"))"
}
expect2 "--sort: no key 'comm' in the unified view; its keys: samples (sample), ratio (overhead), function (sym), module (dso);" \
	"--sort comm: unified has no comm" -- "$VMPROFCTL" report -i "$F" --sort comm
expect2 "no key 'time' in the unified view" "--sort sym,time: the second key checked too" -- \
	"$VMPROFCTL" report -i "$F" --sort sym,time
expect2 "no key 'samples' in the exits view's table exit_reasons; its keys: isa, reason (event), code," \
	"--table exit_reasons --sort samples: that table's keys only" -- \
	"$VMPROFCTL" report -i "$F" --view exits --table exit_reasons --sort samples
expect2 "no key 'function' in the steal view" "--sort function, then --view steal: the view given after" -- \
	"$VMPROFCTL" report -i "$F" --sort function --view steal
expect2 "bad value 'sym,,dso' for --sort" "--sort sym,,dso: an empty key" -- \
	"$VMPROFCTL" report --sort sym,,dso
expect2 "bad value '' for -s" "-s '': no key" -- "$VMPROFCTL" report -s ""
expect2 "--format html is the whole page" "-f html --sort: the page has no row order" -- \
	"$VMPROFCTL" report -i "$F" -f html --sort sym
"$VMPROFCTL" report -i "$F" --view exits --sort host_samples >/dev/null 2>"$TMP/err"
[ $? -eq 0 ] && [ ! -s "$TMP/err" ]
ok $? "exits --sort host_samples: a key of one of the view's tables is enough"

# top: --sort is the first sort key of the s key's list (top_views.c)
"$VMPROFCTL" top -i "$F" -b -n 1 -s vcpu -v culprits >"$TMP/top.txt" 2>&1
grep -q '^culprits view, sorted by vcpu' "$TMP/top.txt"
ok $? "top -s vcpu -v culprits: the first frame sorted by vcpu"
awk '/ VCPU /{ on = 1; next } on && NF { print $4 }' "$TMP/top.txt" >"$TMP/vcpus"
sort -c "$TMP/vcpus" && [ "$(wc -l <"$TMP/vcpus")" -gt 1 ]
ok $? "top --sort vcpu: the culprit rows by vCPU ($(tr '\n' ' ' <"$TMP/vcpus"))"
expect2 "--sort: no key 'time' in the vcpus view; its keys: vcpu, user, kernel, exit, vmm, halt, steal;" \
	"top --sort time: vcpus has no time" -- "$VMPROFCTL" top -i "$F" -b --sort time
done_tests
