#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Scenario 1: a one-vCPU L2 guest runs cpuburn3 (50/30/20 % of its work in
# burn50/burn30/burn20) on an idle host (pCPU 1 has only the vCPU thread).
# The unified view of vCPU 0 names the process (module column) and its three
# functions in that order, with shares of their sum within 10 points of
# 50/30/20, the three together at least 40 % of the vCPU's samples, and
# steal below 5 % of wall time.
. "$(dirname "$0")/lib.sh"

show_paging
profile_l2 1 cpuburn3 e2e.wargs=-i:1 6 ||
	bail "L2 guest booted, ran cpuburn3 and was recorded for 6 s"
ok 0 "L2 guest booted, ran cpuburn3 and was recorded for 6 s (vmprofctl record --vm pid:$QPID)"
report unified --vcpu 0
report steal --vcpu 0
check_alive 6 1
cleanup

total=$(vcpu_total 0)
echo "# vcpu0 total samples: $total"
check "vcpu0 has at least 2000 samples" test "${total:-0}" -ge 2000
mod=$(csv_get "$TMP/unified.csv" "vcpu0 " 4 burn50 5)
echo "# burn50 module: $mod"
check "burn50 is attributed to the cpuburn3 process" \
	sh -c "echo '$mod' | grep -q cpuburn3"
check_split 0 10
set -- $(burn_shares 0)
check "the three functions hold at least 40% of vcpu0's samples" \
	test $((100 * ($1 + $2 + $3))) -ge $((40 * ${total:-1}))
steal=$(split 0 3)
echo "# vcpu0 steal: $steal%"
check "vcpu0 steal below 5% (idle host)" between "$steal" 0 5
finish
