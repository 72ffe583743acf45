/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KVM's own statistics of the recorded VM's vCPUs (KVM_STAT chunks): its
 * halt_wait_ns, set beside the halted time the sched records give.
 */
#ifndef VMPROF_KVM_STATS_H
#define VMPROF_KVM_STATS_H

#include "datafile.h"
#include "vm_find.h"

/* The fd of KVM_GET_STATS_FD: bounds on what its header may say. */
#define KVM_STATS_NAME_MAX	256
#define KVM_STATS_DESC_MAX	4096

struct kvm_stats {
	bool inited;		/* kvm_stats_init() ran: the fds are its */
	bool on;		/* at least one source was read once */
	bool warned;
	int pidfd;		/* the VMM's, -1 if none */
	struct vcpu_thread *vcpus;	/* a copy: ids and stats fd numbers */
	u32 nvcpus;
	char debugfs[600];	/* kvm/PID-FD/halt_wait_ns, "" if none */
};

/* Under @root ("" on a host, a fake tree in the tests). */
void kvm_stats_init(struct kvm_stats *k, const char *root,
		    const struct vm_info *vm);
/*
 * Read the statistics now and write them as a KVM_STAT chunk.  A
 * statistic that cannot be read is warned about once and left out: never
 * an error but the file's.
 */
int kvm_stats_tick(struct kvm_stats *k, struct df_writer *w, u64 now);
void kvm_stats_free(struct kvm_stats *k);

/*
 * The statistic @name of the binary stats fd @fd (KVM_GET_STATS_FD's
 * format, Documentation/virt/kvm/api.rst) of vCPU @vcpu_id: 0 with it in
 * *@value, or -1 with *@why saying what was wrong.
 */
int kvm_stats_fd_value(int fd, const char *name, u32 vcpu_id, u64 *value,
		       const char **why);

#endif
