#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Scenario 10 (issue 17, item 4): every VM of the host in one recording.
# Two L2 VMs, each one vCPU running cpuburn3, both vCPU threads pinned to
# L1 pCPU 1 so that they take turns: "l2b" (the neighbour of scenario 9,
# l2_neighbour) and "l2a" (QEMU -name guest=l2a), both without the agent
# (with --vm all the recorder only dials agents, and these guests have no
# vsock).  "vmprofctl record --vm all" for 6 s writes a directory with one
# data file per VM and an index; "report -i DIR" (the vms view) must show:
#
# - the index: exactly the two VMs, l2a.data and l2b.data, both stopped;
# - the vms table: each VM as one row (kind vm) with guest samples;
# - the steal matrix: l2a lost 35-65 % of its wall to l2b (class vm,
#   recorded yes), and l2b 35-65 % of its wall to l2a; each within 10
#   points of the share L1 ran the other's vCPU thread of the two threads'
#   time (schedstat, the truth the pinning injects);
# - each file still one VM's recording: l2a.data's steal view names
#   "(vm l2b vcpu0)" as scenario 9 does;
# - no records lost; both guests made progress.
#
# As in scenarios 3 and 9, a recording in which schedstat shows L1
# splitting the pCPU outside 35-65, or that lost records, is made again
# (up to RECORD_TRIES, each a TAP comment); the checks run on the last.
# Memory: L1 has 2048 MB (scripts/vmtest.sh); each L2 -m 256.
# Run it alone with: VMTEST_ONLY=e2e/36- scripts/vmtest.sh
. "$(dirname "$0")/lib.sh"

D=$TMP/host.vms

# nb_ticks: cpuburn3 tick lines on the neighbour's console.
nb_ticks() {
	grep -c 'cpuburn3 tick' "$NB_LOG" 2> /dev/null
}

# record_all SECONDS: record every VM into $D from pCPU 0, with the vCPU
# threads' run times before and after (run_share).
record_all() {
	ticks_before=$(ticks)
	nb_before=$(nb_ticks)
	runtimes_before=$(vcpu_runtimes)
	taskset -c 0 vmprofctl record --vm all --duration "$1" \
		--buffer-pages 256 -o "$D" > "$TMP/record.out" 2>&1
	rc=$?
	runtimes_after=$(vcpu_runtimes)
	sed 's/^/record: /' "$TMP/record.out"
	return $rc
}

# all_lost: records lost by the recording of every VM (its last line).
all_lost() {
	sed -n 's/.* records, \([0-9]*\) lost,.*/\1/p' "$TMP/record.out" | tail -n 1
}

# uneven_or_lost_all: why the last recording cannot be checked, if so.
uneven_or_lost_all() {
	even_split ||
		echo "L1 ran the vCPU threads $(run_share 0)/$(run_share 1) (schedstat)"
	[ "$(all_lost)" = 0 ] || echo "$(all_lost) records lost"
}

# cell VICTIM CULPRIT COL: a field of the steal matrix's CSV row (victim,
# culprit after the table's title: 2, 3; class 4, time_ms 5, wall_pct 6,
# intervals 7, recorded 8).
cell() {
	awk -F, -v v="$1" -v c="$2" -v k="$3" \
		'NR > 1 && $2 == v && $3 == c { print $k; exit }' "$TMP/matrix.csv"
}

show_paging
l2_neighbour l2b cpuburn3 e2e.wargs=-i:1 ||
	bail "L2 guest B (l2b) booted and ran cpuburn3"
ok 0 "L2 guest B (l2b) booted and ran cpuburn3, its vCPU thread $(vcpu_tid 0 "$NB_QPID") on pCPU $VCPU_PCPU"
L2_NAME=guest=l2a
l2_start 1 cpuburn3 300 "e2e.wargs=-i:1 e2e.agent=none" ||
	bail "L2 guest A (l2a) booted and ran cpuburn3"
ok 0 "L2 guest A (l2a) booted and ran cpuburn3, its vCPU thread $(vcpu_tid 0) on pCPU $VCPU_PCPU"
record_all 6 || bail "vmprofctl record --vm all for 6 s"
try=1
while why=$(uneven_or_lost_all) && [ -n "$why" ] && [ $try -lt "$RECORD_TRIES" ]; do
	echo "# recording $try:" $why": recording again"
	try=$((try + 1))
	record_all 6 || bail "vmprofctl record --vm all for 6 s, again"
done
ok 0 "record --vm all recorded both VMs for 6 s"
echo "# L1 memory with both L2 guests running:" \
	"$(awk '/^MemTotal|^MemAvailable/ { printf "%s %d MB ", $1, $2 / 1024 }' /proc/meminfo)"
check "no records lost ($(all_lost))" test "$(all_lost)" = 0
check_alive 6 1
n=$(($(nb_ticks) - nb_before))
check "the neighbour l2b made progress ($n ticks)" test "$n" -ge "$(ticks_want 6 1)"
a_share=$(run_share 0)
b_share=$(run_share 1)
cleanup

echo "# index:"
sed 's/^/#   /' "$D/index"
check "the directory holds l2a.data, l2b.data and the index" \
	test -s "$D/l2a.data" -a -s "$D/l2b.data" -a -s "$D/index"
vms=$(awk -F'\t' 'NR > 1 && !/^#/ { print $1 ":" $4 }' "$D/index" | sort | tr '\n' ' ')
check "the index names exactly the two VMs, both stopped ($vms)" \
	test "$vms" = "l2a.data:stopped l2b.data:stopped "

vmprofctl report -i "$D" --top 15 > "$TMP/vms.txt" 2>&1
echo "E2E-REPORT-BEGIN vms"
cat "$TMP/vms.txt"
echo "E2E-REPORT-END vms"
vmprofctl report -i "$D" -f csv --table vms > "$TMP/vms.csv"
vmprofctl report -i "$D" -f csv --table steal_matrix > "$TMP/matrix.csv"
for vm in l2a l2b; do
	s=$(awk -F, -v v="$vm" 'NR > 1 && $4 == "vm" && $5 == v { print $2; exit }' "$TMP/vms.csv")
	check "vms: $vm is one row, with guest samples ($s)" test "${s:-0}" -gt 0
done

ab=$(cell l2a l2b 6)
ba=$(cell l2b l2a 6)
echo "# matrix: l2a lost $ab% of wall to l2b, l2b $ba% to l2a; L1 ran l2a's vCPU thread $a_share%, l2b's $b_share% of the two threads' time (schedstat)"
check "matrix: l2a's steal by l2b is class vm, a recorded VM ($(cell l2a l2b 4), $(cell l2a l2b 8))" \
	test "$(cell l2a l2b 4):$(cell l2a l2b 8)" = "vm:yes"
check "matrix: l2b's steal by l2a is class vm, a recorded VM ($(cell l2b l2a 4), $(cell l2b l2a 8))" \
	test "$(cell l2b l2a 4):$(cell l2b l2a 8)" = "vm:yes"
check "matrix: l2a lost 35-65% of wall to l2b ($ab)" between "$ab" 35 65
check "matrix: l2b lost 35-65% of wall to l2a ($ba)" between "$ba" 35 65
check "matrix: l2a's loss to l2b within 10 points of l2b's run share" \
	near "$ab" "$b_share" 10
check "matrix: l2b's loss to l2a within 10 points of l2a's run share" \
	near "$ba" "$a_share" 10
for vm in l2a l2b; do
	u=$(awk -F, -v v="$vm" 'NR > 1 && $2 == v && $4 == "unknown" { s += $6 } END { printf "%.2f", s }' "$TMP/matrix.csv")
	all=$(awk -F, -v v="$vm" 'NR > 1 && $2 == v { s += $6 } END { printf "%.2f", s }' "$TMP/matrix.csv")
	us=$(awk -v u="$u" -v a="$all" 'BEGIN { printf "%.2f", (a > 0 ? 100 * u / a : 100) }')
	echo "# $vm: unknown $u% of wall in the matrix, of its steal $all%"
	check "matrix: $vm: unknown < 1% of its steal ($us%)" \
		awk -v u="$us" 'BEGIN { exit !(u != "" && u + 0 < 1) }'
done

# Each file is one VM's recording, reported as before.
vmprofctl report -i "$D/l2a.data" --view steal --format csv > "$TMP/steal.csv"
nb=$(awk -F, 'index($1, "vcpu0 ") == 1 && $7 == "vm" && $8 == "l2b vcpu0" {
	print $2; exit }' "$TMP/steal.csv")
check "l2a.data alone: its steal view names (vm l2b vcpu0) ($nb)" \
	test "$nb" = "[steal] (vm l2b vcpu0)"
check "the recording sent to the host" artifact scenario10-l2a.data "$D/l2a.data"
check "the neighbour's file sent to the host" artifact scenario10-l2b.data "$D/l2b.data"
finish
