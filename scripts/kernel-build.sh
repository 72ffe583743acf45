#!/usr/bin/env bash
# Build bzImage, modules and the KVM selftests for $KCONFIG from the
# patched tree, then print the bzImage sha256.
. "$(dirname "$0")/lib.sh"

"$(dirname "$0")/kernel-tree.sh"
"$(dirname "$0")/kernel-config.sh"
log "building the kernel ($KCONFIG) in $KOBJ"
start=$(date +%s)
kmake bzImage modules
log "kernel built in $(( $(date +%s) - start )) s"
sha256sum "$KOBJ/arch/x86/boot/bzImage" | sed "s|$KOBJ/||"
