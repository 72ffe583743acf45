#!/usr/bin/env bash
# Make $KSRC a git tree of the pinned source (commit tagged "base") with
# patches/ applied by git am, and check that the quilt series file yields
# the same tree.  Idempotent: does nothing when the series is already
# applied.  Refuses to discard commits a developer made on top of the
# series unless FORCE=1 (export them first: scripts/export-patches.sh).
. "$(dirname "$0")/lib.sh"

patches=$TOP/patches
stamp=$BUILD_DIR/src/applied.stamp

series_files() {
	[ -f "$patches/series" ] || return 0
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$patches/series"
}

series_hash() {
	{ series_files | while read -r p; do
		cat "$patches/$p"; done; } | sha256sum | cut -d' ' -f1
}

make_base() {
	local tarball tmp mtime
	tarball=$("$(dirname "$0")/kernel-source.sh")
	log "unpacking $tarball into $KSRC"
	rm -rf "$KSRC" "$KSRC.tmp"
	mkdir -p "$KSRC.tmp"
	tar -C "$KSRC.tmp" -xf "$tarball"
	tmp=$(find "$KSRC.tmp" -mindepth 1 -maxdepth 1 -type d)
	[ -f "$tmp/Makefile" ] || die "$tarball does not hold a kernel tree"
	mv "$tmp" "$KSRC"
	rmdir "$KSRC.tmp"
	mtime=$(stat -c %Y "$KSRC/Makefile")
	log "creating the base commit"
	git -C "$KSRC" init -q -b master
	# No automatic gc: the first "git am" after the 80k-file base commit
	# would spend minutes of a cold build packing objects.
	git -C "$KSRC" config gc.auto 0
	git -C "$KSRC" add -A -f .
	GIT_AUTHOR_DATE="@$mtime +0000" GIT_COMMITTER_DATE="@$mtime +0000" \
	GIT_AUTHOR_NAME=kvmprof GIT_AUTHOR_EMAIL=kvmprof@localhost \
	GIT_COMMITTER_NAME=kvmprof GIT_COMMITTER_EMAIL=kvmprof@localhost \
		git -C "$KSRC" commit -q -m "Linux $(make -s -C "$KSRC" kernelversion) ($KERNEL_PKG $KERNEL_PKG_VERSION)"
	git -C "$KSRC" tag -f base >/dev/null
	git -C "$KSRC" config user.name "kvmprof developers"
	git -C "$KSRC" config user.email dev@kvmprof.invalid
}

apply_series() {
	local p
	git -C "$KSRC" am --abort >/dev/null 2>&1 || true
	git -C "$KSRC" reset -q --hard base
	git -C "$KSRC" clean -q -fdx
	for p in $(series_files); do
		[ -f "$patches/$p" ] || die "series names $p, which is not in patches/"
		git -C "$KSRC" -c user.name=kvmprof -c user.email=kvmprof@localhost \
			am -q --keep-cr "$patches/$p" ||
			die "$p does not apply to the pinned base (see git -C $KSRC am --show-current-patch)"
	done
}

# The quilt series, applied with git apply to a scratch index (no checkout),
# must produce exactly the tree git am produced.
check_quilt_series() {
	local idx p tree
	idx=$(mktemp)
	rm -f "$idx"
	GIT_INDEX_FILE=$idx git -C "$KSRC" read-tree base
	for p in $(series_files); do
		GIT_INDEX_FILE=$idx git -C "$KSRC" apply --cached -p1 "$patches/$p" ||
			die "quilt series: $p does not apply"
	done
	tree=$(GIT_INDEX_FILE=$idx git -C "$KSRC" write-tree)
	rm -f "$idx"
	[ "$tree" = "$(git -C "$KSRC" rev-parse 'HEAD^{tree}')" ] ||
		die "quilt series and git am give different trees"
}

mkdir -p "$BUILD_DIR/src"
if [ "${1:-}" = --mark-synced ]; then
	printf '%s\n%s\n' "$(series_hash)" "$(git -C "$KSRC" rev-parse HEAD)" >"$stamp"
	exit 0
fi
if ! git -C "$KSRC" rev-parse -q --verify base >/dev/null 2>&1; then
	make_base
	rm -f "$stamp"
fi

want=$(series_hash)
if [ -f "$stamp" ] && [ "$(sed -n 1p "$stamp")" = "$want" ]; then
	if [ "$(sed -n 2p "$stamp")" = "$(git -C "$KSRC" rev-parse HEAD)" ]; then
		exit 0
	fi
	[ "${FORCE:-0}" = 1 ] || die "$KSRC has commits that are not in patches/.
Export them with scripts/export-patches.sh, or rerun with FORCE=1 to drop them."
elif [ -f "$stamp" ] && [ "$(sed -n 2p "$stamp")" != "$(git -C "$KSRC" rev-parse HEAD)" ] &&
	[ "${FORCE:-0}" != 1 ]; then
	die "$KSRC has commits that are not in patches/ and patches/ changed too.
Rerun with FORCE=1 to reset the tree to patches/."
fi

log "applying $(series_files | wc -l) patches"
apply_series
check_quilt_series
printf '%s\n%s\n' "$want" "$(git -C "$KSRC" rev-parse HEAD)" >"$stamp"
