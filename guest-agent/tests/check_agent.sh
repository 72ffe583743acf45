#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Native tests of vmprof-agent and vmprof-agent-dump (no module needed):
# the --help/usage/runtime exit-status contract, one-line errors, a
# --no-module snapshot that parses back with a known process in it, a
# followed fork/exit, SIGTERM while blocked sending, crafted ELF files
# (test_elf), a mapped file rewritten in place (test_fileid), short
# programs under the module's events (test_exec), more processes than
# the host keeps (test_limit), and rejected
# corrupt or truncated streams, and the version negotiation with hosts of
# either version.
out=${1:?usage: check_agent.sh OUTPUT_DIR}
agent=$out/vmprof-agent
dump=$out/vmprof-agent-dump
tmp=$(mktemp -d) || exit 1
n=0
failed=0

ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

check() {
	what=$1
	shift
	"$@" > /dev/null 2>&1
	ok $? "$what"
}

# A C test's TAP lines in this stream: fold PREFIX FILE.
fold() {
	while read -r line; do
		case $line in
		"ok "*) ok 0 "$1${line#* - }" ;;
		"not ok "*) ok 1 "$1${line#* - }" ;;
		"#"*) echo "$line" ;;
		esac
	done < "$2"
}

"$agent" --help > "$tmp/help" 2> "$tmp/err"
ok $? "agent --help exits 0"
check "agent --help on stdout with EXAMPLES" grep -q '^EXAMPLES' "$tmp/help"
check "agent --help writes nothing to stderr" test ! -s "$tmp/err"

"$agent" --bogus > "$tmp/o" 2> "$tmp/err"
check "agent bad option exits 2" test $? = 2
check "agent usage error prints nothing on stdout" test ! -s "$tmp/o"
"$agent" -o "$tmp/x" --cid 3 2> /dev/null
check "agent --output with --cid exits 2" test $? = 2
"$agent" --interval 1 2> /dev/null
check "agent interval below 10 ms exits 2" test $? = 2
"$agent" extra 2> /dev/null
check "agent stray argument exits 2" test $? = 2

if [ ! -e /dev/vmprof_guest ]; then
	"$agent" --once -o "$tmp/x" > /dev/null 2> "$tmp/err"
	rc=$?
	check "no module: exit 1" test $rc = 1
	check "no module: one line naming the module" \
		sh -c "test \$(wc -l < '$tmp/err') = 1 && grep -q 'modprobe vmprof_guest' '$tmp/err'"
else
	echo "# /dev/vmprof_guest present: no-module case skipped"
fi

"$agent" --no-module --once -o /nonexistent/dir/file 2> "$tmp/err"
check "unwritable output: exit 1" test $? = 1
check "unwritable output: one line" test "$(wc -l < "$tmp/err")" = 1

sleep 30 &
spid=$!
"$agent" --no-module --once -o "$tmp/s.bin" 2> "$tmp/err"
ok $? "--no-module --once writes a stream"
"$dump" "$tmp/s.bin" > "$tmp/table" 2> "$tmp/err"
ok $? "dump parses the stream"
check "table lists the sleep process by pid and comm" \
	grep -q "^proc $spid $spid [0-9]* sleep 0x0 live [1-9]" "$tmp/table"
check "sleep's mappings came with symbols of a build-id" \
	awk '/^summary/ { exit !($4 > 0) }' "$tmp/table"
kill $spid
wait $spid 2> /dev/null

# Follow: a process born and killed while the agent runs shows as exited.
"$agent" --no-module --poll 50 -o "$tmp/f.bin" 2> "$tmp/err" &
apid=$!
sleep 0.5
sleep 30 &
spid=$!
sleep 0.5
kill $spid
wait $spid 2> /dev/null
sleep 0.5
kill $apid
wait $apid
ok $? "followed agent exits 0 on SIGTERM"
"$dump" "$tmp/f.bin" > "$tmp/table" 2> "$tmp/err"
ok $? "followed stream parses"
check "fork then exit of a short process recorded" \
	grep -q "^proc $spid $spid [0-9]* sleep 0x0 exited" "$tmp/table"

# SIGTERM while blocked writing to a reader that does not read: the agent
# stops anyway (it stayed blocked until SIGKILL).  The pipe holds 64 KiB
# and the snapshot is larger, so the agent blocks in pipe_write; the
# watchdog is a hang guard only: the agent stops in milliseconds.
mkfifo "$tmp/fifo"
exec 3<> "$tmp/fifo"
"$agent" --no-module -o "$tmp/fifo" 2> "$tmp/err" &
apid=$!
tries=0
blocked() {
	case $(cat /proc/$apid/wchan 2> /dev/null) in
	*pipe_write) return 0 ;;
	esac
	return 1
}
while [ $tries -lt 1000 ] && ! blocked; do
	tries=$((tries + 1))
	sleep 0.01
done
if blocked; then
	# Hang guard: on TERM it ends its sleep too, leaving nothing behind.
	(trap 'kill $s; exit 0' TERM; sleep 60 & s=$!; wait $s; kill -KILL $apid) \
		> /dev/null 2>&1 &
	wdog=$!
	kill -TERM $apid
	wait $apid
	rc=$?
	kill $wdog 2> /dev/null
	wait $wdog 2> /dev/null
	ok $rc "SIGTERM while blocked writing: the agent exits 0"
	check "SIGTERM while blocked writing: says what was not sent" \
		grep -q "stopping: the output's reader is not reading" "$tmp/err"
else
	kill $apid
	wait $apid
	echo "# agent never blocked in pipe_write: SIGTERM-while-blocked case skipped"
fi
exec 3<&-

# Symbol resolution end to end, folded into this TAP stream.
"$out/test_symbols" "$agent" > "$tmp/syms" 2>&1
fold "symbols: " "$tmp/syms"
check "symbols: test program ran to its end" grep -q '^5 passed, 0 failed' "$tmp/syms"

# Crafted ELF files against agent/elf.c's bounds, folded in the same way.
"$out/test_elf" > "$tmp/elf" 2>&1
fold "elf: " "$tmp/elf"
check "elf: test program ran to its end" grep -q ' passed, 0 failed$' "$tmp/elf"

# A file rewritten in place under a mapping (test_fileid), folded too.
"$out/test_fileid" > "$tmp/fid" 2>&1
fold "" "$tmp/fid"
check "fileid: test program ran to its end" grep -q ' passed, 0 failed$' "$tmp/fid"

# Programs exec'ed and gone within 300 ms, played to a copy of the agent
# that reads the module's records from a FIFO (test_exec), folded too.
"$out/test_exec" "$out/vmprof-agent-fakedev" > "$tmp/exec" 2>&1
fold "" "$tmp/exec"
# More processes than the host keeps, against the same build (test_limit).
"$out/test_limit" "$out/vmprof-agent-fakedev" > "$tmp/limit" 2>&1
fold "" "$tmp/limit"
check "exec: test program ran to its end" grep -q ' passed, 0 failed$' "$tmp/exec"

# Negotiation over AF_UNIX (vsock has no loopback transport everywhere),
# with vmprof-agent-dump as the host: a version 2 host connects to the
# listening agent and sends its OFFER; a version 1 host (--offer none)
# only listens and never writes.  Each case is one row of the old/new
# peer table in docs/agent-protocol.md.
sleep 60 &
spid=$!
"$agent" --no-module --unix "$tmp/agent.sock" 2> "$tmp/serr" &
server=$!
tries=0
while [ ! -S "$tmp/agent.sock" ] && [ $tries -lt 100 ]; do
	tries=$((tries + 1))
	sleep 0.05
done
"$dump" --connect "unix:$tmp/agent.sock" --seconds 3 > "$tmp/r1" 2>&1 &
d1=$!
"$dump" --connect "unix:$tmp/agent.sock" --seconds 3 > "$tmp/r2" 2>&1
wait $d1
for r in r1 r2; do
	check "v2 host, listening agent: recording $r gets version 2" \
		grep -q '^hello .* 2$' "$tmp/$r"
	check "v2 host, listening agent: recording $r has its own snapshot" \
		grep -q "^proc $spid $spid [0-9]* sleep 0x0 live" "$tmp/$r"
done
"$dump" --connect "unix:$tmp/agent.sock" --offer 1:1 --seconds 3 > "$tmp/r3" 2>&1
check "host offering only version 1: the agent sends version 1" \
	grep -q '^hello .* 1$' "$tmp/r3"
# A later host offers a feature this agent does not know (bit 31).
"$dump" --connect "unix:$tmp/agent.sock" --offer 1:2:0x80000000 --seconds 3 \
	> "$tmp/rf" 2>&1
check "host offering an unknown feature: version 2, the bit not used" \
	sh -c "grep -q '^hello .* 2\$' '$tmp/rf' && grep -qx 'features 0x0' '$tmp/rf' &&
	       grep -q '^proc $spid $spid [0-9]* sleep 0x0 live' '$tmp/rf'"
"$dump" --connect "unix:$tmp/agent.sock" --offer 3:4 --seconds 3 > "$tmp/r4" 2>&1
check "host offering versions 3..4: no stream, the connection closed" \
	sh -c "! grep -q '^hello' '$tmp/r4' && grep -q '^summary 0 ' '$tmp/r4'"
# Four recordings at once are served; a fifth is closed, said once.
dumps=
for i in 1 2 3 4; do
	"$dump" --connect "unix:$tmp/agent.sock" --seconds 4 > "$tmp/c$i" 2>&1 &
	dumps="$dumps $!"
done
sleep 1.5
"$dump" --connect "unix:$tmp/agent.sock" --seconds 2 > "$tmp/c5" 2>&1
"$dump" --connect "unix:$tmp/agent.sock" --seconds 2 > "$tmp/c6" 2>&1
wait $dumps
check "four recordings at once each get a stream" \
	sh -c "grep -l '^hello' '$tmp/c1' '$tmp/c2' '$tmp/c3' '$tmp/c4' | wc -l | grep -qx 4"
check "a fifth and sixth are closed without a stream" \
	sh -c "! grep -q '^hello' '$tmp/c5' '$tmp/c6'"
check "the agent says so once" \
	test "$(grep -c 'already serving 4 recordings' "$tmp/serr")" = 1
sleep 1.2
"$dump" --connect "unix:$tmp/agent.sock" --seconds 2 > "$tmp/c7" 2>&1
check "once they ended a new recording is served again" grep -q '^hello' "$tmp/c7"
kill $server
wait $server
ok $? "listening agent exits 0 on SIGTERM"
check "agent says why it closed the 3..4 connection, once" \
	test "$(grep -c 'takes versions 3..4, this agent 1..2' "$tmp/serr")" = 1
check "agent removed its socket" test ! -e "$tmp/agent.sock"

# --connect (the version 1 direction) to a version 1 host: no OFFER comes,
# and after --offer-wait the agent sends version 1, which a version 1
# parser takes.
"$dump" --listen "unix:$tmp/h1.sock" --offer none > "$tmp/h1" 2>&1 &
h=$!
while [ ! -S "$tmp/h1.sock" ]; do sleep 0.05; done
t0=$(date +%s%N)
"$agent" --no-module --once --connect --unix "$tmp/h1.sock" --offer-wait 500 2> "$tmp/err"
ok $? "--connect to a version 1 host: the agent exits 0"
t1=$(date +%s%N)
wait $h
ok $? "version 1 host parses the stream without error"
check "version 1 host gets version 1" grep -q '^hello .* 1$' "$tmp/h1"
check "version 1 host gets the table" \
	grep -q "^proc $spid $spid [0-9]* sleep 0x0 live" "$tmp/h1"
echo "# waited $(( (t1 - t0) / 1000000 )) ms for an OFFER that never came"
check "the agent waited --offer-wait (500 ms) for the OFFER" \
	test $(( (t1 - t0) / 1000000 )) -ge 500

# --connect to a version 2 host: its OFFER comes at once.
"$dump" --listen "unix:$tmp/h2.sock" > "$tmp/h2" 2>&1 &
h=$!
while [ ! -S "$tmp/h2.sock" ]; do sleep 0.05; done
"$agent" --no-module --once --connect --unix "$tmp/h2.sock" 2> "$tmp/err"
wait $h
ok $? "--connect to a version 2 host: parsed without error"
check "--connect to a version 2 host: version 2" grep -q '^hello .* 2$' "$tmp/h2"

# A version 1 agent (--proto 1 reads nothing, as version 1 did) meets a
# version 2 host: the OFFER stays unread and the stream is version 1.
"$dump" --listen "unix:$tmp/h3.sock" > "$tmp/h3" 2>&1 &
h=$!
while [ ! -S "$tmp/h3.sock" ]; do sleep 0.05; done
"$agent" --no-module --once --connect --unix "$tmp/h3.sock" --proto 1 2> "$tmp/err"
wait $h
ok $? "version 1 agent, version 2 host: parsed without error"
check "version 1 agent, version 2 host: version 1 stream" \
	grep -q '^hello .* 1$' "$tmp/h3"
kill $spid
wait $spid 2> /dev/null

# After startup the agent holds only what reading maps, mapped files and
# kallsyms needs, for good (it ran with every capability of root), and
# with them still reads another user's process.
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups sleep 60 &
	npid=$!
	"$agent" --no-module --unix "$tmp/caps.sock" 2> "$tmp/err" &
	apid=$!
	while [ ! -S "$tmp/caps.sock" ]; do sleep 0.05; done
	want=$(( (1 << 2) | (1 << 19) | (1 << 34) ))
	[ "$(cat /proc/sys/kernel/cap_last_cap)" -ge 40 ] && want=$((want | (1 << 40)))
	want=$(printf '%016x' $want)
	eff=$(awk '/^CapEff/ { print $2 }' /proc/$apid/status)
	echo "# CapEff $eff, CapBnd $(awk '/^CapBnd/ { print $2 }' /proc/$apid/status)"
	check "capabilities: effective only DAC_READ_SEARCH, SYS_PTRACE, SYSLOG, CHECKPOINT_RESTORE ($want)" \
		test "$eff" = "$want"
	check "capabilities: permitted and bounding sets the same, nothing to regain" \
		sh -c "grep -q '^CapPrm:.$want' /proc/$apid/status && grep -q '^CapBnd:.$want' /proc/$apid/status"
	check "capabilities: no_new_privs set" \
		grep -q '^NoNewPrivs:.1' /proc/$apid/status
	"$dump" --connect "unix:$tmp/caps.sock" --seconds 3 > "$tmp/caps" 2>&1
	check "capabilities: another user's process is sent with its mappings" \
		grep -q "^proc $npid $npid [0-9]* sleep 0x0 live [1-9]" "$tmp/caps"
	kill $apid $npid
	wait $apid $npid 2> /dev/null

	# The agent's vsock port is below 1024: only root in the guest can
	# listen there, so no other guest user poses as the agent.
	"$agent" --no-module 2> "$tmp/verr" &
	apid=$!
	sleep 0.5
	if grep -q 'vsock missing' "$tmp/verr"; then
		echo "# no AF_VSOCK here: port checks skipped"
	else
		check "root agent listens on vsock port 525" kill -0 $apid
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$agent" --no-module 2> "$tmp/err"
		check "another user cannot listen on port 525: exit 1" test $? = 1
		check "... saying so in one line" \
			sh -c "test \$(wc -l < '$tmp/err') = 1 && grep -q 'port 525: Permission denied' '$tmp/err'"
	fi
	kill $apid 2> /dev/null
	wait $apid 2> /dev/null
else
	echo "# not root or no setpriv: capability checks skipped"
fi

size=$(wc -c < "$tmp/s.bin")
head -c $((size - 3)) "$tmp/s.bin" > "$tmp/trunc.bin"
"$dump" "$tmp/trunc.bin" > /dev/null 2> "$tmp/err"
check "truncated stream: dump exits 1" test $? = 1
check "truncated stream: says so" grep -q "ends inside a message" "$tmp/err"
printf '\003' | dd of="$tmp/s.bin" bs=1 seek=4 conv=notrunc 2> /dev/null
"$dump" "$tmp/s.bin" > /dev/null 2> "$tmp/err"
check "version 3 stream: dump exits 1" test $? = 1
check "version 3 stream: one-line error" \
	sh -c "test \$(wc -l < '$tmp/err') = 1 && grep -q 'unsupported version 3' '$tmp/err'"
"$dump" --help > /dev/null
ok $? "dump --help exits 0"
"$dump" --events "$tmp/s.bin" 2> /dev/null
check "dump --events without --module exits 2" test $? = 2

rm -rf "$tmp"
echo "1..$n"
echo "$((n - failed)) passed, $failed failed"
[ $failed = 0 ]
