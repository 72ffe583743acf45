#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Scenario 13 (issue 17, item 1: the softirq class): a one-vCPU L2 guest
# running cpuburn3, its vCPU thread on L1's pCPU $VCPU_PCPU, while
# udpflood on L1's other pCPU sends UDP datagrams to 127.0.0.1 with the
# loopback device's RPS mask set to the vCPU's pCPU.  Each datagram's
# NET_RX work then runs on that pCPU after an IPI wakes it, in whatever
# task holds it: mostly the vCPU thread, the rest in ksoftirqd.  The
# scheduler charges the vCPU thread's part to the vCPU as running, so it
# is in no run_delay and no steal interval; KVM flags the samples that
# interrupted it (KVM_PROFILE_S_HOST_SOFTIRQ).
#
# The truth is L1's own trace of every softirq on that pCPU
# (irq:softirq_entry and softirq_exit, between the trace_marker lines
# that record() writes around the recording): the time spent in them in
# the vCPU thread's context.  /proc/stat's softirq column is no truth here: its ticks come
# in step with the IPIs that start the softirqs (QEMU TCG runs L1's two
# CPUs in turn, and both interrupts wait for the same turn), and it said
# 72% where the trace said a few.  vCPU 0's reports must:
#
# - name it: the steal view's [steal] (softirq) row and the breakdown's
#   "steal softirq" count the same flagged samples;
# - at least 20 of them;
# - the breakdown's time for it (those samples' share of the time the
#   vCPU ran) at least a tenth of the traced time.  No upper bound: the
#   test bed overstates it.  QEMU TCG runs L1's CPUs in turn, so the
#   sampling timer expires while the vCPU's pCPU waits for its turn,
#   and fires when it gets it, with the IPI that starts a softirq: the
#   IPI's vector is taken first, and the sample, with every period it
#   missed, lands in the NET_RX softirq that the IPI's exit runs in
#   vcpu_enter_guest()'s IRQ window.  Six runs on 2026-11-30 said
#   62.93% to 87.43% of wall against 4.73% to 22.09% traced.  On
#   hardware the timer fires on time.  (Before KVM counted a sample in a
#   softirq of that window as the host's, the same samples were charged
#   to the guest, and the share was 0.20 to 1.57 times the traced one.)
# - leave under 1% of its steal unknown; and the breakdown adds up to
#   wall time.
# Run it alone with: VMTEST_ONLY=e2e/47- scripts/vmtest.sh
. "$(dirname "$0")/lib.sh"

OTHER_PCPU=$((1 - VCPU_PCPU))
RPS=/sys/class/net/lo/queues/rx-0/rps_cpus
T=/sys/kernel/tracing
# record() marks the recording's begin and end in the trace (lib.sh).
TRACE_MARKS=1

netrx() {
	awk -v c=$((VCPU_PCPU + 2)) '$1 == "NET_RX:" { print $c }' /proc/softirqs
}

# trace_softirqs: from now on, every softirq entry and exit of each pCPU.
trace_softirqs() {
	echo 0 > $T/tracing_on &&
		echo 8192 > $T/buffer_size_kb &&
		echo > $T/trace &&
		echo 'irq:softirq_entry irq:softirq_exit' > $T/set_event &&
		echo 1 > $T/tracing_on
}

# softirq_ms TID: "MS WINDOW_MS RUNS": the time the vCPU's pCPU spent in
# softirqs while TID held it and how many softirq runs made it, between
# the markers "e2e-begin" and "e2e-end" (written from any pCPU), and the
# time between them.  A line
# of the merged trace is "COMM-PID [CPU] FLAGS TIME: EVENT: ...", COMM
# with spaces allowed.
softirq_ms() {
	awk -v tid="$1" -v cpu="$(printf '[%03d]' "$VCPU_PCPU")" '
	function ts(  i) {
		for (i = 1; i <= NF; i++)
			if ($i ~ /^[0-9]+\.[0-9]+:$/)
				return substr($i, 1, length($i) - 1) + 0
	}
	function who(  s) {
		s = substr($0, 1, index($0, "[") - 1)
		sub(/ +$/, "", s)
		sub(/^.*-/, "", s)
		return s
	}
	/tracing_mark_write: e2e-begin/ { on = 1; t0 = ts(); s = 0; n = 0; next }
	/tracing_mark_write: e2e-end/ { on = 0; t1 = ts(); next }
	!on || index($0, cpu) == 0 { next }
	/ softirq_entry: / { start = ts(); mine = who() == tid; n += mine; next }
	/ softirq_exit: / && start && mine { s += ts() - start; start = 0 }
	END { if (t1 > t0) printf "%.3f %.3f %d\n", s * 1000, (t1 - t0) * 1000, n }
	' $T/trace
}

show_paging
ip link set lo up || bail "the loopback device is up"
printf '%x\n' $((1 << VCPU_PCPU)) > "$RPS" || bail "RPS steers lo to pCPU $VCPU_PCPU"
trace_softirqs || bail "tracing softirq_entry and softirq_exit"
l2_ready() {
	taskset -c $OTHER_PCPU udpflood -d 0 > /dev/null &
	KIDS="$KIDS $!"
	sleep 1
	netrx_before=$(netrx)
	echo 0 > $T/tracing_on
	echo > $T/trace
	echo 1 > $T/tracing_on
}
profile_l2 1 cpuburn3 e2e.wargs=-i:1 6 ||
	bail "L2 guest booted, ran cpuburn3 and was recorded for 6 s with lo's NET_RX on its pCPU"
echo 0 > $T/tracing_on
netrx_after=$(netrx)
tid=$(vcpu_tid 0)
ok 0 "L2 guest booted, ran cpuburn3 and was recorded for 6 s with lo's NET_RX steered to pCPU $VCPU_PCPU"
report steal --vcpu 0
report breakdown --vcpu 0
check_alive 6 1
traced=$(softirq_ms "$tid")
cleanup
echo 0 > "$RPS"
echo > $T/set_event

echo "# NET_RX softirqs on pCPU $VCPU_PCPU: $netrx_before -> $netrx_after"
check "udpflood's NET_RX ran on pCPU $VCPU_PCPU (RPS)" \
	test $((netrx_after - netrx_before)) -gt 1000
# The steal table's CSV: culprit, intervals, time_ms, wall_pct,
# samples_eq, class, identity after the table's title; the breakdown's:
# table, state, detail, time_ms, wall_pct, samples, source.
soft_n=$(awk -F, 'index($1, "vcpu0 ") == 1 && $7 == "softirq" { s += $6 }
	END { print s + 0 }' "$TMP/steal.csv")
bd=$(csv_get "$TMP/breakdown.csv" vcpu0 3 softirq 5)
bd_n=$(csv_get "$TMP/breakdown.csv" vcpu0 3 softirq 6)
truth=$(echo "$traced" | awk '$2 > 0 { printf "%.2f", 100 * $1 / $2 }')
echo "# vcpu0: softirq ${bd:-none}% of wall by the breakdown ($bd_n samples; the steal view's row $soft_n); traced on pCPU $VCPU_PCPU in its thread (tid $tid): $(echo "$traced" | awk '{ printf "%s ms of %s in %s softirq runs", $1, $2, $3 }'), $truth% of the recording"
check "vcpu0: the steal view's [steal] (softirq) row and the breakdown's steal softirq count the same samples ($soft_n, $bd_n)" \
	test "$soft_n" -gt 0 -a "$soft_n" = "${bd_n:-0}"
check "vcpu0: at least 20 samples in host softirq ($soft_n)" test "$soft_n" -ge 20
check "vcpu0: steal softirq (${bd:-none}%) at least a tenth of the traced softirq time ($truth%)" \
	awk -v s="$bd" -v t="$truth" 'BEGIN { exit !(t > 0 && s >= t / 10) }'
check_unknown_steal 0
check_breakdown 0
finish
