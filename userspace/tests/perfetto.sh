#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# --format perfetto, read back by Chrome DevTools' trace engine (npm
# @paulirish/trace_engine, pinned in consumers/package-lock.json and
# installed beside the objects by consumers/install.sh): a synthetic VM
# whose vcpu1 a host task "hostburn" preempts for 30% of the time must come
# back as one process named after the VM, one thread per vCPU, steal slices
# named after the culprit covering that share, states and instants.
# Usage: perfetto.sh path/to/vmprofctl   (vmprof-synth must sit beside it)

VMPROFCTL=${1:?usage: perfetto.sh path/to/vmprofctl}
OUT=$(dirname "$VMPROFCTL")
SYNTH=$OUT/vmprof-synth
CONSUMERS=$OUT/consumers
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
. "$(dirname "$0")/lib.sh"

consumers_ready "trace engine"

engine() {	# TRACE OUTPUT: what the trace engine read, one fact a line
	node "$CONSUMERS/perfetto-read.mjs" "$1" >"$2" 2>"$TMP/node.err"
}

# slice_us OUTPUT THREAD NAME: microseconds of the slices so named
slice_us() {
	awk -v th="$2" -v name="$3" '$1 == "slice" && $2 == th {
		s = $0; sub(/^slice [^ ]+ [0-9]+ [0-9.]+ /, "", s)
		if (s == name) us += $4
	} END { printf "%d\n", us }' "$1"
}

# share_between OUTPUT THREAD NAME WALL_MS LO HI: the slices so named
# cover LO..HI percent of WALL_MS
share_between() {
	us=$(slice_us "$1" "$2" "$3")
	pct=$(awk -v us="$us" -v ms="$4" 'BEGIN { printf "%.2f", us / 10 / ms }')
	awk -v p="$pct" -v lo="$5" -v hi="$6" 'BEGIN { exit !(p >= lo && p <= hi) }'
}

wall_ms() {	# the report's duration of FILE with the options after it
	"$VMPROFCTL" report -i "$@" -j 2>/dev/null | jq -r '.header.duration_ms'
}

"$SYNTH" -o "$TMP/h.data" -n 20000 -v 4 -H 1:30 >/dev/null 2>&1
ok $? "vmprof-synth: 4 vCPUs, hostburn preempts vcpu1 for 30 of every 100 periods"
"$VMPROFCTL" report -i "$TMP/h.data" -f perfetto >"$TMP/h.json" 2>"$TMP/err"
[ $? -eq 0 ] && [ ! -s "$TMP/err" ]
ok $? "report --format perfetto exits 0, nothing on stderr $(head -c 200 "$TMP/err")"
jq -e '.displayTimeUnit == "ms" and (.traceEvents | length) > 0' "$TMP/h.json" >/dev/null
ok $? "the trace is JSON with displayTimeUnit and traceEvents (jq)"
engine "$TMP/h.json" "$TMP/h.txt"
ok $? "the trace engine loads it $(head -c 300 "$TMP/node.err")"
sed 's/^/#   /' "$TMP/h.txt" | grep -E '^#   (process|thread|slice vcpu1)'

grep -qx "process 4242 benchvm" "$TMP/h.txt"
ok $? "one process, the VMM's pid, named after the VM"
threads=$(grep -c '^thread ' "$TMP/h.txt")
named=$(grep -cE '^thread vcpu[0-3] tid=500[0-3] pid=4242 ' "$TMP/h.txt")
[ "$threads" -eq 4 ] && [ "$named" -eq 4 ]
ok $? "one thread per vCPU, named vcpuN, tid its host thread ($named of $threads)"
awk '$1 == "thread" { split($5, s, "="); split($6, r, "=")
	if (s[2] == 0 || s[2] != r[2]) bad = 1 } END { exit bad }' "$TMP/h.txt"
ok $? "every vCPU has slices and none overlaps another (all at the top of the engine's tree)"

wall=$(wall_ms "$TMP/h.data")
share_between "$TMP/h.txt" vcpu1 "steal: hostburn" "$wall" 29.5 30.5
ok $? "vcpu1: 'steal: hostburn' slices cover 30% of the ${wall} ms (got $pct%)"
! grep -qE '^slice vcpu[023] .* steal: hostburn$' "$TMP/h.txt"
ok $? "hostburn steals from vcpu1 only"
for v in 0 1 2 3; do
	all=$(awk -v th=vcpu$v '$1 == "slice" && $2 == th { us += $4 } END { printf "%d", us }' "$TMP/h.txt")
	awk -v us="$all" -v ms="$wall" 'BEGIN { exit !(us >= ms * 990 && us <= ms * 1000) }'
	ok $? "vcpu$v: the slices cover the recording, once ($all us of $wall ms)"
done
for state in "guest user" "guest kernel" "exit: IO_INSTRUCTION"; do
	[ "$(slice_us "$TMP/h.txt" vcpu0 "$state")" -gt 0 ]
	ok $? "vcpu0 has '$state' slices"
done

samples=$("$VMPROFCTL" report -i "$TMP/h.data" -j | jq '.header.samples')
instants=$(awk '$1 == "thread" { split($7, i, "="); n += i[2] } END { print n + 0 }' "$TMP/h.txt")
[ "$instants" -eq "$samples" ]
ok $? "every sample is an instant event ($instants of $samples)"
grep -qx 'args vcpu2 guest,host' "$TMP/h.txt" &&
	grep -qE '^instant vcpu2 [0-9]+ vmx_handle_exit$' "$TMP/h.txt"
ok $? "instants are named by their symbol, guest or host, in args"
slices0=$(awk '$1 == "thread" && $2 == "vcpu0" { split($5, s, "="); print s[2] }' "$TMP/h.txt")
[ "$slices0" -lt $((samples / 4 / 2)) ]
ok $? "adjacent samples of one state are one slice ($slices0 slices on vcpu0)"

# The steal check above can fail: not on a trace without the steal slices.
jq '.traceEvents |= map(select((.name // "") | startswith("steal: ") | not))' \
	"$TMP/h.json" >"$TMP/nosteal.json"
engine "$TMP/nosteal.json" "$TMP/nosteal.txt"
! share_between "$TMP/nosteal.txt" vcpu1 "steal: hostburn" "$wall" 29.5 30.5
ok $? "the steal check fails on the same trace without its steal slices (got $pct%)"

# --time-from/--time-to: 2 s of the 5, the same 30% of them.
"$VMPROFCTL" report -i "$TMP/h.data" -f perfetto --time-from 1 --time-to 3 >"$TMP/w.json"
engine "$TMP/w.json" "$TMP/w.txt"
share_between "$TMP/w.txt" vcpu1 "steal: hostburn" 2000 29 31
ok $? "--time-from 1 --time-to 3: hostburn has 30% of 2000 ms (got $pct%)"
jq -e '[.traceEvents[] | select(.ph != "M")] | all(.ts >= 1000000 and .ts + (.dur // 0) <= 3000000)' \
	"$TMP/w.json" >/dev/null
ok $? "--time-from 1 --time-to 3: every event lies between 1 s and 3 s"
"$VMPROFCTL" report -i "$TMP/h.data" -f perfetto --vcpu 1 >"$TMP/v.json"
engine "$TMP/v.json" "$TMP/v.txt"
[ "$(grep -c '^thread ' "$TMP/v.txt")" -eq 1 ] && grep -q '^thread vcpu1 ' "$TMP/v.txt"
ok $? "--vcpu 1: one thread, vcpu1"

"$SYNTH" -o "$TMP/s.data" -n 4000 -v 2 -s 1 >/dev/null 2>&1
"$VMPROFCTL" report -i "$TMP/s.data" -f perfetto >"$TMP/s.json"
engine "$TMP/s.json" "$TMP/s.txt"
[ "$(slice_us "$TMP/s.txt" vcpu0 halted)" -gt 0 ]
ok $? "a halting guest: 'halted' slices"

# Names from the guest are hostile: a terminal escape, BEL, a byte that is
# not UTF-8.  The JSON stays valid UTF-8 and the engine reads the name.
printf 'ffffffff81000000 T evil\033]0;pwned\007name\377\n' >"$TMP/gk.txt"
"$VMPROFCTL" report -i "$TMP/h.data" --guest-kallsyms "$TMP/gk.txt" --vcpu 0 \
	-f perfetto >"$TMP/evil.json" 2>/dev/null
iconv -f UTF-8 -t UTF-8 "$TMP/evil.json" >/dev/null 2>&1 &&
	! tr -d '\n' <"$TMP/evil.json" | grep -q "$(printf '[\001-\037\177]')" &&
	engine "$TMP/evil.json" "$TMP/evil.txt" &&
	grep -qE '^instant vcpu0 [0-9]+ evil' "$TMP/evil.txt"
ok $? "hostile guest symbol: valid UTF-8, no control characters, the engine reads it"

for bad in "--view steal" "--table steal" "--top 3"; do
	"$VMPROFCTL" report -i "$TMP/h.data" -f perfetto $bad >/dev/null 2>"$TMP/err"
	[ $? -eq 2 ] && grep -q "perfetto is the timeline" "$TMP/err"
	ok $? "--format perfetto $bad: usage error (exit 2)"
done
"$VMPROFCTL" report -i "$TMP/h.data" -f perfetto --view timeline >/dev/null
ok $? "--format perfetto --view timeline is accepted"
done_tests
