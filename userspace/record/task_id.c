// SPDX-License-Identifier: GPL-2.0
/*
 * Name a host task that took a vCPU's pCPU: another VM's vCPU thread, a
 * kernel thread, or a task in a cgroup.  Looked up once, when the recorder
 * first sees its thread id, so that a task that exits later in the
 * recording is still named.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "task_id.h"
#include "vm_find.h"

#define PF_KTHREAD 0x00200000U	/* include/linux/sched.h */
#define PATH_LEN (DF_TASK_CGROUP_MAX + 512)
/* A VMM with more vCPU directories than this is not searched further. */
#define MAX_VCPU_DIRS 4096

static void copy_bounded(char *dst, size_t len, const char *src, size_t n)
{
	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/*
 * comm and flags from /proc/TID/stat: the comm is what lies between the
 * first '(' and the last ')', since a comm may hold ')' and spaces.
 */
static int read_stat(const char *root, u32 tid, char *comm, size_t clen,
		     unsigned long *flags)
{
	char path[PATH_LEN], buf[1024], *open, *close;

	snprintf(path, sizeof(path), "%s/proc/%u/stat", root, tid);
	if (read_small_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	open = strchr(buf, '(');
	close = strrchr(buf, ')');
	if (!open || !close || close < open)
		return -1;
	copy_bounded(comm, clen, open + 1, (size_t)(close - open - 1));
	/* state ppid pgrp session tty_nr tpgid flags */
	if (sscanf(close + 1, " %*c %*d %*d %*d %*d %*d %lu", flags) != 1)
		return -1;
	return 0;
}

void task_cgroup(const char *root, u32 tid, char *out, size_t len)
{
	char path[PATH_LEN], buf[DF_TASK_CGROUP_MAX + 64], *line, *nl;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/proc/%u/cgroup", root, tid);
	if (read_small_file(path, buf, sizeof(buf)) <= 0)
		return;
	/* cgroup v2: the line "0::PATH"; v1 hierarchies have other ids. */
	for (line = buf; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (strncmp(line, "0::", 3))
			continue;
		copy_bounded(out, len, line + 3,
			     nl ? (size_t)(nl - line - 3) : strlen(line + 3));
		return;
	}
}

static u32 read_tgid(const char *root, u32 tid)
{
	char path[PATH_LEN], buf[4096], *p;

	snprintf(path, sizeof(path), "%s/proc/%u/status", root, tid);
	if (read_small_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	p = strstr(buf, "\nTgid:");
	return p ? (u32)strtoul(p + 6, NULL, 10) : 0;
}

/*
 * KVM's debugfs has a directory "PID-FD" per VM and in it "vcpuN/pid",
 * the thread that last ran vCPU N (virt/kvm/kvm_main.c,
 * kvm_create_vcpu_debugfs()): the one source that does not rely on
 * the VMM naming its threads.  Returns the vCPU id, or -1.
 */
static long debugfs_vcpu(const char *root, u32 pid, u32 tid)
{
	char path[PATH_LEN], buf[32], prefix[16];
	struct dirent *de, *ve;
	DIR *d, *vd;
	long found = -1;
	int n = 0;

	snprintf(path, sizeof(path), "%s/sys/kernel/debug/kvm", root);
	snprintf(prefix, sizeof(prefix), "%u-", pid);
	d = opendir(path);
	if (!d)
		return -1;
	while (found < 0 && (de = readdir(d))) {
		if (strncmp(de->d_name, prefix, strlen(prefix)))
			continue;
		snprintf(path, sizeof(path), "%s/sys/kernel/debug/kvm/%.64s",
			 root, de->d_name);
		vd = opendir(path);
		while (vd && found < 0 && (ve = readdir(vd)) &&
		       n++ < MAX_VCPU_DIRS) {
			if (strncmp(ve->d_name, "vcpu", 4) ||
			    strspn(ve->d_name + 4, "0123456789") !=
			    strlen(ve->d_name + 4) || !ve->d_name[4])
				continue;
			snprintf(path, sizeof(path),
				 "%s/sys/kernel/debug/kvm/%.64s/%.32s/pid",
				 root, de->d_name, ve->d_name);
			if (read_small_file(path, buf, sizeof(buf)) > 0 &&
			    strtoul(buf, NULL, 10) == tid)
				found = strtol(ve->d_name + 4, NULL, 10);
		}
		if (vd)
			closedir(vd);
	}
	closedir(d);
	return found;
}

/* The VM's name: QEMU's -name (libvirt passes the domain's), else pid:N. */
static void vm_name(const char *root, u32 pid, char *out, size_t len)
{
	struct vm_info vm = { 0 };

	vm_scan_cmdline_at(root, (pid_t)pid, &vm);
	if (vm.name[0])
		snprintf(out, len, "%s", vm.name);
	else
		snprintf(out, len, "pid:%u", pid);
}

void task_identify(const char *root, u32 pid, u32 tid, const char *comm,
		   struct task_ident *t)
{
	unsigned long flags = 0;
	unsigned int id;
	long vcpu;

	memset(t, 0, sizeof(*t));
	t->tid = tid;
	t->pid = pid;
	copy_bounded(t->comm, sizeof(t->comm), comm, strnlen(comm, 16));
	if (read_stat(root, tid, t->comm, sizeof(t->comm), &flags)) {
		t->klass = DF_TASK_GONE;
		return;
	}
	if (flags & PF_KTHREAD) {
		t->klass = DF_TASK_KTHREAD;
		return;
	}
	if (!t->pid)
		t->pid = read_tgid(root, tid);
	task_cgroup(root, tid, t->cgroup, sizeof(t->cgroup));
	t->klass = DF_TASK_TASK;
	vcpu = t->pid ? debugfs_vcpu(root, t->pid, tid) : -1;
	if (vcpu < 0 && sscanf(t->comm, "CPU %u/KVM", &id) == 1)
		vcpu = id;	/* debugfs not mounted or not ours to read */
	if (vcpu < 0 || !t->pid)
		return;
	t->klass = DF_TASK_VM_VCPU;
	t->vcpu = (u32)vcpu;
	t->vmm_pid = t->pid;
	vm_name(root, t->pid, t->vm, sizeof(t->vm));
}

void task_ident_put(struct buf *b, const struct task_ident *t, u64 seen_ns)
{
	struct df_task e = {
		.seen_ns = seen_ns, .tid = t->tid, .pid = t->pid,
		.klass = t->klass, .vcpu = t->vcpu, .vmm_pid = t->vmm_pid,
		.comm_len = (u16)strlen(t->comm),
		.vm_len = (u16)strlen(t->vm),
		.cgroup_len = (u16)strlen(t->cgroup),
	};

	buf_append(b, &e, sizeof(e));
	buf_append(b, t->comm, e.comm_len);
	buf_append(b, t->vm, e.vm_len);
	buf_append(b, t->cgroup, e.cgroup_len);
}
