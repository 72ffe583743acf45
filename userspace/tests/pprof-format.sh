#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# --format pprof, decoded by the npm package pprof-format (issue 16, F8:
# the second consumer beside go tool pprof in cli.sh), pinned in
# consumers/package-lock.json and installed beside the objects by
# consumers/install.sh.  A synthetic VM whose vCPUs halt and whose vcpu1 a
# host task "hostburn" preempts for 30% of the time must come back with
# the sample types, the vm and vcpu labels on every sample, each vCPU's
# samples as in the JSON report, and its [steal] and [halt] frames with
# the report's values; guest user code the agent named carries its
# process (guest_process, guest_pid).
# Usage: pprof-format.sh path/to/vmprofctl   (vmprof-synth must sit beside it)

VMPROFCTL=${1:?usage: pprof-format.sh path/to/vmprofctl}
OUT=$(dirname "$VMPROFCTL")
SYNTH=$OUT/vmprof-synth
CONSUMERS=$OUT/consumers
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
. "$(dirname "$0")/lib.sh"

consumers_ready "pprof-format"

decode() {	# PROFILE OUTPUT: what pprof-format read, one fact a line
	node "$CONSUMERS/pprof-read.mjs" "$1" >"$2" 2>"$TMP/node.err"
}

"$SYNTH" -o "$TMP/h.data" -n 20000 -v 4 -H 1:30 -s 1 >/dev/null 2>&1
ok $? "vmprof-synth: 4 halting vCPUs, hostburn preempts vcpu1 for 30% of the time"
"$VMPROFCTL" report -i "$TMP/h.data" -j >"$TMP/h.json"
"$VMPROFCTL" report -i "$TMP/h.data" -f pprof >"$TMP/h.pb.gz"
ok $? "report --format pprof"
decode "$TMP/h.pb.gz" "$TMP/h.txt"
ok $? "pprof-format decodes the gunzipped profile $(head -c 300 "$TMP/node.err")"
sed 's/^/#   /' "$TMP/h.txt"

period=$(jq '.header.sample_period_ns' "$TMP/h.json")
[ "$(grep '^sample_type ' "$TMP/h.txt" | tr '\n' ' ')" = \
  "sample_type samples count sample_type time nanoseconds " ]
ok $? "sample types: samples/count, then time/nanoseconds"
grep -qx "period_type cpu nanoseconds $period" "$TMP/h.txt"
ok $? "period type cpu/nanoseconds, the sampling period ($period)"

total=$(jq '[.tables[] | select(.name == "functions") | .rows[].samples] | add' "$TMP/h.json")
set -- $(grep '^samples ' "$TMP/h.txt")
[ "${3:-0}" -eq "$total" ] && [ "${4:-0}" -eq $((total * period)) ]
ok $? "values: $total samples as the JSON report's rows, times the period in time (${3:-none}, ${4:-none})"

# check_labels OUTPUT: every sample has vm and vcpu, each vCPU's sum is
# the JSON report's table of that vCPU
check_labels() {
	! grep -q '^unlabelled ' "$1" || return 1
	grep -qx "label vm benchvm $total" "$1" || return 1
	jq -r '.tables[] | select(.name == "functions") |
		"label vcpu \(.attrs.vcpu) \([.rows[].samples] | add)"' "$TMP/h.json" |
		sort >"$TMP/want"
	[ "$(wc -l <"$TMP/want")" -eq 4 ] || return 1
	grep '^label vcpu ' "$1" | sort | cmp -s - "$TMP/want"
}
check_labels "$TMP/h.txt"
ok $? "labels: vm=benchvm and vcpu on every sample, each vCPU's samples as in the JSON report"

# check_frames OUTPUT: a [steal] or [halt] stack for each of the JSON
# report's steal and halt rows, with its samples and time
check_frames() {
	jq -r '.tables[] | select(.name == "functions") | .attrs.vcpu as $v |
		.rows[] | select(.function == "[steal]" or .function == "[halt]") |
		"stack \(.samples) \(.samples * '"$period"') benchvm;vcpu\($v);\(.function);\(.module)"' \
		"$TMP/h.json" | sort >"$TMP/frames.want"
	grep '^stack ' "$1" | sort | cmp -s - "$TMP/frames.want" &&
		[ "$(wc -l <"$TMP/frames.want")" -ge 8 ]
}
check_frames "$TMP/h.txt"
ok $? "[steal] and [halt] frames: one stack per culprit, the report's samples and time ($(wc -l <"$TMP/frames.want") stacks)"
grep -qx "stack 1500 $((1500 * period)) benchvm;vcpu1;\[steal\];(outside: hostburn)" "$TMP/h.txt"
ok $? "vcpu1: [steal] by hostburn is 1500 sample periods, 30% of the 5000"
[ "$(grep -c '^stack .*;\[halt\];' "$TMP/h.txt")" -eq 4 ]
ok $? "a [halt] frame on each of the 4 vCPUs"

# The checks above can fail: not on the host view's profile, which has
# neither vCPU labels nor steal and halt frames.
"$VMPROFCTL" report -i "$TMP/h.data" --view host -f pprof >"$TMP/host.pb.gz"
decode "$TMP/host.pb.gz" "$TMP/host.txt"
! check_labels "$TMP/host.txt" && ! check_frames "$TMP/host.txt"
ok $? "the label and frame checks fail on the host view's profile"
grep -q '^unlabelled vcpu ' "$TMP/host.txt" && grep -q '^label vm benchvm ' "$TMP/host.txt"
ok $? "--view host: the vm label, no vcpu label (one table for the whole host)"

# --top cuts rows into one [other] sample: the totals stay.
"$VMPROFCTL" report -i "$TMP/h.data" -f pprof --top 3 >"$TMP/top.pb.gz"
decode "$TMP/top.pb.gz" "$TMP/top.txt"
set -- $(grep '^samples ' "$TMP/top.txt")
[ "${3:-0}" -eq "$total" ]
ok $? "--top 3: still $total samples (${3:-none})"

# A timer that falls behind (vmprof-synth -P 2: every second period makes
# a sample, which stands for 2): the values are periods, as the JSON
# report's rows, and the guest and host ones twice the sample records.
"$SYNTH" -o "$TMP/p.data" -n 20000 -v 4 -P 2 >/dev/null 2>&1
"$VMPROFCTL" report -i "$TMP/p.data" -j >"$TMP/p.json"
"$VMPROFCTL" report -i "$TMP/p.data" -f pprof >"$TMP/p.pb.gz"
decode "$TMP/p.pb.gz" "$TMP/p.txt"
ptotal=$(jq '[.tables[] | select(.name == "functions") | .rows[].samples] | add' "$TMP/p.json")
sampled=$(jq '[.tables[] | select(.name == "functions") | .rows[] |
	select(.function != "[steal]" and .function != "[halt]") | .samples] | add' "$TMP/p.json")
records=$(jq .header.samples "$TMP/p.json")
periods=$(jq .header.periods "$TMP/p.json")
set -- $(grep '^samples ' "$TMP/p.txt")
[ "$records" = 10000 ] && [ "$periods" = 20000 ] && [ "$sampled" = 20000 ] &&
	[ "${3:-0}" -eq "$ptotal" ] && [ "${4:-0}" -eq $((ptotal * period)) ]
ok $? "samples of 2 periods: $ptotal in the values as in the JSON report (${3:-none}, ${4:-none}), $sampled sampled of them: the header's $periods periods, twice its $records samples"

# Guest user code the agent named (vmprof-synth -g: processes app0..app7,
# pids 1000..1007, two a binary srv0..srv3) has its process as labels:
# the two processes of a binary make up its samples in the JSON report.
"$SYNTH" -o "$TMP/g.data" -n 20000 -v 4 -g >/dev/null 2>&1
"$VMPROFCTL" report -i "$TMP/g.data" -j >"$TMP/g.json"
"$VMPROFCTL" report -i "$TMP/g.data" -f pprof >"$TMP/g.pb.gz"
decode "$TMP/g.pb.gz" "$TMP/g.txt"
ok $? "pprof-format decodes the profile of a recording with agent processes"
grep '^tags ' "$TMP/g.txt" | sed 's/^/#   /'
procs() {	# K: app<2K>'s and app<2K+1>'s samples, "A B"
	for p in $((2 * $1)) $((2 * $1 + 1)); do
		awk -v t="tags guest_pid=$((1000 + p));guest_process=app$p " \
			'index($0, t) == 1 { n = $NF } END { print n + 0 }' "$TMP/g.txt"
	done
}
check_procs() {
	[ "$(grep -c '^tags guest_' "$TMP/g.txt")" -eq 8 ] || return 1
	for k in 0 1 2 3; do
		want=$(jq "[.tables[] | select(.name == \"functions\") | .rows[] |
			select(.module == \"srv$k\") | .samples] | add" "$TMP/g.json")
		set -- $(procs $k)
		[ "$1" -gt 0 ] && [ "$2" -gt 0 ] && [ $(($1 + $2)) -eq "$want" ] || return 1
	done
}
check_procs
ok $? "labels guest_process and guest_pid: app<k> is pid 100<k>, two processes make up each binary's samples"
! grep -q '^tags guest_' "$TMP/h.txt"
ok $? "no guest_process label without the agent's processes"
# [steal] rows: the culprit's class and identity as labels.
grep -q '^tags culprit=vcpu[0-9]*;culprit_class=vcpu ' "$TMP/g.txt"
ok $? "steal rows carry the labels culprit and culprit_class"
done_tests
