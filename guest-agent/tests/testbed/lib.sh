# SPDX-License-Identifier: GPL-2.0
# Shared helpers of the guest-agent in-VM tests: TAP output, loading
# vmprof_guest.ko, starting processes with known pids.  busybox sh only.

T_N=0
T_FAILED=0
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d /tmp/guest-agent.XXXXXX) || exit 1
KIDS=

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

finish() {
	for k in $KIDS; do
		kill "$k" 2> /dev/null
	done
	rm -rf "$TMP"
	echo "1..$T_N"
	echo "$((T_N - T_FAILED)) passed, $T_FAILED failed"
	[ "$T_FAILED" = 0 ]
}

# Load the module if needed and make sure the device node exists (devtmpfs
# creates it; without devtmpfs, make it from sysfs).
load_module() {
	if ! grep -q '^vmprof_guest ' /proc/modules; then
		insmod "$HERE/vmprof_guest.ko" || return 1
	fi
	if [ ! -c /dev/vmprof_guest ]; then
		dev=$(cat /sys/class/misc/vmprof_guest/dev 2> /dev/null) ||
			return 1
		mknod /dev/vmprof_guest c "${dev%:*}" "${dev#*:}" || return 1
	fi
	return 0
}

# start_sleepers N: N background sleeps; their pids in SLEEPERS.
start_sleepers() {
	SLEEPERS=
	i=0
	while [ $i -lt "$1" ]; do
		sleep 600 &
		SLEEPERS="$SLEEPERS $!"
		KIDS="$KIDS $!"
		i=$((i + 1))
	done
	# Let the children exec (or run the applet) before anyone looks.
	sleep 1
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

# field LINE N: the Nth space-separated field of LINE.
field() {
	echo "$1" | awk -v n="$2" '{ print $n }'
}
