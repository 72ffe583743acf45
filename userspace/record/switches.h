/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host scheduler's context switches on the pCPUs the vCPU threads may
 * run on (perf CPU-wide switch records), stored as SWITCH chunks: who held
 * a pCPU while a vCPU thread waited outside KVM_RUN, where KVM writes no
 * sched record.
 */
#ifndef VMPROF_SWITCHES_H
#define VMPROF_SWITCHES_H

#include <poll.h>

#include "culprit_rec.h"
#include "datafile.h"
#include "vm_find.h"

/* Pages of each pCPU's perf ring (a power of two), plus the control page. */
#define SWITCH_RING_PAGES 128
/* Rings the collector's poll waits on; the others are read every turn. */
#define SWITCH_MAX_POLLFDS 256

struct switch_cpu {
	int fd;
	u32 cpu;
	u8 *map;		/* control page, then the ring */
	u64 lost;		/* PERF_RECORD_LOST on this pCPU, not stored yet */
};

struct switch_rec {
	bool on;		/* events open on every pCPU in cpus */
	int err;		/* errno of the refused perf_event_open(), or 0 */
	struct switch_cpu *cpus;
	u32 ncpus;
	size_t ring_bytes;
	u64 switches;		/* entries stored */
	u64 lost;		/* sum of PERF_RECORD_LOST */
	struct buf pending;	/* SWITCH entries not written yet */
};

/*
 * Open a CPU-wide context-switch event on each pCPU of @cpus (@ncpus of
 * them); on a refusal record without them: s->on false, s->err why.
 * Returns 0, or -1 when not one pCPU was given.
 */
int switch_rec_open_cpus(struct switch_rec *s, const u32 *cpus, u32 ncpus);
/*
 * The same for the union of the affinity masks of @vm's vCPU threads,
 * silently: switch_rec_warn() says what the recording goes without.
 */
void switch_rec_open(struct switch_rec *s, const struct vm_info *vm);
/* One warning when the switches are off (no pCPU known, or refused). */
void switch_rec_warn(const struct switch_rec *s);
/* The pCPUs of the affinity masks of @tids, sorted; returns how many. */
u32 switch_affinity_cpus(const u32 *tids, u32 ntids, u32 **cpus);
/* The META SWITCHES entry: state, errno, the pCPUs. */
void switch_rec_meta(const struct switch_rec *s, struct buf *meta);
/* Pollfds of the rings (at most @max); returns how many. */
int switch_rec_pollfds(const struct switch_rec *s, struct pollfd *pfd, int max);
/*
 * Take what the rings hold: switch-outs as SWITCH entries, losses as LOST
 * entries; each thread newly named is looked up by @cr (may be NULL).
 */
void switch_rec_drain(struct switch_rec *s, struct culprit_rec *cr, u64 now);
/* Write the pending entries as one SWITCH chunk. */
int switch_rec_flush(struct switch_rec *s, struct df_writer *w);
void switch_rec_close(struct switch_rec *s);
/*
 * In a child of fork(): map the rings again.  The kernel marks perf's
 * mappings VM_DONTCOPY, so a forked background collector has the fds but
 * not the rings (reading them was a SIGSEGV).  -1 (warned): the child
 * goes on without switches (s->on false).
 */
int switch_rec_remap(struct switch_rec *s);
/* One line on why switch records are missing, for the warning. */
const char *switch_refusal(int err);

#endif
