#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark of "vmprofctl report --view unified" on a synthetic data file
# with 10 million samples (10 vCPUs, 1 kHz, 1000 s): wall time and peak
# RSS (/usr/bin/time -v), against the targets of issue 5 (3 s, 300 MB).
# One warm-up run fills the page cache, then RUNS measured runs; the worst
# one is compared with the target.  Exit 1 if a target is missed.
#
#   bench/report.sh                 # BUILD_DIR=~/.cache/kvmprof by default
#   SAMPLES=1000000 RUNS=1 bench/report.sh
#   PERF_DATA=perf.data bench/report.sh   # compare with this perf.data
#   NO_PERF=1 bench/report.sh             # skip the perf report comparison
# The perf comparison uses a perf.data of the same number of samples made by
# perf-synth (perf report is timed once, after a warm-up read of the file).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$HOME/.cache/kvmprof}
OUT=$(make -s -C "$ROOT/userspace" --no-print-directory BUILD_DIR="$BUILD_DIR" print-output)
SAMPLES=${SAMPLES:-10000000}
VCPUS=${VCPUS:-10}
HZ=${HZ:-1000}
RUNS=${RUNS:-3}
TARGET_S=${TARGET_S:-3}
TARGET_MB=${TARGET_MB:-300}
DATA=${DATA:-$BUILD_DIR/bench/report-$SAMPLES-$VCPUS-$HZ.data}

if [ ! -x /usr/bin/time ]; then
	echo "# installing GNU time for peak RSS"
	apt-get install -y time >/dev/null
fi
make -C "$ROOT/userspace" -j1 --no-print-directory BUILD_DIR="$BUILD_DIR" all >/dev/null

mkdir -p "$(dirname "$DATA")"
if [ ! -s "$DATA" ]; then
	echo "# generating $DATA ($SAMPLES samples, $VCPUS vCPUs, $HZ Hz)"
	"$OUT/vmprof-synth" -o "$DATA" -n "$SAMPLES" -v "$VCPUS" -f "$HZ"
fi
size_mb=$(($(wc -c <"$DATA") / 1048576))

# measure CMD...: prints "seconds peak_kb"
measure() {
	/usr/bin/time -v "$@" >/dev/null 2>"$BUILD_DIR/bench/time.log" || {
		cat "$BUILD_DIR/bench/time.log" >&2
		return 1
	}
	awk -F': ' '
		/Elapsed \(wall clock\)/ {
			n = split($2, p, ":"); s = 0
			for (i = 1; i <= n; i++) s = s * 60 + p[i]
		}
		/Maximum resident set size/ { kb = $2 }
		END { printf "%.2f %d\n", s, kb }' "$BUILD_DIR/bench/time.log"
}

measure "$OUT/vmprofctl" report -i "$DATA" --view unified >/dev/null	# warm-up
worst_s=0
worst_kb=0
i=1
while [ "$i" -le "$RUNS" ]; do
	set -- $(measure "$OUT/vmprofctl" report -i "$DATA" --view unified)
	echo "# run $i: $1 s, $(($2 / 1024)) MB peak RSS"
	worst_s=$(awk -v a="$worst_s" -v b="$1" 'BEGIN { print (b > a) ? b : a }')
	[ "$2" -gt "$worst_kb" ] && worst_kb=$2
	i=$((i + 1))
done
worst_mb=$((worst_kb / 1024))

verdict() {
	awk -v v="$1" -v t="$2" 'BEGIN { print (v <= t) ? "ok" : "MISSED" }'
}
ratio() {
	awk -v v="$1" -v t="$2" 'BEGIN { printf "%.2f", v / t }'
}

echo "vmprofctl report --view unified: $SAMPLES samples, $VCPUS vCPUs, $HZ Hz, file $size_mb MB"
printf '%-14s %10s %10s %8s %s\n' metric measured target ratio verdict
printf '%-14s %10s %10s %8s %s\n' "wall time (s)" "$worst_s" "$TARGET_S" \
	"$(ratio "$worst_s" "$TARGET_S")" "$(verdict "$worst_s" "$TARGET_S")"
printf '%-14s %10s %10s %8s %s\n' "peak RSS (MB)" "$worst_mb" "$TARGET_MB" \
	"$(ratio "$worst_mb" "$TARGET_MB")" "$(verdict "$worst_mb" "$TARGET_MB")"

# perf report on a perf.data with the same number of samples (perf-synth),
# sorted by thread and symbol like the unified view; PERF_DATA overrides.
if command -v perf >/dev/null && [ "${NO_PERF:-0}" != 1 ]; then
	PERF_DATA=${PERF_DATA:-$BUILD_DIR/bench/perf-$SAMPLES-$VCPUS-$HZ.data}
	if [ ! -s "$PERF_DATA" ]; then
		echo "# generating $PERF_DATA ($SAMPLES samples)"
		"$OUT/perf-synth" -o "$PERF_DATA" -n "$SAMPLES" -v "$VCPUS" -f "$HZ"
	fi
	cat "$PERF_DATA" >/dev/null	# warm the page cache
	set -- $(measure perf report -i "$PERF_DATA" --stdio --sort comm,sym)
	perf_s=$1
	perf_mb=$(($2 / 1024))
	printf '%-14s %10s %10s %8s\n' metric vmprofctl "perf" "ratio"
	printf '%-14s %10s %10s %8s\n' "wall time (s)" "$worst_s" "$perf_s" \
		"$(ratio "$worst_s" "$perf_s")"
	printf '%-14s %10s %10s %8s\n' "peak RSS (MB)" "$worst_mb" "$perf_mb" \
		"$(ratio "$worst_mb" "$perf_mb")"
	echo "# perf report --sort comm,sym, one run after vmprofctl's warm runs; ratio < 1: vmprofctl is faster/smaller"
else
	echo "# perf report comparison skipped (no perf, or NO_PERF=1)"
fi

[ "$(verdict "$worst_s" "$TARGET_S")" = ok ] && [ "$(verdict "$worst_mb" "$TARGET_MB")" = ok ]
