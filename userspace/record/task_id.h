/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Who a host task is, looked up under a root directory: "" for this host's
 * /proc, /sys/kernel/debug and /sys/fs/cgroup, a directory of the same
 * shape in the tests.  Everything read there is another process's and is
 * taken as hostile: bounded, and stored as read, escaped at report time.
 */
#ifndef VMPROF_TASK_ID_H
#define VMPROF_TASK_ID_H

#include "datafile.h"

struct task_ident {
	u32 tid;
	u32 pid;
	u32 klass;		/* enum df_task_class */
	u32 vcpu;
	u32 vmm_pid;
	char comm[DF_TASK_COMM_MAX];
	char vm[DF_TASK_VM_MAX];
	char cgroup[DF_TASK_CGROUP_MAX];
};

/*
 * Fill @t for thread @tid of process @pid (0: read it from /proc): a vCPU
 * thread of a VM (KVM's debugfs, else QEMU's "CPU N/KVM" thread name), a
 * kernel thread, or a task and its cgroup v2 path; DF_TASK_GONE with
 * @comm when /proc no longer has it.
 */
void task_identify(const char *root, u32 pid, u32 tid, const char *comm,
		   struct task_ident *t);
/* The cgroup v2 path of @tid ("/" based), or "" when unreadable. */
void task_cgroup(const char *root, u32 tid, char *path, size_t len);
/* Append @t as one TASK chunk entry (struct df_task and its strings). */
void task_ident_put(struct buf *b, const struct task_ident *t, u64 seen_ns);

#endif
