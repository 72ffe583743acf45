#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vmprof-agent with the module: a --once stream parses back (host parser,
# vmprof-agent-dump) to the same table the module shows, CR3 included, and
# a followed process shows up with its CR3 and then as exited.
. "$(dirname "$0")/lib.sh"

load_module
ok $? "module loaded"
start_sleepers 3

vmprof-agent --once -o "$TMP/s.bin" 2> "$TMP/err"
ok $? "agent --once writes a stream"
vmprof-agent-dump --module > "$TMP/snap" 2> /dev/null
vmprof-agent-dump "$TMP/s.bin" > "$TMP/table" 2> "$TMP/err"
ok $? "stream parses with the host parser"
[ -s "$TMP/err" ] && sed 's/^/# /' "$TMP/err"
hello=$(grep '^hello' "$TMP/table")
check "HELLO says the CR3 values come from the module" \
	test $(($(field "$hello" 3) & 1)) = 1

for p in $SLEEPERS; do
	want=$(grep "^snap $p $p " "$TMP/snap" | awk '{ print $5, $6 }')
	got=$(grep "^proc $p $p " "$TMP/table" | awk '{ print $5, $6 }')
	check "pid $p: stream has comm and cr3 '$want' like the module" \
		test -n "$want" -a "$want" = "$got"
done

# Every process both saw (the agent and the dump come and go) agrees.
awk '/^snap/ { print $2, $5, $6 }' "$TMP/snap" | sort > "$TMP/a"
awk '/^proc/ && $7 == "live" { print $2, $5, $6 }' "$TMP/table" | sort > "$TMP/b"
common=$(awk '{ print $1 }' "$TMP/a" "$TMP/b" | sort | uniq -d | wc -l)
same=$(grep -Fxf "$TMP/a" "$TMP/b" | wc -l)
echo "# $common processes in both tables, $same identical"
check "every process in both tables has the same comm and cr3" \
	test "$common" -gt 3 -a "$common" = "$same"
check "kernel symbols were sent" \
	awk '/^summary/ { exit !($5 > 1000) }' "$TMP/table"

vmprof-agent -o "$TMP/f.bin" 2> "$TMP/err" &
agent=$!
KIDS="$KIDS $agent"
sleep 2
sleep 600 &
p=$!
sleep 1
kill $p
wait $p 2> /dev/null
sleep 1
kill $agent
wait $agent
ok $? "followed agent exits 0 on SIGTERM"
vmprof-agent-dump "$TMP/f.bin" > "$TMP/ftable" 2> "$TMP/err"
ok $? "followed stream parses"
# The fork's own incarnation (the shell's name) was replaced by the exec.
line=$(grep "^proc $p $p " "$TMP/ftable" | grep -v " replaced ")
echo "# $line"
check "process born while following: comm sleep, cr3, exited" \
	test "$(field "$line" 5)" = sleep -a \
	"$(field "$line" 6)" != 0x0 -a "$(field "$line" 7)" = exited
finish
