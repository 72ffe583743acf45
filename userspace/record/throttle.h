/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CPU quota throttling of a VM's vCPU threads: the cpu.stat counters
 * of each thread's cgroup and of its ancestors, any of which may hold the
 * quota (cpu.max) that throttles it.
 */
#ifndef VMPROF_THROTTLE_H
#define VMPROF_THROTTLE_H

#include "vm_find.h"

#define THROTTLE_MAX_DEPTH 16

struct throttle_src {
	u32 vcpu;
	u16 depth;		/* 0: the thread's own cgroup */
	char *path;		/* cgroup v2 path, "/" based */
};

/* The cgroups to read for @vm's vCPU threads under @root; caller frees. */
size_t throttle_sources(const char *root, const struct vm_info *vm,
			struct throttle_src **out);
/*
 * Append a THROTTLE entry per source whose cpu.stat has the cpu
 * controller's throttling counters; returns how many.
 */
size_t throttle_read(const char *root, const struct throttle_src *s,
		     size_t n, u64 now, struct buf *b);
void throttle_sources_free(struct throttle_src *s, size_t n);

#endif
