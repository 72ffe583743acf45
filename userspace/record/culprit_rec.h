/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the recorder stores to name steal culprits by class: each host task
 * a record names, looked up when first seen (TASK chunks), and the vCPU
 * threads' cgroup throttling counters (THROTTLE chunks).
 */
#ifndef VMPROF_CULPRIT_REC_H
#define VMPROF_CULPRIT_REC_H

#include "datafile.h"
#include "throttle.h"
#include "vm_find.h"

/* Distinct host threads looked up per recording, at most. */
#define CULPRIT_MAX_TASKS 65536

struct culprit_rec {
	bool on;
	char root[512];		/* "" on a host; a fake tree in the tests */
	u32 *own_tids;		/* the recorded VM's vCPU threads: not looked up */
	u32 nown;
	u32 *seen;		/* open addressing, 0 empty; tid 0 is never kept */
	size_t nseen, capseen;
	bool full;		/* CULPRIT_MAX_TASKS reached (warned) */
	struct buf pending;	/* TASK entries not written yet */
	struct throttle_src *src;
	size_t nsrc;
};

void culprit_rec_init(struct culprit_rec *r, const char *root,
		      const struct vm_info *vm);
/* Look up the new host threads of whole kernel records @p. */
void culprit_rec_scan(struct culprit_rec *r, const u8 *p, size_t len, u64 now);
/*
 * Look up host thread @tid of process @pid (0: unknown) named by a record
 * or a switch (@comm: its comm as recorded, "" if none), once.
 */
void culprit_rec_note(struct culprit_rec *r, u32 pid, u32 tid,
		      const char *comm, u64 now);
/* Write the pending TASK entries, before the records that named them. */
int culprit_rec_flush(struct culprit_rec *r, struct df_writer *w);
/* Read the cgroups' cpu.stat now and write it as a THROTTLE chunk. */
int culprit_rec_tick(struct culprit_rec *r, struct df_writer *w, u64 now);
void culprit_rec_free(struct culprit_rec *r);

#endif
