#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vmprof_guest.ko and thread groups (review M4, M5): a process of 64
# threads that exits at once on several CPUs gives one EXIT record, not
# one per thread that saw the group dead; a process whose main thread
# called pthread_exit() (a zombie leader, its threads running on) is in
# the snapshot with its root, and the agent's stream names it.
. "$(dirname "$0")/lib.sh"

ROUNDS=5

load_module
ok $? "module loaded"

vmprof-agent-dump --module --events > "$TMP/ev" 2>&1 &
reader=$!
KIDS="$KIDS $reader"
wait_for "$TMP/ev" '^end$' 20
ok $? "event reader got its snapshot"

pids=
r=0
while [ $r -lt $ROUNDS ]; do
	"$HERE/vmprof-threads" exit 64 > "$TMP/ready" &
	p=$!
	wait $p
	pids="$pids $p"
	r=$((r + 1))
done
for p in $pids; do
	wait_for "$TMP/ev" "^exit $p " 10
done
# Duplicates come from threads that reach the tracepoint later.
sleep 1
total=0
for p in $pids; do
	n=$(grep -c "^exit $p " "$TMP/ev")
	echo "# pid $p: $n EXIT records"
	total=$((total + n))
done
check "$ROUNDS processes of 64 threads exiting at once: $ROUNDS EXIT records ($total)" \
	test "$total" = "$ROUNDS"
check "the EXIT names the process by its leader" \
	grep -q "^exit $p $p " "$TMP/ev"
kill $reader 2> /dev/null

"$HERE/vmprof-threads" leader-exit 4 > "$TMP/ready" &
p=$!
KIDS="$KIDS $p"
wait_for "$TMP/ready" '^ready$' 10
ok $? "a process with 4 threads started"
# pthread_exit() returns nothing to wait for: the leader turns zombie.
t=0
while [ $t -lt 50 ] && ! grep -q '^State:.*Z' "/proc/$p/status"; do
	sleep 0.1
	t=$((t + 1))
done
check "its main thread exited, the others run on" \
	sh -c "grep -q '^State:.*Z' /proc/$p/status && test \$(ls /proc/$p/task | wc -l) = 5"
vmprof-agent-dump --module > "$TMP/snap" 2> /dev/null
line=$(grep "^snap $p $p " "$TMP/snap")
echo "# ${line:-pid $p not in the snapshot}"
check "the snapshot lists the zombie leader's process" test -n "$line"
cr3=$(field "$line" 6)
check "with a non-zero root ($cr3)" test -n "$cr3" -a $((cr3)) -ne 0
vmprof-agent --once -o "$TMP/s.bin" 2> /dev/null
vmprof-agent-dump "$TMP/s.bin" > "$TMP/table" 2> /dev/null
check "the agent's stream names it, live, with that root" \
	grep -q "^proc $p $p [0-9]* vmprof-threads $cr3 live" "$TMP/table"
finish
