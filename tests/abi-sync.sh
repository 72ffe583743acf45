#!/usr/bin/env bash
# The userspace copy of the uAPI (include/uapi/kvm_profile.h) must say
# exactly what the patch series adds to include/uapi/linux/kvm.h.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
n=0
fail=0

check() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=$((fail + 1)); fi
}

# Lines the series adds to include/uapi/linux/kvm.h.
series_uapi() {
	awk '/^diff --git a\/include\/uapi\/linux\/kvm.h/ { on = 1; next }
	     /^diff --git/ { on = 0 }
	     on && /^\+/ && !/^\+\+\+/ { print substr($0, 2) }' "$top"/patches/0*.patch
}

copy_uapi() {
	sed -n '/BEGIN KVM_PROFILE UAPI/,/END KVM_PROFILE UAPI/p' \
		"$top/include/uapi/kvm_profile.h" | sed '1d;$d'
}

strip() { grep -v '^[[:space:]]*$' | grep -v '^/\* Available with KVM_CAP_PROFILE \*/$'; }

if ! ls "$top"/patches/0*.patch >/dev/null 2>&1; then
	echo "not ok 1 - patches/ holds the series"
	echo "0 passed, 1 failed"
	exit 1
fi

series_uapi | grep -qx '#define KVM_CAP_PROFILE 239'
check $? "the series defines KVM_CAP_PROFILE 239"
copy_uapi | grep -qx '#define KVM_CAP_PROFILE 239'
check $? "the copy defines KVM_CAP_PROFILE 239"

a=$(series_uapi | grep -vx '#define KVM_CAP_PROFILE 239' | strip)
b=$(copy_uapi | grep -vx '#define KVM_CAP_PROFILE 239' | strip)
rc=0
[ "$a" = "$b" ] || rc=1
[ $rc = 0 ] || diff <(echo "$a") <(echo "$b") | sed 's/^/# /'
check $rc "include/uapi/kvm_profile.h matches the series' kvm.h"

echo "$((n - fail)) passed, $fail failed"
[ "$fail" = 0 ]
