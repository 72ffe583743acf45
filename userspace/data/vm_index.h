/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The index of a recording of every VM (--vm all): a directory of
 * ordinary data files, one per VM, and the text file "index" naming them
 * (docs/data-format.md, "A recording of every VM").
 */
#ifndef VMPROF_VM_INDEX_H
#define VMPROF_VM_INDEX_H

#include "util.h"

#define VM_ALL_INDEX "index"
#define VM_ALL_MAGIC "vmprofctl-vms 1"

/* One VM: its line of the index. */
struct vm_index_ent {
	char file[160];		/* NAME.data, in the directory */
	u32 pid;		/* the VMM's */
	u64 start_ms;		/* its file starts this long after the recording */
	char state[16];		/* recording, exited, stopped, failed */
	char name[128];
	char uuid[64];
};

/* Write @dir/index (through index.tmp, renamed); 0, or -1 (printed). */
int vm_index_write(const char *dir, const struct vm_index_ent *e, size_t n);
/*
 * The VMs of directory @dir, from its index; -1 (printed) when it has
 * none (not a --vm all directory) or it names no file.
 */
int vm_index_read(const char *dir, struct vm_index_ent **ents, size_t *n);

#endif
