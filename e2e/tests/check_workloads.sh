#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Native checks of the e2e workloads: they run, print what the scenarios
# parse, are static, and carry the symbols the reports must name.
# Usage: check_workloads.sh OUTDIR
out=$1
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

res=$("$out/cpuburn3" -d 0.5 -u 2000)
echo "$res" | grep -q '^cpuburn3 pid [0-9]* split 5/3/2$'
ok $? "cpuburn3 prints its pid and split"
echo "$res" | awk '/rounds/ { exit !($4 > 0 && $8 > 0) } END { if (!NR) exit 1 }'
ok $? "cpuburn3 -d prints rounds and a positive rate"
"$out/cpuburn3" -s 1/2 > /dev/null 2>&1
test $? = 2
ok $? "cpuburn3 rejects a bad split with exit 2"
res=$("$out/cpuburn3" -d 0.5 -u 2000 -w 10/10)
echo "$res" | awk '/rounds/ { exit !($4 > 0) } END { if (!NR) exit 1 }'
ok $? "cpuburn3 -w 10/10 burns and sleeps, and prints its rounds"
"$out/cpuburn3" -w 10 > /dev/null 2>&1
test $? = 2
ok $? "cpuburn3 rejects a -w without a sleep with exit 2"
for f in burn50 burn30 burn20; do
	nm "$out/cpuburn3" | grep -q " T $f\$"
	ok $? "cpuburn3 has a global function $f"
done
res=$("$out/exitstorm" -d 0.3 -m cpuid)
echo "$res" | grep -q '^exitstorm pid [0-9]* mode cpuid$'
ok $? "exitstorm -m cpuid prints its pid and mode"
echo "$res" | awk '/ops/ { exit !($7 > 0) } END { if (!NR) exit 1 }'
ok $? "exitstorm counts its operations"
"$out/exitstorm" -m bogus > /dev/null 2>&1
test $? = 2
ok $? "exitstorm rejects an unknown mode with exit 2"
res=$("$out/udpflood" -d 0.3)
echo "$res" | grep -q '^udpflood pid [0-9]* bytes 1024$'
ok $? "udpflood prints its pid and datagram size"
echo "$res" | awk '/datagrams/ { exit !($5 > 0) } END { if (!NR) exit 1 }'
ok $? "udpflood sends datagrams over the loopback device and counts them"
"$out/udpflood" -s 0 > /dev/null 2>&1
test $? = 2
ok $? "udpflood rejects a size of 0 with exit 2"
res=$("$out/vforkexit" -d 1 -t 20)
echo "$res" | awk '/vforks/ { v = $NF } END { exit !(v > 0) }'
ok $? "vforkexit vfork()s children and counts them"
a=$(nm "$out/reuse_a" | awk '$3 == "work_of_A" { print $1 }')
b=$(nm "$out/reuse_b" | awk '$3 == "work_of_B" { print $1 }')
test -n "$a" -a "$a" = "$b"
ok $? "reuse_a's work_of_A and reuse_b's work_of_B share an address ($a)"
"$out/reuse_a" -t 50
ok $? "reuse_a spins and exits 0"
res=$("$out/cr3reuse" -d 0.1 -t 10 2>&1)
echo "$res" | grep -q '^cr3reuse round 1$'
ok $? "cr3reuse starts a round (its children are in the guest's /usr/bin)"
for p in cpuburn3 exitstorm cr3reuse vforkexit udpflood reuse_a reuse_b; do
	! readelf -l "$out/$p" | grep -q INTERP
	ok $? "$p is statically linked"
done
echo "1..$n"
echo "$((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
