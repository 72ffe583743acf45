#!/usr/bin/env bash
# Build the KVM selftests of the patched tree, statically linked, into
# $BUILD_DIR/selftests/$KCONFIG.
. "$(dirname "$0")/lib.sh"

out=$BUILD_DIR/selftests/$KCONFIG
mkdir -p "$out"
kmake -s headers >/dev/null
log "building KVM selftests into $out"
targets=()
while read -r t; do
	case "$t" in ''|'#'*) continue ;; esac
	targets+=("$out/$t")
done <"$TOP/selftests/kvm-tests.list"
make -s -C "$KSRC/tools/testing/selftests/kvm" -j"$JOBS" OUTPUT="$out" \
	CC="ccache gcc" KHDR_INCLUDES="-isystem $KOBJ/usr/include" \
	LDFLAGS=-static "${targets[@]}" >&2
