#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Cost of vmprof-agent with N extra sleeping processes: one full pass
# (--once) and 20 s of following with the defaults (maps rescan every
# 10 s; without the module a /proc poll every 1 s), as CPU time and
# peak RSS; then what the guest costs the host: the bytes a recording
# stores (the snapshot, then per second of steady state) and the CPU and
# memory of parsing the snapshot with the host's parser (what vmprofctl
# report does with it).  Without the module the agent runs --no-module;
# with it the table comes from events and only maps are rescanned.
# docs/agent-protocol.md, "Cost", has the figures of a run.
out=${1:?usage: bench_agent.sh OUTPUT_DIR [N]}
n=${2:-1000}
agent=$out/vmprof-agent
mode=--no-module
[ -c /dev/vmprof_guest ] && mode=

fifo=$(mktemp -u) && mkfifo "$fifo" || exit 1
"$out/bench_procs" "$n" < "$fifo" > "$out/bench.ready" &
exec 3> "$fifo"
while ! grep -q ready "$out/bench.ready" 2>/dev/null; do sleep 0.1; done
echo "# $(cat "$out/bench.ready") sleeping processes, $(ls /proc | grep -c '^[0-9]') in total"

/usr/bin/time -f '%U %S %M' -o "$out/bench.once" \
	"$agent" $mode --once -o "$out/bench.bin"
read -r u s m < "$out/bench.once"
echo "once: user ${u}s sys ${s}s maxrss ${m} KiB, stream $(wc -c < "$out/bench.bin") bytes"
"$out/vmprof-agent-dump" "$out/bench.bin" | tail -1 | sed 's/^/once: /'

# Let startup finish, then measure 20 s of steady state from /proc.
"$agent" $mode -o "$out/bench-follow.bin" &
pid=$!
sleep 2
t0=$(awk '{print $14 + $15}' /proc/$pid/stat)
b0=$(wc -c < "$out/bench-follow.bin")
sleep 20
t1=$(awk '{print $14 + $15}' /proc/$pid/stat)
b1=$(wc -c < "$out/bench-follow.bin")
hwm=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
kill $pid
wait $pid
tck=$(getconf CLK_TCK)
echo "follow: $(( (t1 - t0) * 1000 / tck )) ms CPU in 20 s ($(awk "BEGIN{printf \"%.2f\", ($t1-$t0)/$tck/20*100}")% of one CPU), peak RSS $hwm KiB"
echo "host: the recording stores the snapshot, $(wc -c < "$out/bench.bin") bytes, then $(( (b1 - b0) / 20 )) bytes/s"
/usr/bin/time -f '%U %S %M' -o "$out/bench.parse" \
	"$out/vmprof-agent-dump" "$out/bench.bin" > /dev/null
read -r u s m < "$out/bench.parse"
echo "host: parsing the snapshot takes user ${u}s sys ${s}s, maxrss ${m} KiB"
exec 3>&-
rm -f "$fifo"
wait
