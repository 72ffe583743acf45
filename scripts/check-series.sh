#!/usr/bin/env bash
# Check every patch of the series on its own: checkpatch --strict, and a
# build of KVM after each patch with KVM built in and with KVM=m
# KVM_INTEL=m KVM_AMD=m (KVM_WERROR=y in both); then the whole series
# linked, modules and modpost included, in the three variants (built in,
# modules, KVM_PROFILE=n).
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
	if grep -q '^ERROR:' <<<"$out"; then
		rc=1
	elif grep -qE '^(WARNING|CHECK):' <<<"$out" &&
	     ! grep -q '^checkpatch.pl --strict:' "$p"; then
		rc=1
	fi
	report "$rc" "checkpatch $(basename "$p")"
done

# One object directory per variant, reused across patches so that each
# step rebuilds only what the patch touched; remade when kernel-config/
# changes.
variant_config() {
	local obj=$1 kvm=$2 profile=$3 src=$4
	mkdir -p "$obj"
	cp "$KOBJ/.config" "$obj/.config"
	"$KSRC/scripts/config" --file "$obj/.config" \
		--set-val KVM "$kvm" --set-val KVM_INTEL "$kvm" \
		--set-val KVM_AMD "$kvm" --enable KVM_WERROR \
		--set-val KVM_PROFILE "$profile"
	KSRC=$src KOBJ=$obj kmake -s olddefconfig >/dev/null
	cp "$KOBJ/.config.fragments" "$obj/.config.fragments"
}

variant_stale() {
	! cmp -s "$KOBJ/.config.fragments" "$1/.config.fragments"
}

build() {
	local src=$1 obj=$2 what=$3 rc=0
	shift 3
	KSRC=$src KOBJ=$obj kmake -s "$@" >"$obj.log" 2>&1 || rc=$?
	[ $rc = 0 ] || tail -20 "$obj.log" | sed 's/^/# /'
	report $rc "$what"
}

rm -rf "$wt"
git -C "$KSRC" worktree prune
git -C "$KSRC" worktree add -q --detach -f "$wt" base
# KVM's objects after every patch, with KVM built in and as modules (what
# a patch can break).  SERIES_FULL=1 links vmlinux and modules after every
# patch (three cold builds in the worktree's object directories).
for c in $(git -C "$KSRC" rev-list --reverse base..HEAD); do
	targets="arch/x86/kvm/"
	[ "${SERIES_FULL:-0}" != 1 ] || targets="vmlinux modules"
	subject=$(git -C "$KSRC" log -1 --format=%s "$c")
	git -C "$wt" checkout -q "$c"
	for variant in builtin:y:y modules:m:y; do
		IFS=: read -r name kvm profile <<<"$variant"
		obj=$BUILD_DIR/series/obj-$name
		if [ ! -f "$obj/.config" ] || variant_stale "$obj"; then
			rm -rf "$obj"
			variant_config "$obj" "$kvm" "$profile" "$wt"
		fi
		log "building '$subject' ($name)"
		build "$wt" "$obj" "build ($name): $subject" $targets
	done
done
git -C "$KSRC" worktree remove --force "$wt"

# The whole series linked: vmlinux, modules and modpost (unexported
# symbols, section mismatches) for KVM built in, KVM=m KVM_INTEL=m
# KVM_AMD=m, and KVM_PROFILE=n.  Each variant starts from a copy of the
# test-bed objects of the same tree, so it rebuilds only what depends on
# the symbols it changes (fixdep records per-symbol dependencies) instead
# of a cold build.  SERIES_QUICK=1 skips the links.
if [ "${SERIES_QUICK:-0}" != 1 ]; then
	[ -f "$KOBJ/vmlinux" ] || die "no test-bed build in $KOBJ: run scripts/kernel-build.sh first"
	for variant in builtin:y:y modules:m:y noprofile:y:n; do
		IFS=: read -r name kvm profile <<<"$variant"
		obj=$BUILD_DIR/series/link-$name
		rm -rf "$obj"
		log "linking the whole series ($name), from a copy of $KOBJ"
		cp -a "$KOBJ" "$obj"
		variant_config "$obj" "$kvm" "$profile" "$KSRC"
		KOBJ_MAP=$KOBJ build "$KSRC" "$obj" "link vmlinux + modules + modpost ($name): whole series" \
			vmlinux modules
		if [ "$name" = modules ]; then
			mods=$(find "$obj/arch/x86/kvm" -name '*.ko' -printf '%f\n' | sort | tr '\n' ' ')
			rc=0
			[ "$mods" = "kvm-amd.ko kvm-intel.ko kvm.ko " ] || rc=1
			report $rc "modular build made kvm.ko, kvm-amd.ko and kvm-intel.ko ($mods)"
		fi
		rm -rf "$obj"
	done
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
