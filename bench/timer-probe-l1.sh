#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-L1 half of "BENCH_L1=timer-probe bench/overhead.sh" (installed as
# /tests/bench/timer-probe.t): where the samples a rate asks for go.  A
# one-vCPU L2 guest runs cpuburn3 with its vCPU thread alone on pCPU 1;
# vmprofctl records it for 5 s at 1 kHz and at 10 kHz while ftrace
# records, on pCPU 1 only, the expiries and restarts of the cpu-clock
# hrtimers (perf_swevent_hrtimer) and KVM_PROFILE's sample tracepoint.
# Per rate it prints (lines "# probe ...", which bench/overhead.sh
# repeats): the expiries and the samples on pCPU 1 against the periods
# that passed; how many periods lay between consecutive expiries (perf
# forwards a late cpu-clock timer past every period it missed, so 2
# means a sample stands for two periods); how late each expiry ran after
# the expiry its restart set.  TAP: every expiry on pCPU 1 gave a sample
# (at least 99%: KVM_PROFILE's handler drops none of the VM's), and
# ftrace lost no event.  busybox sh only.
. /tests/e2e/lib.sh

T=/sys/kernel/tracing
SECONDS_REC=5

show_paging
l2_start 1 cpuburn3 3600 "e2e.agent=none e2e.wargs=-i:1" ||
	bail "L2 guest booted and runs cpuburn3"
ok 0 "L2 guest booted and runs cpuburn3 (QEMU pid $QPID)"
sleep 2
grep -q " $T " /proc/mounts || mount -t tracefs nodev $T ||
	bail "tracefs mounted on $T"
echo 2 > $T/tracing_cpumask
echo 16384 > $T/buffer_size_kb
for e in timer/hrtimer_expire_entry timer/hrtimer_start kvm/kvm_profile_sample; do
	echo 1 > $T/events/$e/enable || bail "trace event $e"
done

for hz in 1000 10000; do
	period_us=$((1000000 / hz))
	echo 0 > $T/tracing_on
	echo > $T/trace
	echo 1 > $T/tracing_on
	taskset -c 0 vmprofctl record --vm pid:"$QPID" --no-agent -F $hz \
		--buffer-pages 256 -d $SECONDS_REC -o "$TMP/b.data" > "$TMP/rec.out" 2>&1
	echo 0 > $T/tracing_on
	cat $T/per_cpu/cpu1/trace > "$TMP/t.txt"
	overrun=$(sed -n 's/^overrun: //p' $T/per_cpu/cpu1/stats)
	expiries=$(grep -c 'hrtimer_expire_entry:.*function=perf_swevent_hrtimer' "$TMP/t.txt")
	samples=$(grep -c 'kvm_profile_sample:' "$TMP/t.txt")
	echo "# probe $hz Hz: $(tail -n 1 "$TMP/rec.out")"
	echo "# probe $hz Hz, pCPU 1, $SECONDS_REC s: $expiries cpu-clock expiries and $samples samples for $((hz * SECONDS_REC)) periods"
	sed -n 's/.*hrtimer_expire_entry:.*function=perf_swevent_hrtimer now=\([0-9]*\).*/\1/p' "$TMP/t.txt" |
		awk -v p=$period_us -v hz=$hz '
			NR > 1 { d = ($1 - prev) / 1000; k = int(d / p + 0.5); n++; s += d
				if (k > 4) k = "5+"; h[k]++ }
			{ prev = $1 }
			END {
				if (!n) exit
				printf "# probe %d Hz: periods between expiries:", hz
				split("0 1 2 3 4 5+", o, " ")
				for (i = 1; i <= 6; i++)
					printf " %s: %.1f%%", o[i], 100 * h[o[i]] / n
				printf "; mean %.1f us for %d us\n", s / n, p
			}'
	awk -v hz=$hz '
		/hrtimer_start:.*function=perf_swevent_hrtimer/ {
			match($0, /hrtimer=[^ ]*/); t = substr($0, RSTART, RLENGTH)
			match($0, /softexpires=[0-9]*/); se[t] = substr($0, RSTART + 12, RLENGTH - 12) }
		/hrtimer_expire_entry:.*function=perf_swevent_hrtimer/ {
			match($0, /hrtimer=[^ ]*/); t = substr($0, RSTART, RLENGTH)
			match($0, /now=[0-9]*/); now = substr($0, RSTART + 4, RLENGTH - 4)
			if (t in se) { l = (now - se[t]) / 1000; n++; s += l; if (l > m) m = l } }
		END { if (n) printf "# probe %d Hz: expiries ran %.1f us late on average, %.1f us at most\n", hz, s / n, m }' "$TMP/t.txt"
	check "$hz Hz: ftrace lost no event on pCPU 1 (overrun ${overrun:-?})" \
		test "${overrun:-1}" = 0
	check "$hz Hz: every cpu-clock expiry on pCPU 1 gave a sample ($samples of $expiries)" \
		awk -v s="$samples" -v e="$expiries" 'BEGIN { exit !(e > 0 && s >= 0.99 * e) }'
done
for e in timer/hrtimer_expire_entry timer/hrtimer_start kvm/kvm_profile_sample; do
	echo 0 > $T/events/$e/enable
done
cleanup
finish
