#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vmprof_guest.ko: the snapshot lists known processes with their comm and a
# page-aligned CR3 distinct per process, no kernel threads; fork, exec and
# exit events arrive for a process started after the snapshot; the agent
# fails with one line when the module is absent.
. "$(dirname "$0")/lib.sh"

load_module
ok $? "module loads and /dev/vmprof_guest exists"
start_sleepers 3

vmprof-agent-dump --module > "$TMP/snap" 2> "$TMP/err"
ok $? "snapshot read from the device"
check "snapshot ends with an end record" grep -q '^end$' "$TMP/snap"

for p in $SLEEPERS; do
	line=$(grep "^snap $p $p " "$TMP/snap")
	check "pid $p listed with comm sleep" test "$(field "$line" 5)" = sleep
	cr3=$(field "$line" 6)
	check "pid $p cr3 $cr3 non-zero and page-aligned" \
		test -n "$cr3" -a $((cr3)) -ne 0 -a $((cr3 & 0xfff)) -eq 0
	echo "$cr3" >> "$TMP/cr3s"
done
check "the sleepers' cr3 values are distinct" \
	test "$(sort "$TMP/cr3s" | uniq | wc -l)" = 3
check "no two processes share a cr3" \
	test -z "$(awk '/^snap/ { print $6 }' "$TMP/snap" | sort | uniq -d)"
check "kthreadd (pid 2) is not listed" sh -c "! grep -q '^snap 2 ' '$TMP/snap'"

# Events: a non-busybox program forces a real exec.
vmprof-agent-dump --module --events > "$TMP/ev" 2>&1 &
reader=$!
KIDS="$KIDS $reader"
wait_for "$TMP/ev" '^end$' 20
ok $? "event reader got its snapshot"
/usr/bin/vmprof-agent-dump --help > /dev/null &
p=$!
wait $p
wait_for "$TMP/ev" "^exit $p " 10
ok $? "exit event for pid $p"
check "fork event for pid $p" grep -q "^fork $p $p $$ " "$TMP/ev"
check "exec event for pid $p with the new comm" \
	grep -q "^exec $p $p [0-9]* vmprof-agent-du 0x" "$TMP/ev"
kill $reader 2> /dev/null

# Without the module the agent refuses with one line.
for k in $KIDS; do kill "$k" 2> /dev/null; done
wait 2> /dev/null
KIDS=
if rmmod vmprof_guest; then
	vmprof-agent --once -o "$TMP/x" 2> "$TMP/err"
	check "agent without module exits 1" test $? = 1
	check "agent without module says one line" \
		sh -c "test \$(wc -l < '$TMP/err') = 1 && grep -q vmprof_guest '$TMP/err'"
	load_module
	ok $? "module reloads"
else
	ok 1 "rmmod vmprof_guest"
fi
finish
