#!/usr/bin/env bash
# Check every patch of the series on its own: checkpatch --strict, and a
# build after each patch with KVM built in and with KVM_INTEL=m KVM_AMD=m
# (KVM_WERROR=y in both), plus KVM_PROFILE=n on the whole series.  The
# selftests build after the last patch.
. "$(dirname "$0")/lib.sh"

"$(dirname "$0")/kernel-tree.sh"
"$(dirname "$0")/kernel-config.sh"

wt=$BUILD_DIR/series/linux
fail=0
pass=0

report() {
	if [ "$1" = 0 ]; then
		pass=$((pass + 1)); echo "ok - $2"
	else
		fail=$((fail + 1)); echo "not ok - $2"
	fi
}

log "checkpatch --strict on every patch"
for p in "$TOP"/patches/0*.patch; do
	case "$p" in *0000-cover-letter.patch) continue ;; esac
	# Outside any git tree: checkpatch consults git about the path it is given.
	out=$(cd / && "$KSRC/scripts/checkpatch.pl" --strict --no-tree -q "$p" 2>&1) || true
	[ -z "$out" ] || echo "$out" | sed 's/^/# /'
	# Errors fail; a warning or check must be justified in the changelog.
	rc=0
	if echo "$out" | grep -q '^ERROR:'; then
		rc=1
	elif echo "$out" | grep -qE '^(WARNING|CHECK):' &&
	     ! grep -q '^checkpatch.pl --strict:' "$p"; then
		rc=1
	fi
	report "$rc" "checkpatch $(basename "$p")"
done

# One object directory per variant, reused across patches so that each
# step rebuilds only what the patch touched.
variant_config() {
	local obj=$1 kvm=$2 profile=$3
	mkdir -p "$obj"
	cp "$KOBJ/.config" "$obj/.config"
	"$KSRC/scripts/config" --file "$obj/.config" \
		--set-val KVM "$kvm" --set-val KVM_INTEL "$kvm" \
		--set-val KVM_AMD "$kvm" --enable KVM_WERROR \
		--set-val KVM_PROFILE "$profile"
	KSRC=$wt KOBJ=$obj kmake -s olddefconfig >/dev/null
}

rm -rf "$wt"
git -C "$KSRC" worktree prune
git -C "$KSRC" worktree add -q --detach -f "$wt" base
# KVM's objects after every patch (what a patch can break), a full
# vmlinux and modules link after the last one.  SERIES_FULL=1 links after
# every patch; SERIES_QUICK=1 links after none (objects only, minutes
# instead of three cold builds).
last=$(git -C "$KSRC" rev-parse HEAD)
for c in $(git -C "$KSRC" rev-list --reverse base..HEAD); do
	targets="arch/x86/kvm/"
	if { [ "$c" = "$last" ] && [ "${SERIES_QUICK:-0}" != 1 ]; } ||
	   [ "${SERIES_FULL:-0}" = 1 ]; then
		targets="vmlinux modules"
	fi
	subject=$(git -C "$KSRC" log -1 --format=%s "$c")
	git -C "$wt" checkout -q "$c"
	for variant in builtin:y:y modules:m:y; do
		IFS=: read -r name kvm profile <<<"$variant"
		obj=$BUILD_DIR/series/obj-$name
		[ -f "$obj/.config" ] || variant_config "$obj" "$kvm" "$profile"
		log "building '$subject' ($name)"
		rc=0
		KSRC=$wt KOBJ=$obj kmake -s $targets >"$obj.log" 2>&1 || rc=$?
		[ $rc = 0 ] || tail -20 "$obj.log" | sed 's/^/# /'
		report $rc "build ($name): $subject"
	done
done
obj=$BUILD_DIR/series/obj-noprofile
[ -f "$obj/.config" ] || variant_config "$obj" y n
rc=0
noprofile_targets=vmlinux
[ "${SERIES_QUICK:-0}" != 1 ] || noprofile_targets=arch/x86/kvm/
KSRC=$wt KOBJ=$obj kmake -s $noprofile_targets >"$obj.log" 2>&1 || rc=$?
[ $rc = 0 ] || tail -20 "$obj.log" | sed 's/^/# /'
report $rc "build (KVM_PROFILE=n): whole series"
git -C "$KSRC" worktree remove --force "$wt"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
