# SPDX-License-Identifier: GPL-2.0
# Shared helpers of the e2e scenarios, run in L1 (the test bed) by /init:
# start the L2 guest under QEMU -accel kvm, pin its threads, record it with
# vmprofctl and read numbers out of the reports.  busybox sh only.
#
# L1 pCPU 0 runs QEMU's main and I/O threads and the recorder; pCPU 1 runs
# the vCPU threads (and, in scenario 2, the host hog).  With one pCPU
# online, everything shares pCPU 0.

T_N=0
T_FAILED=0
TMP=$(mktemp -d /tmp/e2e.XXXXXX) || exit 1
L2LOG=$TMP/l2.log
QPID=
KIDS=
# Neighbour VMs (l2_neighbour): their QEMU pids, killed by finish, not by
# cleanup, and their consoles.
NEIGHBOURS=
NEIGHBOUR_LOGS=
VCPU_PCPU=1
grep -q 1 /sys/devices/system/cpu/online 2> /dev/null || VCPU_PCPU=0

ok() {
	T_N=$((T_N + 1))
	if [ "$1" = 0 ]; then
		echo "ok $T_N - $2"
	else
		echo "not ok $T_N - $2"
		T_FAILED=$((T_FAILED + 1))
	fi
}

# check WHAT CMD...: one test point from a command's exit status.
check() {
	what=$1
	shift
	"$@" > /dev/null 2>&1
	ok $? "$what"
}

# between VALUE LO HI: LO <= VALUE <= HI (decimals allowed).
between() {
	awk -v v="$1" -v lo="$2" -v hi="$3" \
		'BEGIN { exit !(v != "" && v + 0 >= lo + 0 && v + 0 <= hi + 0) }'
}

cleanup() {
	for k in $KIDS; do
		kill "$k" 2> /dev/null
	done
	KIDS=
	if [ -n "$QPID" ]; then
		kill "$QPID" 2> /dev/null
		wait "$QPID" 2> /dev/null
		QPID=
	fi
}

# defang: L2's kernel reports are not L1's: defang them for
# scripts/parse-console.sh, which fails a run on any of them.
defang() {
	sed 's/^/L2| /;
		s/Oops/0ops/g; s/WARNING:/WARNING-/g; s/BUG:/BUG-/g;
		s/Call Trace:/Call-Trace/g; s/Kernel panic/Kernel-panic/g;
		s/KASAN/K-ASAN/g; s/locking/lock1ng/g; s/lock state/lock-state/g;
		s/suspicious RCU/suspicious-RCU/g'
}

finish() {
	cleanup
	for k in $NEIGHBOURS; do
		kill "$k" 2> /dev/null
		wait "$k" 2> /dev/null
	done
	NEIGHBOURS=
	if [ "$T_FAILED" != 0 ]; then
		echo "--- L2 console (last 40 lines)"
		tail -n 40 "$L2LOG" 2> /dev/null | defang
		echo "--- QEMU output"
		tail -n 20 "${L2LOG%.log}.qemu.out" 2> /dev/null
		for n in $NEIGHBOUR_LOGS; do
			echo "--- neighbour $n: L2 console (last 10 lines), QEMU output"
			tail -n 10 "$n" 2> /dev/null | defang
			tail -n 5 "${n%.log}.qemu.out" 2> /dev/null
		done
	fi
	rm -rf "$TMP"
	echo "1..$T_N"
	echo "$((T_N - T_FAILED)) passed, $T_FAILED failed"
	[ "$T_FAILED" = 0 ]
}

bail() {
	ok 1 "$1"
	finish
	exit 1
}

# wait_for FILE PATTERN SECONDS: poll until PATTERN shows up in FILE.
wait_for() {
	t=0
	while [ $t -lt $(($3 * 10)) ]; do
		grep -q "$2" "$1" 2> /dev/null && return 0
		sleep 0.1
		t=$((t + 1))
	done
	return 1
}

# show_paging: a TAP comment naming L1 KVM's paging mode for L2.  The e2e
# pass runs on L1's defaults (nested paging), and scenario 1 once more with
# kvm_amd.npt=0 (shadow paging), where KVM_PROFILE takes the guest CR3 from
# KVM, not from the VMCB (scripts/check-e2e.sh).
show_paging() {
	case $(cat /sys/module/kvm_amd/parameters/npt 2> /dev/null) in
	1 | Y) echo "# L1 KVM runs L2 on nested paging (kvm_amd.npt=Y)" ;;
	0 | N) echo "# L1 KVM runs L2 on shadow paging (kvm_amd.npt=N)" ;;
	*) echo "# L1 KVM's paging mode is unknown (no kvm_amd?)" ;;
	esac
}

# l2_start SMP WORK SECS [L2_ARGS]: boot L2 with SMP vCPUs running WORK (see
# e2e/guest/init) for SECS seconds; returns once the workloads run, with
# QEMU's threads on pCPU 0 and its vCPU threads on $VCPU_PCPU.  The agent
# stream leaves the guest on a virtio-serial port; agent-relay carries it
# to vmprofctl's vsock listener.  A boot without E2E-L2-RUNNING within
# L2_BOOT_TIMEOUT seconds per vCPU is killed and L2 booted again, up to
# L2_BOOT_TRIES times, each retry a TAP comment: even with qemu/patches an
# L2 boot under nested TCG stalls now and then before user space (1 of
# about 25 boots on 2026-11-25), before any profiler is attached.
L2_BOOT_TIMEOUT=${L2_BOOT_TIMEOUT:-45}
L2_BOOT_TRIES=${L2_BOOT_TRIES:-3}
l2_start() {
	try=1
	while :; do
		l2_boot "$@" && break
		echo "# L2 boot $try stalled: $(tail -n 1 "$L2LOG" 2> /dev/null)"
		cleanup
		try=$((try + 1))
		[ $try -le "$L2_BOOT_TRIES" ] || return 1
	done
	echo "# L2 running after $(($(date +%s) - l2_boot_start)) s, boot $try (QEMU pid $QPID)"
	taskset -apc 0 "$QPID" > /dev/null || return 1
	i=0
	while [ $i -lt "$1" ]; do
		tid=$(vcpu_tid $i)
		[ -n "$tid" ] || return 1
		taskset -pc $VCPU_PCPU "$tid" > /dev/null || return 1
		i=$((i + 1))
	done
	return 0
}

# L2_NAME: QEMU's -name for the next boot (a neighbour VM passes
# guest=NAME, as libvirt does).  A guest booted with e2e.agent=none gets
# no virtio-serial port and no agent-relay: a relay of a second VM would
# connect to the recorder's vsock listener too.
L2_NAME=${L2_NAME:-e2e-l2}
l2_boot() {
	rm -f "$L2LOG"
	l2_port="-device virtio-serial-pci
		-chardev socket,id=agent,path=$TMP/agent.sock,server=on,wait=off
		-device virtserialport,chardev=agent,name=vmprof"
	case " ${4:-} " in
	*" e2e.agent=none "*) l2_port= ;;
	*) rm -f "$TMP/agent.sock" ;;
	esac
	# $l2_port unquoted: its words (no spaces in $TMP, from mktemp)
	qemu-system-x86_64 -name "$L2_NAME,debug-threads=on" \
		-accel kvm -cpu qemu64 -m 256 -smp "$1" \
		-nodefaults -no-user-config -display none -no-reboot \
		-serial "file:$L2LOG" -L /usr/share/seabios -L /usr/share/qemu \
		-kernel /e2e/bzImage -initrd /e2e/guest.cpio.gz \
		-append "console=ttyS0 panic=-1 quiet e2e.work=$2 e2e.secs=$3 ${4:-}" \
		$l2_port > "${L2LOG%.log}.qemu.out" 2>&1 &
	QPID=$!
	if [ -n "$l2_port" ]; then
		taskset -c 0 agent-relay "$TMP/agent.sock" > "$TMP/relay.out" 2>&1 &
		KIDS="$KIDS $!"
	fi
	l2_boot_start=$(date +%s)
	# Each vCPU of L2 is one more thread on L1's emulated CPUs.
	wait_for "$L2LOG" E2E-L2-RUNNING $((L2_BOOT_TIMEOUT * $1)) || return 1
	# A guest that stalls right after boot stops printing cpuburn3 ticks.
	case $2 in
	*cpuburn3*)
		a=$(ticks)
		sleep 4
		[ $(($(ticks) - a)) -ge 2 ] || return 1
		;;
	esac
	return 0
}

# l2_neighbour NAME WORK [L2_ARGS]: boot a second L2 VM, the neighbour of
# the one a test records: one vCPU running WORK, QEMU's -name guest=NAME
# (libvirt's form), no agent (e2e.agent=none), its console in
# $TMP/l2-NAME.log; with l2_start's retries and pinning, so its vCPU
# thread shares $VCPU_PCPU with the recorded VM's.  Sets NB_QPID and
# NB_LOG; finish stops it, cleanup does not (a retried boot of the
# recorded VM keeps its neighbour, and a retried boot of the neighbour
# leaves the recorded VM alone).
l2_neighbour() {
	n_log=$L2LOG
	n_qpid=$QPID
	n_kids=$KIDS
	n_name=$L2_NAME
	L2LOG=$TMP/l2-$1.log
	L2_NAME=guest=$1
	QPID=
	KIDS=
	l2_start 1 "$2" 300 "e2e.agent=none ${3:-}"
	n_rc=$?
	NB_QPID=$QPID
	NB_LOG=$L2LOG
	[ -z "$QPID" ] || NEIGHBOURS="$NEIGHBOURS $QPID"
	NEIGHBOUR_LOGS="$NEIGHBOUR_LOGS $L2LOG"
	L2LOG=$n_log
	QPID=$n_qpid
	KIDS=$n_kids
	L2_NAME=$n_name
	return $n_rc
}

# l2_ready: a test's hook, run after every L2 boot of profile_l2 (e.g. to
# start a host hog); the test defines its own.
l2_ready() {
	:
}

# profile_l2 SMP WORK L2_ARGS SECONDS [vmprofctl record options]: boot L2
# (l2_start SMP WORK ...), run l2_ready, record it for SECONDS, and keep the
# recording only if the guest lived through it: its QEMU still runs, and
# cpuburn3 workloads ticked (ticks_want); otherwise it fails.  On an L0
# QEMU without qemu/patches an L2 guest takes interrupts with IF=0 and dies
# within seconds (qemu/README.md): L2_RUN_TRIES=N then boots and records
# up to N times, each retry a TAP comment.  The default is one run: with
# the fixed L0 a guest that dies is a failure.
L2_RUN_TRIES=${L2_RUN_TRIES:-1}
profile_l2() {
	p_smp=$1
	p_work=$2
	p_args=$3
	p_secs=$4
	shift 4
	p_nproc=$(echo "$p_work" | tr , '\n' | grep -c cpuburn3)
	p_run=1
	while :; do
		if l2_start "$p_smp" "$p_work" 300 "$p_args"; then
			l2_ready
			if record "$p_secs" "$@" && l2_lived "$p_secs" "$p_nproc"; then
				[ $p_run = 1 ] || echo "# L2 run $p_run lived through the recording"
				return 0
			fi
			echo "# L2 run $p_run: the guest died or stalled during the recording: $(tail -n 1 "$L2LOG" 2> /dev/null)"
		fi
		cleanup
		p_run=$((p_run + 1))
		[ $p_run -le "$L2_RUN_TRIES" ] || return 1
	done
}

# l2_lived SECONDS NPROC: L2's QEMU still runs and, with NPROC cpuburn3
# processes, they ticked at least ticks_want times.
l2_lived() {
	kill -0 "$QPID" 2> /dev/null || return 1
	[ "$2" = 0 ] || [ $(($(ticks) - ticks_before)) -ge $(ticks_want "$1" "$2") ]
}

# ticks_want SECONDS NPROC: the ticks a recording of SECONDS must see from
# NPROC cpuburn3 processes to count as progress: 60 % of one a second each.
ticks_want() {
	echo $(($1 * $2 * 6 / 10))
}

# ticks: cpuburn3 tick lines (one per second per process) on the L2 console.
ticks() {
	grep -c 'cpuburn3 tick' "$L2LOG" 2> /dev/null
}

# check_alive SECONDS NPROC: the guest's cpuburn3 processes kept ticking
# during a recording of SECONDS (at least ticks_want times).
check_alive() {
	n=$(($(ticks) - ticks_before))
	a_want=$(ticks_want "$1" "$2")
	echo "# cpuburn3 ticks during the recording: $n (want >= $a_want)"
	check "the guest made progress during the recording" test "$n" -ge "$a_want"
}

# vcpu_tid N [PID]: the thread of vCPU N of the L2 QEMU (or of QEMU PID).
vcpu_tid() {
	for t in /proc/"${2:-$QPID}"/task/*; do
		if [ "$(cat "$t/comm" 2> /dev/null)" = "CPU $1/KVM" ]; then
			echo "${t##*/}"
			return 0
		fi
	done
	return 1
}

# vcpu_runtimes: "ns0 ns1 ...", the time each vCPU thread of L2 has run
# on L1 so far (the first field of its schedstat), vCPU 0 first, then
# those of the neighbour VMs (l2_neighbour) in the order they booted.
vcpu_runtimes() {
	for p in "$QPID" $NEIGHBOURS; do
		i=0
		while tid=$(vcpu_tid $i "$p"); do
			printf '%s ' "$(cut -d' ' -f1 /proc/"$p"/task/"$tid"/schedstat)"
			i=$((i + 1))
		done
	done
	echo
}

# run_delay_pct TXT N: vCPU N's runqueue wait in % of wall by the kernel's
# counter (run_delay in the sched records; the summary of the steal view).
run_delay_pct() {
	steal_header "$1" "$2" | sed -n 's/.*run_delay [0-9.]* ms (\([0-9.]*\)%.*/\1/p'
}

# steal_header TXT N: vCPU N's line under its title in the steal view's
# text: "steal T ms (P% of wall), halt ...; run_delay T ms (P%); unknown
# P% of steal".
steal_header() {
	awk -v t="vcpu$2 " 'index($0, t) == 1 { f = 1; next }
		f && /run_delay/ { print; exit }' "$1"
}

# steal_pct CSV N: vCPU N's steal, all culprits, in % of wall (steal view):
# the runqueue waits, not the host's interrupt work while the vCPU ran
# (classes softirq and irq), which is in no run_delay.
steal_pct() {
	awk -F, -v t="vcpu$2 " 'index($1, t) == 1 && index($2, "[steal]") == 1 &&
		$7 != "softirq" && $7 != "irq" {
		s += $5 } END { printf "%.2f\n", s }' "$1"
}

# run_share N: vCPU N's share (%) of the time L1 ran L2's vCPU threads
# during the last recording, from their schedstat: the scheduler's
# account, against which the profiler's steal is checked.  N counts on
# past the recorded VM's vCPUs into its neighbours' (vcpu_runtimes).
run_share() {
	echo "$runtimes_before" "$runtimes_after" | awk -v n="$1" '{
		k = NF / 2
		for (i = 1; i <= k; i++) {
			d[i] = $(i + k) - $i
			s += d[i]
		}
		if (s > 0 && n + 1 <= k)
			printf "%.2f\n", 100 * d[n + 1] / s
	}'
}

# near A B TOL: A and B are numbers within TOL of each other.
near() {
	test -n "$1" && test -n "$2" &&
		awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; exit !(d * d <= t * t) }'
}

# check_unknown_steal N: the steal view (report steal, made before) names a
# culprit for at least 99% of vCPU N's steal (issue 17, item 2): the share
# left unknown, from the vCPU's "unknown P% of steal" line, is below 1%.
check_unknown_steal() {
	u_pct=$(steal_header "$TMP/steal.txt" "$1" |
		sed -n 's/.* unknown \([0-9.]*\)% of steal.*/\1/p')
	echo "# vcpu$1: unknown $u_pct% of steal"
	check "vcpu$1: unknown < 1% of steal (${u_pct:-no steal line}%)" \
		awk -v u="$u_pct" 'BEGIN { exit !(u != "" && u + 0 < 1) }'
}

# check_run_delay N [LABEL]: vCPU N's steal is the kernel's run_delay.
check_run_delay() {
	c_steal=$(steal_pct "$TMP/steal.csv" "$1")
	c_delay=$(run_delay_pct "$TMP/steal.txt" "$1")
	echo "# ${2:-}vcpu$1: steal $c_steal% of wall, run_delay $c_delay% (kernel)"
	check "${2:-}vcpu$1: steal within 5 points of its run_delay" \
		near "$c_steal" "$c_delay" 5
}

# trace_mark TEXT: a line in L1's trace, when a scenario traces (it sets
# TRACE_MARKS): record() marks the recording's begin and end with it, so
# that traced events can be summed over the recording alone.
trace_mark() {
	[ -z "${TRACE_MARKS:-}" ] || echo "$1" > /sys/kernel/tracing/trace_marker
}

# RECORD_TRIES: the recordings record_again_while makes at most.
RECORD_TRIES=${RECORD_TRIES:-3}

# lost_records: why the last recording cannot be checked, if records were
# lost; nothing otherwise.
lost_records() {
	[ "$(record_lost)" = 0 ] || echo "$(record_lost) records lost"
}

# even_split: L1 ran each of two vCPU threads 35-65 % of their time
# together (run_share 0 and 1: a VM's two, or its one and its neighbour's).
even_split() {
	between "$(run_share 0)" 35 65 && between "$(run_share 1)" 35 65
}

# uneven_or_lost: as lost_records, and also when L1 did not split the pCPU
# evenly (even_split).
uneven_or_lost() {
	even_split ||
		echo "L1 ran the vCPU threads $(run_share 0)/$(run_share 1) (schedstat)"
	lost_records
}

# record_again_while WHY SECONDS: while the function WHY names a reason,
# record again, up to RECORD_TRIES recordings in all.
record_again_while() {
	try=1
	while why=$($1) && [ -n "$why" ] && [ $try -lt "$RECORD_TRIES" ]; do
		# $why unquoted: its reasons on one line
		echo "# recording $try:" $why": recording again"
		try=$((try + 1))
		record "$2" || return 1
	done
}

# record SECONDS [vmprofctl options]: record the L2 VM into $TMP/vm.data
# from pCPU 0, with the vCPU threads' run times before and after, between
# trace marks (trace_mark).  The buffer is 1 MiB per pCPU, more than a 6 s
# recording writes: a CI run lost 1184 records with 256 KiB when L1's
# pCPU 0 did not run the collector for about 2 s, and steal checks need
# every sched record.
record() {
	d=$1
	shift
	ticks_before=$(ticks)
	runtimes_before=$(vcpu_runtimes)
	trace_mark e2e-begin
	taskset -c 0 vmprofctl record --vm pid:"$QPID" --duration "$d" \
		--buffer-pages 256 -o "$TMP/vm.data" "$@" > "$TMP/record.out" 2>&1
	rc=$?
	trace_mark e2e-end
	runtimes_after=$(vcpu_runtimes)
	sed 's/^/record: /' "$TMP/record.out"
	sed 's/^/relay: /' "$TMP/relay.out" 2> /dev/null
	grep 'agent' "$L2LOG" | sed 's/^/L2: /'
	return $rc
}

# record_lost: the records the last recording lost (its summary line).
record_lost() {
	sed -n 's/.* records, \([0-9]*\) lost,.*/\1/p' "$TMP/record.out" | tail -n 1
}

# report VIEW [options]: the report as text (shown) and csv ($TMP/VIEW.csv).
report() {
	v=$1
	shift
	vmprofctl report -i "$TMP/vm.data" --view "$v" "$@" --top 15 > "$TMP/$v.txt" 2>&1
	echo "E2E-REPORT-BEGIN $v"
	cat "$TMP/$v.txt"
	echo "E2E-REPORT-END $v"
	vmprofctl report -i "$TMP/vm.data" --view "$v" "$@" --format csv > "$TMP/$v.csv"
}

# csv_get FILE TABLE_PREFIX KEYCOL KEY VALCOL: the VALCOL field of the first
# row whose table starts with TABLE_PREFIX and whose KEYCOL field is KEY.
csv_get() {
	awk -F, -v t="$2" -v kc="$3" -v k="$4" -v vc="$5" \
		'index($1, t) == 1 && $kc == k { print $vc; exit }' "$1"
}

# csv_sum FILE TABLE_PREFIX KEYCOL REGEX VALCOL: sum of VALCOL over rows of
# TABLE_PREFIX whose KEYCOL matches REGEX.
csv_sum() {
	awk -F, -v t="$2" -v kc="$3" -v re="$4" -v vc="$5" \
		'index($1, t) == 1 && $kc ~ re { s += $vc } END { print s + 0 }' "$1"
}

# check_breakdown VCPU [LABEL]: the breakdown view (report breakdown, made
# before) of vCPU VCPU: its rows as TAP comments, and their time summed
# within 1% of its wall (the text header's "wall N ms"), and their %Wall
# summed within 99-101.  CSV: table, state, detail, time_ms, wall_pct,
# samples, source.
check_breakdown() {
	awk -F, -v t="vcpu$1" '$1 == t { printf "# %s breakdown: %s%s%s %s ms (%s%%), %s%s\n",
		t, $2, $3 != "" ? " " : "", $3, $4, $5, $7,
		$6 + 0 ? " by " $6 " samples" : "" }' "$TMP/breakdown.csv"
	head=$(awk -v t="vcpu$1" '$0 == t { f = 1; next } f && /^wall / { print; exit }' \
		"$TMP/breakdown.txt")
	echo "# vcpu$1 breakdown: $head"
	wall=$(echo "$head" | awk '{ print $2 }')
	sum=$(awk -F, -v t="vcpu$1" '$1 == t { s += $4 } END { printf "%.3f", s }' \
		"$TMP/breakdown.csv")
	pct=$(awk -F, -v t="vcpu$1" '$1 == t { s += $5 } END { printf "%.2f", s }' \
		"$TMP/breakdown.csv")
	check "$2vcpu$1: breakdown rows sum $sum ms, within 1% of wall ${wall:-?} ms" \
		awk -v s="$sum" -v w="$wall" 'BEGIN { d = s - w; if (d < 0) d = -d
			exit !(w + 0 > 0 && d <= w / 100) }'
	check "$2vcpu$1: breakdown %Wall sums to $pct, 99-101" between "$pct" 99 101
}

# split VCPU FIELD: from the unified text report, vCPU VCPU's share (no %)
# in its "OS:USER:steal:halt:host = a%:b%:c%:d%:e%" line; FIELD 1..5.
split() {
	awk -v v="vcpu$1 " -v f="$2" '
		index($0, v) == 1 { want = 1; next }
		want && /^Total samples:/ {
			s = $NF
			gsub(/%/, "", s)
			split(s, p, ":")
			print p[f]
			exit
		}' "$TMP/unified.txt"
}

# vcpu_total VCPU: the "Total samples" count of vCPU VCPU (unified view).
vcpu_total() {
	awk -v v="vcpu$1 " '
		index($0, v) == 1 { want = 1; next }
		want && /^Total samples:/ {
			sub(/^Total samples:/, "")
			print $1 + 0
			exit
		}' "$TMP/unified.txt"
}

# burn_shares VCPU: the samples of burn50, burn30, burn20 in vCPU VCPU's
# unified table, as "N50 N30 N20" (0 when a row is missing).
burn_shares() {
	for f in burn50 burn30 burn20; do
		s=$(csv_get "$TMP/unified.csv" "vcpu$1 " 4 $f 2)
		printf '%s ' "${s:-0}"
	done
	echo
}

# check_split VCPU TOL: burn50 > burn30 > burn20 samples, each share of
# their sum within TOL points of 50/30/20.
check_split() {
	set -- $1 $2 $(burn_shares $1)
	echo "# vcpu$1: burn50 $3, burn30 $4, burn20 $5 samples"
	test $(($3 + $4 + $5)) -gt 0 &&
		test "$3" -gt "$4" && test "$4" -gt "$5"
	ok $? "vcpu$1: burn50 > burn30 > burn20 in samples"
	awk -v a="$3" -v b="$4" -v c="$5" -v tol="$2" 'BEGIN {
		s = a + b + c
		if (!s)
			exit 1
		pa = 100 * a / s; pb = 100 * b / s; pc = 100 * c / s
		printf "# vcpu shares of the three: %.1f/%.1f/%.1f (want 50/30/20 +-%d)\n", pa, pb, pc, tol
		d1 = pa - 50; d2 = pb - 30; d3 = pc - 20
		exit !(d1 * d1 <= tol * tol && d2 * d2 <= tol * tol && d3 * d3 <= tol * tol)
	}'
	ok $? "vcpu$1: split 50/30/20 within $2 points"
}

# artifact NAME FILE: FILE, as NAME, to the host.  The test bed's second
# serial port (ttyS1) goes to a file beside the console (scripts/vmtest.sh):
# each call appends one gzipped tar stream there, which the host unpacks
# with tar -xiz; the console stays for the log.  Fails (1) without the port.
artifact() {
	[ -c /dev/ttyS1 ] && stty -F /dev/ttyS1 raw -echo 2> /dev/null || return 1
	mkdir -p "$TMP/artifact" &&
		cp "$2" "$TMP/artifact/$1" &&
		tar -cf - -C "$TMP/artifact" "$1" | gzip > "$TMP/artifact.tgz" &&
		cat "$TMP/artifact.tgz" > /dev/ttyS1
	rc=$?
	rm -rf "$TMP/artifact" "$TMP/artifact.tgz"
	return $rc
}
