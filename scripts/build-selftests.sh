#!/usr/bin/env bash
# Build the KVM selftests of the patched tree, statically linked, into
# $BUILD_DIR/selftests/$KCONFIG: those named as arguments, or all of
# selftests/kvm-tests.list.
. "$(dirname "$0")/lib.sh"

out=$BUILD_DIR/selftests/$KCONFIG
mkdir -p "$out"
kmake -s headers >/dev/null
log "building KVM selftests into $out"
targets=()
if [ $# -gt 0 ]; then
	for t in "$@"; do targets+=("$out/$t"); done
else
	while read -r t _; do
		case "$t" in ''|'#'*) continue ;; esac
		targets+=("$out/$t")
	done <"$TOP/selftests/kvm-tests.list"
fi
make -s -C "$KSRC/tools/testing/selftests/kvm" -j"$JOBS" OUTPUT="$out" \
	CC="ccache gcc" KHDR_INCLUDES="-isystem $KOBJ/usr/include" \
	LDFLAGS=-static "${targets[@]}" >&2
