#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Scenario 11 (issue 17): the guest's own limit.  As scenario 1 (one
# vCPU, cpuburn3, nothing else on its pCPU), but L2's QEMU runs in a cgroup
# with a CPU quota of half a CPU (cpu.max "50000 100000").  The vCPU
# thread wants all of its pCPU, gets half, and waits the other half with
# the pCPU idle: no task took it, the quota did.  From vcpu0's steal table:
#
# - "[steal] (throttled (cgroup /kvmprof-quota))", class throttled, 35-65 %
#   of wall and the biggest culprit;
# - its share within 10 points of the time the cgroup's cpu.stat says it
#   was throttled during the recording (the truth this scenario injects);
# - vcpu0's steal within 5 points of its run_delay (the kernel's count);
# - the share of steal left unknown below 1 %;
# - the guest split stays 50/30/20 within 10 points.
. "$(dirname "$0")/lib.sh"

CG=/sys/fs/cgroup/kvmprof-quota

# cg_throttled_us: the cgroup's throttled time so far (cpu.stat).
cg_throttled_us() {
	awk '$1 == "throttled_usec" { print $2 }' "$CG/cpu.stat"
}

# uptime_cs: L1's uptime in hundredths of a second.
uptime_cs() {
	awk '{ split($1, a, "."); print a[1] * 100 + a[2] }' /proc/uptime
}

show_paging
grep -q '^0::' /proc/self/cgroup ||
	bail "cgroup2 is mounted on /sys/fs/cgroup (L1's /init mounts it)"
echo +cpu > /sys/fs/cgroup/cgroup.subtree_control 2> /dev/null
mkdir -p "$CG" && echo "50000 100000" > "$CG/cpu.max" ||
	bail "a cgroup with cpu.max 50000 100000 (CONFIG_CFS_BANDWIDTH)"
ok 0 "cgroup $CG: cpu.max $(cat "$CG/cpu.max")"

l2_ready() {
	# All of QEMU: cgroup v2 moves processes, not single threads.
	echo "$QPID" > "$CG/cgroup.procs"
	sleep 1
	thr_before=$(cg_throttled_us)
	up_before=$(uptime_cs)
}
profile_l2 1 cpuburn3 e2e.wargs=-i:1 6 ||
	bail "L2 guest booted in $CG, ran cpuburn3 and was recorded for 6 s"
thr_after=$(cg_throttled_us)
up_after=$(uptime_cs)
ok 0 "L2 guest booted, ran cpuburn3 in $CG and was recorded for 6 s"
report unified --vcpu 0
report steal --vcpu 0
check_alive 6 1
cleanup
rmdir "$CG" 2> /dev/null

truth=$(awk -v t0="$thr_before" -v t1="$thr_after" -v u0="$up_before" -v u1="$up_after" \
	'BEGIN { if (u1 > u0) printf "%.2f", (t1 - t0) / 1e4 / (u1 - u0) * 100 }')
echo "# cgroup throttled $truth% of the time around the recording (cpu.stat)"
# The steal table's CSV: culprit, intervals, time_ms, wall_pct, samples_eq,
# class, identity after the table's title.
thr=$(awk -F, 'index($1, "vcpu0 ") == 1 && $7 == "throttled" { print $2; exit }' \
	"$TMP/steal.csv")
out=$(csv_get "$TMP/steal.csv" "vcpu0 " 2 "$thr" 5)
echo "# $thr: $out% of wall"
check "class throttled, naming the quota's cgroup ($thr)" \
	test -n "$(echo "$thr" | grep -F 'kvmprof-quota')"
check "[steal] (throttled (cgroup ...)) 35-65% of wall" between "$out" 35 65
check "throttled within 10 points of the cgroup's throttled time" \
	near "$out" "$truth" 10
top=$(awk -F, 'NR > 1 && index($1, "vcpu0 ") == 1 && $5 + 0 > m { m = $5 + 0; c = $2 }
	END { print c }' "$TMP/steal.csv")
check "the quota is vcpu0's biggest culprit ($top)" test -n "$thr" -a "$top" = "$thr"
check_run_delay 0
check_unknown_steal 0
check_split 0 10
check "the recording sent to the host" artifact scenario11-quota.data "$TMP/vm.data"
finish
