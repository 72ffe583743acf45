#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Scenario 7 (issue 19, H5): vfork() + _exit().  A one-vCPU L2 guest runs
# vforkexit, which after 20 s spins 50 ms at a time in a page of anonymous
# executable memory and between spins vfork()s a child that renames itself
# "vfchild" and _exit()s, as a shell's child does when a command is not
# found.  The child shares the parent's mm, so for its short life it holds
# the parent's CR3.  No file mapping covers the spin, so the report names
# those samples "[unknown] 0x..." in the module named after the process it
# gives them to: "vforkexit" or "vfchild".  The recording is 36 s (about
# 15 s of vforks, after the agent's first KALLSYMS has crossed the slow
# virtio-serial relay).
#
# The live parent's samples after each child's exit are the parent's: at
# least 300 samples in vforkexit, and those named vfchild under 5 % of the
# two (the child runs microseconds, and the parent is suspended meanwhile;
# giving the exited child the CR3, as before, put every later sample on
# vfchild).
. "$(dirname "$0")/lib.sh"

show_paging
profile_l2 1 vforkexit e2e.wargs=-w:20 36 ||
	bail "L2 guest booted, ran vforkexit and was recorded for 36 s"
ok 0 "L2 guest booted, ran vforkexit and was recorded for 36 s (vmprofctl record --vm pid:$QPID)"
report unified --vcpu 0
cleanup

v=$(awk '/e2e: vforkexit tick/ { v = $NF } END { print v + 0 }' "$L2LOG")
echo "# vforks by the last tick: $v"
check "the guest vfork()ed at least 20 children" test "$v" -ge 20

parent=$(csv_sum "$TMP/unified.csv" "vcpu0 " 5 '^vforkexit$' 2)
child=$(csv_sum "$TMP/unified.csv" "vcpu0 " 5 '^vfchild$' 2)
echo "# spin samples named vforkexit: $parent, vfchild: $child"
check "at least 300 samples of the parent's spin" test "$parent" -ge 300
check "samples given to the exited vfork child under 5% of the spin's" \
	test $((child * 20)) -lt $((parent + child + 1))
finish
