#!/usr/bin/env bash
# Overhead of KVM_PROFILE sampling on a CPU-bound guest, side by side with
# perf, in the test bed (issue 7).  L1 = the patched kernel under QEMU TCG
# (nested paging), L2 = the e2e guest running cpuburn3 on one vCPU.  See
# bench/overhead-l1.sh for what is measured.  Everything runs under
# emulation: the ratios compare the two samplers on this test bed, they are
# not hardware figures.
#
#   bench/overhead.sh                     # 5 rounds of 8 s windows (about 6 min)
#   BENCH_ITERS=3 BENCH_WINDOW=4 bench/overhead.sh
#   BENCH_L1=timer-probe bench/overhead.sh   # the sampling timer under emulation (2 min)
#   BENCH_NEIGHBOUR=1 bench/overhead.sh      # the cost to a second, unprofiled guest
#
# Needs the kernel built (make kernel), the selftests (make selftests) and
# Debian's linux-perf (installed here with apt when missing).  The test-bed
# initramfs is scripts/build-initramfs.sh's plus a second cpio with perf,
# its libraries and the in-L1 script; the kernel unpacks both.
. "$(dirname "$0")/../scripts/lib.sh"

iters=${BENCH_ITERS:-5}
window=${BENCH_WINDOW:-8}
# BENCH_L1=timer-probe runs bench/timer-probe-l1.sh in L1 instead (what the
# sampling hrtimer does under emulation); the default is overhead-l1.sh.
l1=${BENCH_L1:-overhead}
# BENCH_NEIGHBOUR=1: the throughput of a second L2 guest that no one
# profiles, alone on pCPU 1 (bench/overhead-l1.sh).
neighbour=${BENCH_NEIGHBOUR:-0}
[ "$neighbour" = 1 ] && BENCH_APPEND="${BENCH_APPEND:-} bench.neighbour=1"
[ -f "$TOP/bench/$l1-l1.sh" ] || die "no bench/$l1-l1.sh"
out=$BUILD_DIR/bench/$l1
bzimage=$KOBJ/arch/x86/boot/bzImage
[ -f "$bzimage" ] || die "no kernel at $bzimage: run make kernel first"

perf=
for p in /usr/bin/perf_* /usr/bin/perf; do
	if [ -x "$p" ] && [[ $(file -L "$p") == *ELF* ]]; then
		perf=$p
		break
	fi
done
if [ -z "$perf" ]; then
	log "installing linux-perf"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q linux-perf >&2
	for p in /usr/bin/perf_* /usr/bin/perf; do
		[ -x "$p" ] && [[ $(file -L "$p") == *ELF* ]] && { perf=$p; break; }
	done
fi
[ -n "$perf" ] || die "no perf binary"

log "building the test-bed initramfs"
initrd=$("$TOP/scripts/build-initramfs.sh")
mkdir -p "$out"
rm -rf "$out/extra"
mkdir -p "$out/extra/usr/bin" "$out/extra/tests/bench"
install -m 755 "$perf" "$out/extra/usr/bin/perf"
ldd "$perf" | awk '/=> \// { print $3 } /^\t\// { print $1 }' | while read -r lib; do
	install -D -m 755 "$(readlink -f "$lib")" "$out/extra$lib"
done
install -m 755 "$TOP/bench/$l1-l1.sh" "$out/extra/tests/bench/$l1.t"
(cd "$out/extra" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --reproducible --quiet) | gzip -1 -n >"$out/extra.cpio.gz"
cat "$initrd" "$out/extra.cpio.gz" >"$out/initrd.cpio.gz"

# Each window: W s + recorder start/stop; 5 per round, plus L2 boots
# (about one per two windows, 20-60 s each).
total=$(( (iters * 5 + 1) * (window + 45) + 300 ))
l1_qemu "${VMTEST_MEM:-2048}"
log "booting the test bed: $iters rounds x 5 windows of $window s (up to $total s)"
start=$(date +%s)
set +e
timeout --foreground -k 10 "$total" nice -n 10 "${L1_QEMU[@]}" \
	-kernel "$bzimage" -initrd "$out/initrd.cpio.gz" \
	-append "$L1_APPEND kvmprof.timeout=$total ${BENCH_APPEND:-} kvmprof.only=bench/ bench.window=$window bench.iters=$iters" \
	</dev/null >"$out/console.log" 2>&1
qemu_rc=$?
set -e
log "QEMU exited with $qemu_rc after $(( $(date +%s) - start )) s (console: $out/console.log)"
tr -d '\r' <"$out/console.log" | sed -n 's/^# \(# \(window\|probe\) .*\)/\1/p'
if [ "$l1" = overhead ]; then
	measured="guest cpuburn3 throughput"
	[ "$neighbour" = 1 ] &&
		measured="cpuburn3 throughput of a neighbour guest that is not profiled"
	echo "KVM_PROFILE (vmprofctl record) vs perf record -e cpu-clock -a, $measured, under emulation:"
fi
tr -d '\r' <"$out/console.log" | awk '/BENCH-RESULTS-BEGIN/ { p = 1; next } /BENCH-RESULTS-END/ { p = 0 }
	p { sub(/^# /, ""); print }'
exec "$TOP/scripts/parse-console.sh" "$out/console.log" "$qemu_rc"
