#!/usr/bin/env bash
# make check-fresh: the newcomer's path, end to end.  In a pristine
# Debian 12 root (scripts/pristine.sh), as root: install what the README
# says a minimal system lacks, clone the current HEAD, then run the
# README's two commands exactly as its first code block writes them.
# Prints TAP, the time each command took and the time to the demo's
# first report.  It builds everything cold (the kernel, the L0 QEMU) and
# then runs every test: about an hour on 2 cores, so it is not part of
# make check (scripts/check-deps.sh is its cheap part there).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pristine.sh"
. "$(dirname "$0")/suite.sh"
# Each step's failure is a test point, not the end of the run.
set +e

root=$PRISTINE_DIR/check-fresh-root
logs=$PRISTINE_DIR/check-fresh-logs
rm -rf "$logs"
mkdir -p "$logs"
trap 'pristine_remove "$root"' EXIT

# The README's commands: the "apt-get update && apt-get install" it
# names as the prerequisite, and the
# commands of the first ```sh block, comments dropped.
readme=$TOP/README.md
prereq=$(grep -o '`apt-get update && apt-get install [^`]*`' "$readme" | sed -n '1s/`//gp')
mapfile -t commands < <(awk '/^```sh$/ { inb = 1; next } inb && /^```/ { exit }
	inb { sub(/ *#.*/, ""); if ($0 != "") print }' "$readme")
[ -n "$prereq" ] || die "README.md has no 'apt-get update && apt-get install ...' line"
[ "${#commands[@]}" = 2 ] || die "README.md's first sh block should hold two commands, has ${#commands[@]}"

# A clone of HEAD, as a newcomer's clone of main would be.
bundle=$PRISTINE_DIR/head.bundle
git -C "$TOP" bundle create "$bundle" HEAD 2>/dev/null ||
	die "git bundle of HEAD failed"

t0=$(date +%s)
pristine_unpack "$root"
tap_check $? "a pristine Debian 12 root (debootstrap --variant=minbase)" "$PRISTINE_DIR/debootstrap.log"
cp "$bundle" "$root/root/head.bundle"

pristine_run "$root" "$prereq" >"$logs/prereq.log" 2>&1
tap_check $? "the README's prerequisites: $prereq" "$logs/prereq.log"
pristine_run "$root" "cd /root && git clone -q head.bundle kvmprof" >"$logs/clone.log" 2>&1
tap_check $? "a clean clone of HEAD ($(git -C "$TOP" rev-parse --short HEAD))" "$logs/clone.log"

# run_logged NAME COMMAND: COMMAND in the clone; every line of its output
# stamped with the seconds since it started, in $logs/NAME.log.
run_logged() {
	local start=$(date +%s)
	pristine_run "$root" "cd /root/kvmprof && $2" 2>&1 |
		while IFS= read -r line; do
			printf '[+%ds] %s\n' "$(( $(date +%s) - start ))" "$line"
		done >"$logs/$1.log"
	return "${PIPESTATUS[0]}"
}

for cmd in "${commands[@]}"; do
	name=${cmd// /-}
	s=$(date +%s)
	run_logged "$name" "$cmd"
	rc=$?
	took=$(( $(date +%s) - s ))
	extra=""
	if [ "$cmd" = "make demo" ]; then
		first=$(sed -n 's/^\[+\([0-9]*\)s\] === unified report.*/\1/p' "$logs/$name.log" | sed -n 1p)
		extra=", first report after ${first:-?} s"
	fi
	summary=$(grep -E '^\[\+[0-9]+s\] [0-9]+ passed, [0-9]+ failed$' "$logs/$name.log" | tail -n 1 | cut -d' ' -f2-)
	[ -n "$summary" ] && extra="$extra, $summary"
	tap_check "$rc" "README: $cmd (exit $rc, $took s$extra)" "$logs/$name.log"
done

echo "# newcomer's path took $(( $(date +%s) - t0 )) s in all; logs in $logs"
tap_done
