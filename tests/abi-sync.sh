#!/usr/bin/env bash
# The userspace copy of the uAPI (include/uapi/kvm_profile.h) must say
# exactly what the patch series adds to include/uapi/linux/kvm.h.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
n=0
fail=0

check() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=$((fail + 1)); fi
}

# include/uapi/linux/kvm.h of the pinned source with the series applied.
series_kvm_h() {
	local tarball tmp
	tarball=$("$top/scripts/kernel-source.sh") || return 1
	tmp=$(mktemp -d)
	tar -xJf "$tarball" -C "$tmp" --wildcards '*/include/uapi/linux/kvm.h' || return 1
	mv "$tmp"/*/include "$tmp/include"
	(cd "$tmp" && git apply --include=include/uapi/linux/kvm.h \
		$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' -e "s|^|$top/patches/|" "$top/patches/series")) || return 1
	cat "$tmp/include/uapi/linux/kvm.h"
	rm -rf "$tmp"
}

# The KVM_PROFILE block: from its "Available with" comment to the end.
series_uapi() {
	echo "$kvm_h" | grep -x '#define KVM_CAP_PROFILE 239'
	echo "$kvm_h" | sed -n '/^\/\* Available with KVM_CAP_PROFILE \*\/$/,/^#endif \/\* __LINUX_KVM_H \*\/$/p' | sed '$d'
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

kvm_h=$(series_kvm_h)
check $? "the series applies to the pinned kvm.h"
series_uapi | grep -x '#define KVM_CAP_PROFILE 239' >/dev/null
check $? "the series defines KVM_CAP_PROFILE 239"
copy_uapi | grep -x '#define KVM_CAP_PROFILE 239' >/dev/null
check $? "the copy defines KVM_CAP_PROFILE 239"

a=$(series_uapi | grep -vx '#define KVM_CAP_PROFILE 239' | strip)
b=$(copy_uapi | grep -vx '#define KVM_CAP_PROFILE 239' | strip)
rc=0
[ "$a" = "$b" ] || rc=1
[ $rc = 0 ] || diff <(echo "$a") <(echo "$b") | sed 's/^/# /'
check $rc "include/uapi/kvm_profile.h matches the series' kvm.h"

echo "$((n - fail)) passed, $fail failed"
[ "$fail" = 0 ]
