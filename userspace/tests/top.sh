#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vmprofctl top on a terminal, driven under tmux (send-keys, capture-pane)
# against a recording that grows as a collector's does: vmprof-synth -R
# writes it in real time, vCPU 0 preempted half the time by "hostburn".
# The screen must name hostburn as vCPU 0's culprit and move with the
# file; v, s and p switch the view, the sort and pause it; a resize
# redraws for the new size; q and Ctrl-C leave the terminal as they found
# it (no alternate screen, the cursor shown, lines wrapped, the same stty
# settings), Ctrl-Z too until fg.  Batch mode and the usage errors need
# no terminal.
# Usage: top.sh path/to/vmprofctl   (vmprof-synth must sit beside it)

VMPROFCTL=${1:?usage: top.sh path/to/vmprofctl}
SYNTH=$(dirname "$VMPROFCTL")/vmprof-synth
TMP=$(mktemp -d)
SOCK=vmprof-top-test-$$
SYNTH_PID=
# A server of its own, no user configuration, outside any tmux we run in.
T() {
	env -u TMUX tmux -L "$SOCK" -f /dev/null "$@"
}
trap 'T kill-server 2>/dev/null; [ -z "$SYNTH_PID" ] || kill $SYNTH_PID 2>/dev/null; rm -rf "$TMP"' EXIT
. "$(dirname "$0")/lib.sh"

# expect CODE PATTERN DESCRIPTION -- command...: exit code, stderr pattern
expect() {
	code=$1 pattern=$2 desc=$3
	shift 4
	"$@" </dev/null >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ "$rc" -eq "$code" ] && grep -q -- "$pattern" "$TMP/err"
	ok $? "$desc (exit $rc, want $code)"
}

"$SYNTH" -o "$TMP/done.data" -n 20000 -v 2 -H 0:50 >/dev/null 2>&1
ok $? "a finished recording: vCPU 0 preempted half the time by hostburn"
"$VMPROFCTL" top -i "$TMP/done.data" -b >"$TMP/batch" 2>"$TMP/err"
r=$?
[ $r -eq 0 ] && [ "$(grep -c '^vmprofctl top:' "$TMP/batch")" -eq 1 ] &&
	grep -q '^vcpu0 .*  (outside: hostburn) ' "$TMP/batch" &&
	! grep -q 'keys:' "$TMP/batch"
ok $? "batch, finished file: one frame, hostburn vcpu0's culprit, no keys (exit $r)"
"$VMPROFCTL" top -i "$TMP/done.data" -b -v culprits >"$TMP/batch"
awk 'f { print; exit } /^ *STEAL MS/ { f = 1 }' "$TMP/batch" | grep -q 'vcpu0   (outside: hostburn)$'
ok $? "batch --view culprits: hostburn on vcpu0 first"
expect 2 "must be a terminal; --batch" "no terminal, no --batch: refused" -- \
	"$VMPROFCTL" top -i "$TMP/done.data"
expect 2 "more than one VM is not supported yet" "--vm all: not yet" -- \
	"$VMPROFCTL" top --vm all -b
expect 2 "need --vm" "-i with a record option" -- \
	"$VMPROFCTL" top -i "$TMP/done.data" -b --host-samples
expect 2 "not standard input" "-i -" -- "$VMPROFCTL" top -i - -b
expect 2 "bad value '0.01' for -d" "-d below 0.1 s" -- \
	"$VMPROFCTL" top -i "$TMP/done.data" -b -d 0.01
expect 2 "bad value 'nope' for --view" "an unknown view" -- \
	"$VMPROFCTL" top -i "$TMP/done.data" -b --view nope
expect 1 "cannot open" "-i of a missing file" -- "$VMPROFCTL" top -b -i "$TMP/missing"
mkfifo "$TMP/fifo"
expect 1 "not a regular file" "-i of a FIFO" -- "$VMPROFCTL" top -b -i "$TMP/fifo"
expect 1 "no such VM" "--vm of no VM" -- "$VMPROFCTL" top -b --vm pid:999999

if ! command -v tmux >/dev/null; then
	ok 1 "tmux is installed (scripts/install-deps.sh)"
	done_tests
fi

# screen PATTERN SECONDS: until the pane shows PATTERN (grep -E), in
# $TMP/screen; on a timeout, the screen as TAP comments.
screen() {
	i=0
	while [ $i -lt $(($2 * 10)) ]; do
		T capture-pane -p >"$TMP/screen" 2>/dev/null
		grep -qE -- "$1" "$TMP/screen" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	sed 's/^/#   | /' "$TMP/screen"
	return 1
}

# The pane's terminal modes: alternate screen, cursor shown, autowrap.
modes() {
	T display -p '#{alternate_on} #{cursor_flag} #{wrap_flag}'
}

# The "A-B s of the recording" of the frame on the screen.
window() {
	T capture-pane -p | sed -n 's/^\([0-9.]*-[0-9.]* s\) of the recording.*/\1/p'
}

# 60 s of two vCPUs, written as the time passes
"$SYNTH" -o "$TMP/live.data" -n 120000 -v 2 -H 0:50 -R >/dev/null 2>&1 &
SYNTH_PID=$!
i=0
while [ ! -s "$TMP/live.data" ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
T new-session -d -x 100 -y 24 "env PS1='top-test\$ ' sh"
screen 'top-test\$' 10
ok $? "a shell in a tmux pane, 100x24"
T send-keys "stty -g >$TMP/stty.before; $VMPROFCTL top -i $TMP/live.data -d 0.5; echo top-exit=\$?; stty -g >$TMP/stty.after" Enter

# a whole window: 0.5 s, five turns of the hog (50 ms in every 100 ms)
screen "of the recording \\(0\\.5 s\\)" 10 &&
	screen "^vcpu0 .*  \\(outside: hostburn\\) " 1
ok $? "the vcpus view names hostburn as vcpu0's top culprit"
steal=$(awk '$1 == "vcpu0" { print $8 }' "$TMP/screen")
awk -v s="$steal" 'BEGIN { exit !(s + 0 >= 40 && s + 0 <= 60) }'
ok $? "vcpu0's steal is about half of its time ($steal%)"
[ "$(modes)" = "1 0 0" ]
ok $? "on the alternate screen, cursor hidden, no wrap ($(modes))"
grep -q '^keys: q quit' "$TMP/screen" && [ "$(sed -n 24p "$TMP/screen" | cut -c1-5)" = "keys:" ]
ok $? "the keys on the last line"
w1=$(window)
sleep 1.5
w2=$(window)
[ -n "$w1" ] && [ -n "$w2" ] && [ "$w1" != "$w2" ]
ok $? "the window moves with the file ($w1, then $w2)"

T send-keys v
screen '^functions view, sorted by samples: rows 1-18 of ' 5
ok $? "v: the functions view, as many rows as fit 24 lines"
T send-keys v
screen '^processes view' 5
ok $? "v: the processes view"
T send-keys Tab
screen '^culprits view, sorted by time' 5 &&
	awk 'f { print; exit } /^ *STEAL MS/ { f = 1 }' "$TMP/screen" |
	grep -q 'vcpu0   (outside: hostburn)$'
ok $? "tab: the culprits view, hostburn on vcpu0 first"
T send-keys s
screen '^culprits view, sorted by vcpu' 5
ok $? "s: sorted by the next key"
T send-keys p
screen '\[paused\]' 5
ok $? "p: paused"
w1=$(window)
sleep 1.5
w2=$(window)
[ -n "$w1" ] && [ "$w1" = "$w2" ]
ok $? "paused: the window stays ($w1, then $w2)"
T send-keys ' '
sleep 1.5
w3=$(window)
T capture-pane -p >"$TMP/screen"
! grep -q '\[paused\]' "$TMP/screen" && [ -n "$w3" ] && [ "$w3" != "$w1" ]
ok $? "space: going again ($w3)"

T send-keys q
screen '^top-exit=0$' 5
ok $? "q: top exits 0"
[ "$(modes)" = "0 1 1" ]
ok $? "q: alternate screen left, cursor shown, wrap on ($(modes))"
sleep 0.3
cmp -s "$TMP/stty.before" "$TMP/stty.after"
ok $? "q: the terminal's stty settings are the shell's again"

# The interactive shell would stop the list at the SIGINT: a shell that
# ignores it reports how top ended.
T send-keys clear Enter
T send-keys "sh -c 'trap \"\" INT; $VMPROFCTL top -i $TMP/live.data; echo top-exit=\$?'" Enter
screen '^vcpus view' 10
T send-keys C-c
screen '^top-exit=130$' 5
ok $? "Ctrl-C: top dies of SIGINT (130)"
[ "$(modes)" = "0 1 1" ]
ok $? "Ctrl-C: the terminal restored ($(modes))"

# A frame every 30 s from now on: what is redrawn sooner, a signal redraws.
T send-keys clear Enter
T send-keys "$VMPROFCTL top -i $TMP/live.data -d 30 -v functions" Enter
screen '^functions view, sorted by samples: rows 1-18 of ' 10
T resize-window -x 70 -y 15
screen '^functions view, sorted by samples: rows 1-9 of ' 5 &&
	[ "$(sed -n 15p "$TMP/screen" | cut -c1-5)" = "keys:" ]
ok $? "SIGWINCH: resized to 70x15, redrawn for 15 lines, keys on the last"
T send-keys C-z
screen 'Stopped' 5 && [ "$(modes)" = "0 1 1" ]
ok $? "Ctrl-Z: stopped, the shell's terminal back ($(modes))"
T send-keys clear Enter fg Enter
screen '^functions view' 5 && [ "$(modes)" = "1 0 0" ]
ok $? "fg: the screen again ($(modes))"
T send-keys q
screen 'top-test\$ ?$' 5 && [ "$(modes)" = "0 1 1" ]
ok $? "fg, q: the terminal restored ($(modes))"

done_tests
