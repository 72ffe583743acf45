#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# What sched records and host samples cost "vmprofctl report": the same
# number of samples (10 vCPUs, 1 kHz) without and with HALTS halt intervals
# per vCPU per sample period (vmprof-synth -s; 1 gives two sched records per
# sample, the shape of idle or I/O-bound guests), and as a --host-samples
# recording (vmprof-synth -h: a host task takes vCPU 1's pCPU a fifth of
# the time and is sampled there), reported side by side in one run.
# Prints wall time and peak RSS of each (best of RUNS after a warm-up) and
# their ratios; never fails on a time, only on a report that fails.
#
#   bench/report-sched.sh                 # BUILD_DIR=~/.cache/kvmprof by default
#   SAMPLES=1000000 RUNS=1 bench/report-sched.sh
#   VMPROFCTL=/path/to/old/vmprofctl bench/report-sched.sh   # compare builds
#   VIEW=timeline bench/report-sched.sh
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$HOME/.cache/kvmprof}
OUT=$(make -s -C "$ROOT/userspace" --no-print-directory BUILD_DIR="$BUILD_DIR" print-output)
SAMPLES=${SAMPLES:-10000000}
VCPUS=${VCPUS:-10}
HZ=${HZ:-1000}
HALTS=${HALTS:-1}
RUNS=${RUNS:-3}
VIEW=${VIEW:-unified}
VMPROFCTL=${VMPROFCTL:-$OUT/vmprofctl}
DIR=$BUILD_DIR/bench
PLAIN=$DIR/report-$SAMPLES-$VCPUS-$HZ.data
SCHED=$DIR/sched-$SAMPLES-$VCPUS-$HZ-$HALTS.data
HOSTS=$DIR/hosts-$SAMPLES-$VCPUS-$HZ.data

if [ ! -x /usr/bin/time ]; then
	echo "# installing GNU time for peak RSS"
	apt-get install -y time >/dev/null
fi
make -C "$ROOT/userspace" -j1 --no-print-directory BUILD_DIR="$BUILD_DIR" all >/dev/null
mkdir -p "$DIR"
# Same file name as bench/report.sh: the two benches share the samples-only file.
if [ ! -s "$PLAIN" ]; then
	echo "# generating $PLAIN ($SAMPLES samples)"
	"$OUT/vmprof-synth" -o "$PLAIN" -n "$SAMPLES" -v "$VCPUS" -f "$HZ"
fi
if [ ! -s "$SCHED" ]; then
	echo "# generating $SCHED ($SAMPLES samples, $HALTS halts per vCPU per period)"
	"$OUT/vmprof-synth" -o "$SCHED" -n "$SAMPLES" -v "$VCPUS" -f "$HZ" -s "$HALTS"
fi
if [ ! -s "$HOSTS" ]; then
	echo "# generating $HOSTS ($SAMPLES samples, a --host-samples recording)"
	"$OUT/vmprof-synth" -o "$HOSTS" -n "$SAMPLES" -v "$VCPUS" -f "$HZ" -H 1:20 -h
fi

# measure FILE: prints "seconds peak_kb" of one report
measure() {
	/usr/bin/time -v "$VMPROFCTL" report -i "$1" --view "$VIEW" >/dev/null \
		2>"$DIR/time.log" || {
		cat "$DIR/time.log" >&2
		return 1
	}
	awk -F': ' '
		/Elapsed \(wall clock\)/ {
			n = split($2, p, ":"); s = 0
			for (i = 1; i <= n; i++) s = s * 60 + p[i]
		}
		/Maximum resident set size/ { kb = $2 }
		END { printf "%.2f %d\n", s, kb }' "$DIR/time.log"
}

# best FILE: prints "seconds peak_kb", the fastest of RUNS after a warm-up
best() {
	measure "$1" >/dev/null
	b_s=
	b_kb=0
	i=1
	while [ "$i" -le "$RUNS" ]; do
		set -- "$1" $(measure "$1")
		if [ -z "$b_s" ] || awk -v a="$2" -v b="$b_s" 'BEGIN { exit !(a < b) }'; then
			b_s=$2
		fi
		[ "$3" -gt "$b_kb" ] && b_kb=$3
		i=$((i + 1))
	done
	echo "$b_s $b_kb"
}

ratio() {
	awk -v v="$1" -v t="$2" 'BEGIN { printf "%.2f", (t > 0 ? v / t : 0) }'
}

set -- $(best "$PLAIN")
p_s=$1
p_mb=$(($2 / 1024))
set -- $(best "$SCHED")
s_s=$1
s_mb=$(($2 / 1024))
set -- $(best "$HOSTS")
h_s=$1
h_mb=$(($2 / 1024))
nsched=$((SAMPLES * HALTS * 2))
per_m=$((SAMPLES / 1000000))

echo "vmprofctl report --view $VIEW: $SAMPLES samples, $VCPUS vCPUs, $HZ Hz; best of $RUNS runs, peak RSS the largest"
printf '%-28s %10s %10s %8s\n' file "wall (s)" "RSS (MB)" "MB/1M"
printf '%-28s %10s %10s %8s\n' "samples only" "$p_s" "$p_mb" "$(ratio "$p_mb" "$per_m")"
printf '%-28s %10s %10s %8s\n' "+ $nsched sched records" "$s_s" "$s_mb" "$(ratio "$s_mb" "$per_m")"
printf '%-28s %10s %10s %8s\n' "host-samples recording" "$h_s" "$h_mb" "$(ratio "$h_mb" "$per_m")"
printf '%-28s %10s %10s\n' "ratio sched / samples only" \
	"$(ratio "$s_s" "$p_s")" "$(ratio "$s_mb" "$p_mb")"
printf '%-28s %10s %10s\n' "ratio host / samples only" \
	"$(ratio "$h_s" "$p_s")" "$(ratio "$h_mb" "$p_mb")"
echo "# MB/1M: peak RSS per million samples; a ratio near 1 means sched records or host samples cost the report little"
