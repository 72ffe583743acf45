#!/usr/bin/env bash
# Boot the patched kernel ($KCONFIG) on an emulated Intel CPU with VMX
# (Debian's bochs, cpu model corei7_icelake_u: VMX, EPT, VPID), run the
# KVM selftests of selftests/kvm-tests.list inside it, and report them as
# TAP ending with "N passed, N failed", parsed like the SVM test bed's
# console (scripts/parse-console.sh).  The QEMU test bed emulates AMD SVM
# only: this is where the series' VMX hook runs.
#
#   VMX_CPUS=1|2        emulated CPUs (default 2; the bochs package has SMP)
#   VMX_ONLY=re[,re]    only the tests whose name matches one (as VMTEST_ONLY)
#   VMX_TIMEOUT=s       the whole run, real time (default 5400)
#   VMX_CONSOLE=file    where the serial console goes
#   --iso-only          make a boot ISO of stand-in files and check bochs,
#                       boot nothing (scripts/check-deps.sh: do the tools
#                       this needs work?)
#
# Facts this relies on (../docs/testbed.md of the team, re-measured):
# Debian builds bochs with its debugger, which stops at a prompt until it
# reads "c"; its only text display, "term", needs a terminal, so bochs
# runs under script(1).  "clock: sync=none" makes guest time follow the
# instruction count: a run is deterministic, and an emulated second costs
# 10-20 real ones.  bochs does not stop when the guest resets or powers
# off, so the run ends when the console says KVMPROF-DONE.
. "$(dirname "$0")/lib.sh"

iso_only=0
[ "${1:-}" = --iso-only ] && iso_only=1
bzimage=$KOBJ/arch/x86/boot/bzImage
[ -f "$bzimage" ] || [ "$iso_only" = 1 ] ||
	die "no kernel at $bzimage: run make kernel first"
command -v bochs >/dev/null || die "bochs is not installed: run make deps"
# The CPU model with VMX and EPT, and the only text display Debian builds.
models=$(bochs-bin -help cpu 2>&1 || true)
grep -qw corei7_icelake_u <<<"$models" ||
	die "this bochs has no corei7_icelake_u CPU model"
ls /usr/lib/*/bochs/plugins/libbx_term_gui.so >/dev/null 2>&1 ||
	die "bochs's term display is not installed (bochs-term): run make deps"
isolinux=/usr/lib/ISOLINUX/isolinux.bin
ldlinux=/usr/lib/syslinux/modules/bios/ldlinux.c32
bios=/usr/share/bochs/BIOS-bochs-latest
vgabios=/usr/share/vgabios/vgabios.bin
for f in "$isolinux" "$ldlinux" "$bios" "$vgabios"; do
	[ -f "$f" ] || die "$f is missing: run make deps"
done

cpus=${VMX_CPUS:-2}
# bochs's corei7_icelake_u model reports CPUID data that the kernel
# warns about at boot, before any code of ours runs:
# - leaf 4 counts more cores than leaf 1 counts logical CPUs, with HT set
#   (WARN in parse_legacy(), arch/x86/kernel/cpu/topology_common.c);
# - leaf 0xd gives PKRU (xfeature 9) an offset below the AVX-512 state's
#   and a size of 0 (WARNs "misordered xstate" and "struct is 8 bytes,
#   cpu state 0 bytes" in fpu__init_system_xstate());
# - with AVX-512 enabled, leaf 0xd's total size is 256 bytes short of the
#   sum of its components' (WARN "XSAVE consistency problem: size 2432 !=
#   kernel_size 2688").
# Clearing HT, PKU and AVX512F before the kernel parses them avoids all
# of them, and none matters to KVM's VMX code; a WARN of any other kind
# still fails the run.
VMX_CPU_QUIRKS=${VMX_CPU_QUIRKS-clearcpuid=ht,pku,avx512f}
total=${VMX_TIMEOUT:-5400}
per_test=${VMX_TEST_TIMEOUT:-1200}
dir=$BUILD_DIR/testbed/$KCONFIG/vmx
log=${VMX_CONSOLE:-$dir/console.log}
mkdir -p "$dir"

# Only the KVM selftests: the components' in-VM tests need the SVM test
# bed's L2 pieces, and every initramfs byte is read through the emulated
# BIOS.
if [ "$iso_only" = 1 ]; then
	bzimage=$dir/stand-in-kernel
	initrd=$dir/stand-in-initrd
	echo "a stand-in for the kernel" >"$bzimage"
	echo "a stand-in for the initramfs" >"$initrd"
else
	initrd=$(INITRAMFS_NAME=vmx INITRAMFS_COMPONENTS="" \
		"$(dirname "$0")/build-initramfs.sh")
fi

# reboot=t: a triple fault, so that bochs stops (see below).
append="$L1_APPEND reboot=t kvmprof.timeout=$per_test $VMX_CPU_QUIRKS ${VMX_APPEND:-}"
[ -n "${VMX_ONLY:-}" ] && append="$append kvmprof.only=$VMX_ONLY"

# An isolinux CD: bochs has no -kernel.
iso_root=$dir/iso
rm -rf "$iso_root"
mkdir -p "$iso_root/isolinux"
cp "$isolinux" "$ldlinux" "$iso_root/isolinux/"
cp "$bzimage" "$iso_root/bzImage"
cp "$initrd" "$iso_root/initrd.gz"
cat >"$iso_root/isolinux/isolinux.cfg" <<EOF
DEFAULT kvmprof
PROMPT 0
TIMEOUT 0
LABEL kvmprof
  KERNEL /bzImage
  INITRD /initrd.gz
  APPEND $append
EOF
xorriso -as mkisofs -quiet -o "$dir/boot.iso" -b isolinux/isolinux.bin \
	-c isolinux/boot.cat -no-emul-boot -boot-load-size 4 \
	-boot-info-table "$iso_root" 2>"$dir/xorriso.log" ||
	die "xorriso failed: $dir/xorriso.log"
if [ "$iso_only" = 1 ]; then
	log "made $dir/boot.iso (--iso-only: not booted)"
	exit 0
fi

# ips: instructions per emulated second.  time0 fixes the RTC, so two
# runs of the same tree see the same clock.
# Named after this run's pid: the runner finds its bochs by this name,
# and pids are unique across chroots (check-fresh runs this in one).
bochsrc=$dir/bochsrc.$$
rm -f "$dir"/bochsrc "$dir"/bochsrc.*
cat >"$bochsrc" <<EOF
megs: 1024
cpu: model=corei7_icelake_u, count=$cpus, ips=20000000, reset_on_triple_fault=0
clock: sync=none, time0=946684800
romimage: file=$bios
vgaromimage: file=$vgabios
ata0-master: type=cdrom, path="$dir/boot.iso", status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev="$log"
display_library: term
log: $dir/bochs.log
panic: action=fatal
# Errors (an unknown MSR read, on every CPU at every boot) wrote 210 MB
# of log in a run; panics are what ends or breaks a run.
error: action=ignore
info: action=ignore
debug: action=ignore
EOF

: >"$log"
log "booting $KCONFIG kernel on emulated VMX: bochs $cpus CPU(s), console $log"
start=$(date +%s)
# A session of its own, so that script and the feeder are stopped in one
# kill (bochs is in script's session, stopped by name below).  "c" answers the debugger's first
# prompt; stdin then stays open and idle.  The feeder is a process
# substitution, which bash does not wait for: the runner ends with bochs.
# shellcheck disable=SC2016 # expanded by the inner shell
setsid bash -c 'TERM=xterm script -qfec "bochs -q -f $2" /dev/null \
	< <(sleep 2; echo c; exec sleep "$1")' _ "$total" \
	"$bochsrc" >"$dir/bochs.out" 2>&1 </dev/null &
runner=$!
# The guest's "reboot -f" ends in a triple fault, which bochs (with
# reset_on_triple_fault=0) takes as a fatal panic: it exits by itself at
# the end of a run (script(1) does not, so watch bochs itself).  Stop it
# earlier only on a kernel panic or timeout.
# script(1) starts bochs in a session of its own: find it by its config.
bochs_running() {
	pgrep -f "^bochs-bin .*-f $bochsrc\$" >/dev/null
}
for _ in $(seq 30); do
	bochs_running && break
	sleep 1
done
# The term display draws on a pseudo-terminal of its own, which bochs
# names in its output ("Bochs connected to screen "/dev/pts/N"") and which
# nothing else opens.  Unread, its buffer fills with screen updates within
# minutes of real time, and bochs then blocks in write() with the guest
# stopped: a run longer than that never ended (two CPUs, where guest time
# costs more real time).  Read and drop what it draws.
screen=$("$(dirname "$0")/bochs-screen.sh" "$dir/bochs.out" 30) || true
[ -c "$screen" ] ||
	die "bochs named no screen terminal in $dir/bochs.out, so nothing would read it"
cat "$screen" >/dev/null 2>&1 &
screen_reader=$!
while bochs_running; do
	grep -q 'Kernel panic - not syncing' "$log" && break
	[ $(( $(date +%s) - start )) -lt "$total" ] || break
	sleep 2
done
# On a panic or timeout bochs still runs, and neither it nor script(1)
# stopped on SIGTERM in the test bed: kill bochs itself.
pkill -KILL -f "^bochs-bin .*-f $bochsrc\$" 2>/dev/null || true
kill -KILL -- -"$runner" 2>/dev/null || true
kill "$screen_reader" 2>/dev/null || true
wait "$runner" 2>/dev/null || true
if grep -q '^KVMPROF-DONE' "$log"; then
	bochs_rc=0
else
	bochs_rc=1
	grep -a -m5 -E 'PANIC|FATAL' "$dir/bochs.log" 2>/dev/null |
		sed 's/^/# bochs: /' >&2 || true
fi
log "bochs ran $(( $(date +%s) - start )) s (rc $bochs_rc)"

exec "$(dirname "$0")/parse-console.sh" "$log" "$bochs_rc"
