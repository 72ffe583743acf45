#!/usr/bin/env bash
# Build bzImage and modules for $KCONFIG from the patched tree, then
# print the bzImage sha256.  With arguments, build those kbuild targets
# instead (scripts/check-deps.sh: "prepare").
. "$(dirname "$0")/lib.sh"

"$(dirname "$0")/kernel-tree.sh"
"$(dirname "$0")/kernel-config.sh"
if [ $# -gt 0 ]; then
	log "building $* ($KCONFIG) in $KOBJ"
	kmake "$@"
	exit 0
fi
log "building the kernel ($KCONFIG) in $KOBJ"
start=$(date +%s)
kmake bzImage modules
log "kernel built in $(( $(date +%s) - start )) s"
sha256sum "$KOBJ/arch/x86/boot/bzImage" | sed "s|$KOBJ/||"
