#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Scenario 4: a one-vCPU L2 guest runs exitstorm (CPUID in a loop, or OUTB
# to port 0x80 when the guest kernel has ioperm()).  With host samples on,
# the exits view's top exit reason by host samples is the storm's (SVM
# cpuid 0x72, or ioio 0x7b), with at least half of the host samples in exit
# handling and the most guest samples by last exit; the vCPU's unified view
# names the host functions that handle it, and so does the exits view's
# handler table.
. "$(dirname "$0")/lib.sh"

show_paging
# Which exit the storm makes is known once it runs: l2_ready reads it.
l2_ready() {
	mode=$(sed -n 's/.*exitstorm pid [0-9]* mode \([a-z]*\).*/\1/p' "$L2LOG" | head -n 1)
}
# No guest agent: its start-up (kallsyms, maps) takes page faults, which
# with shadow paging are exits of their own and would crowd the storm's.
profile_l2 1 exitstorm e2e.agent=none 6 --host-samples ||
	bail "L2 guest booted, ran exitstorm and was recorded for 6 s"
ok 0 "L2 guest booted, ran exitstorm and was recorded for 6 s with host samples"
case $mode in
io) want=ioio ;;
*) want=cpuid ;;
esac
echo "# exitstorm mode '$mode': expecting exit reason $want"
report exits
# A CSV holds one table (the exit reasons): the handlers are their own.
vmprofctl report -i "$TMP/vm.data" --view exits --table exit_handlers \
	--format csv > "$TMP/exit_handlers.csv"
report unified --vcpu 0
cleanup

e=$TMP/exits.csv
top=$(awk -F, '$1 == "exit reasons" && $5 + 0 > m { m = $5 + 0; r = $3 } END { print r }' "$e")
check "top exit reason by host samples is $want ($top)" test "$top" = "$want"
pct=$(csv_get "$e" "exit reasons" 3 "$want" 7)
echo "# $want: $pct% of host samples in exit handling"
check "$want holds at least 50% of exit-handling host samples" between "$pct" 50 100
gtop=$(awk -F, '$1 == "exit reasons" && $8 + 0 > m { m = $8 + 0; r = $3 } END { print r }' "$e")
check "top exit reason by guest samples is $want ($gtop)" test "$gtop" = "$want"
# The exits view's handler table: the KVM functions that handled the
# storm's exits, most samples first.
eh=$(awk -F, -v r="$want" '$1 == "exit handlers" && $2 == r { print $5 " (" $4 "%)" }' "$TMP/exit_handlers.csv" |
	head -n 3 | tr '\n' ' ')
echo "# $want handled in: $eh"
check "the exits view names the host functions handling $want" \
	test -n "$(awk -F, -v r="$want" '$1 == "exit handlers" && $2 == r && $5 ~ /svm|kvm|cpuid|emulat|handle/' "$TMP/exit_handlers.csv")"
hf=$(awk -F, 'NR > 1 && index($1, "vcpu0 ") == 1 && $5 !~ /^\[guest|^\(|^\[halt|cpuburn|exitstorm/ &&
	$4 ~ /cpuid|svm_|kvm_|vcpu_run|handle/ { print $4 }' "$TMP/unified.csv" | head -n 5 | tr '\n' ' ')
echo "# host functions on the vCPU thread: $hf"
check "the unified view names KVM host functions on the vCPU thread" test -n "$hf"
finish
