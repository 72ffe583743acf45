#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The stream over AF_VSOCK (the loopback transport, CID 1): with --connect
# the agent connects to where vmprof-agent-dump listens with the host-side
# parser, and without a listener it retries, saying so once; by default it
# listens, and two recordings connecting at once get a stream each.
. "$(dirname "$0")/lib.sh"

PORT=5299
load_module
ok $? "module loaded"
start_sleepers 2

vmprof-agent-dump --listen $PORT > "$TMP/out" 2> "$TMP/err" &
listener=$!
KIDS="$KIDS $listener"
wait_for "$TMP/out" "^listening $PORT" 10
ok $? "listener bound vsock port $PORT"
timeout 60 vmprof-agent --connect --cid 1 --port $PORT --once 2> "$TMP/aerr"
ok $? "agent sent its snapshot to cid 1"
[ -s "$TMP/aerr" ] && sed 's/^/# agent: /' "$TMP/aerr"
# The listener exits after EOF; never hang on it if the agent failed.
wait_for "$TMP/out" '^summary' 30 || kill $listener 2> /dev/null
wait $listener
ok $? "listener parsed the stream without error"
[ -s "$TMP/err" ] && sed 's/^/# listener: /' "$TMP/err"
for p in $SLEEPERS; do
	line=$(grep "^proc $p $p " "$TMP/out")
	check "pid $p received over vsock with a cr3" \
		test "$(field "$line" 5)" = sleep -a "$(field "$line" 6)" != 0x0
done

# Version 2: the agent listens and each host connection (a recording) is
# served its own stream; two at once both get a whole snapshot.  --cid 1
# lets the loopback peer in (by default only the host, CID 2, is served).
vmprof-agent --cid 1 --port $((PORT + 3)) 2> "$TMP/serr" &
server=$!
KIDS="$KIDS $server"
sleep 1
vmprof-agent-dump --connect 1:$((PORT + 3)) --seconds 5 > "$TMP/s1" 2>&1 &
d1=$!
vmprof-agent-dump --connect 1:$((PORT + 3)) --seconds 5 > "$TMP/s2" 2>&1
wait $d1
for f in s1 s2; do
	check "listening agent: recording $f got a version 2 HELLO" \
		grep -q '^hello .* 2$' "$TMP/$f"
	line=$(grep "^proc $(echo $SLEEPERS | cut -d' ' -f1) " "$TMP/$f")
	check "listening agent: recording $f has the sleeper with a cr3" \
		test "$(field "$line" 6)" != 0x0 -a -n "$line"
done
kill $server 2> /dev/null
wait $server
ok $? "listening agent exits 0 on SIGTERM"

# A collector that starts long after the agent gets it within a second or
# two: the retry interval stays at 1 s (it grew to 30 s, and an agent that
# had waited 17 s tried again only at 31.5 s, after a short recording).
timeout 90 vmprof-agent --connect --cid 1 --port $((PORT + 2)) --once 2> "$TMP/lerr" &
late_agent=$!
KIDS="$KIDS $late_agent"
sleep 17
vmprof-agent-dump --listen $((PORT + 2)) > "$TMP/lout" 2> "$TMP/lerr2" &
late=$!
KIDS="$KIDS $late"
wait_for "$TMP/lout" "^listening" 10
t0=$(awk '{ printf "%d", $1 * 100 }' /proc/uptime)
wait_for "$TMP/lout" "^accepted" 8
rc=$?
t1=$(awk '{ printf "%d", $1 * 100 }' /proc/uptime)
echo "# agent waiting 17 s: it connected $((t1 - t0))0 ms after the listener started"
ok $rc "an agent waiting 17 s reaches a new listener within 8 s"
wait_for "$TMP/lout" "^summary" 30
ok $? "... and its whole snapshot arrives"
kill $late_agent $late 2> /dev/null

# The agent must still be retrying when timeout sends SIGTERM, and a stop
# by SIGTERM is a clean exit (vmprof-agent(8): status 0).  busybox timeout
# execs the command and so returns its status (0); GNU timeout says 124.
t0=$(awk '{ printf "%d", $1 * 100 }' /proc/uptime)
timeout 3 vmprof-agent --connect --cid 1 --port $((PORT + 1)) --once 2> "$TMP/err"
rc=$?
t1=$(awk '{ printf "%d", $1 * 100 }' /proc/uptime)
echo "# agent without listener: status $rc after $((t1 - t0))0 ms"
check "no listener: agent keeps retrying (killed by timeout)" \
	test $((t1 - t0)) -ge 290 -a \( $rc = 0 -o $rc = 124 \)
check "no listener: one line said so" \
	sh -c "test \$(wc -l < '$TMP/err') = 1 && grep -q 'cannot connect' '$TMP/err'"
finish
