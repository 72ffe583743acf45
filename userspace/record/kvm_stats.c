// SPDX-License-Identifier: GPL-2.0
/*
 * KVM's halt_wait_ns, read at the start, every second and at the end, so
 * the breakdown can set KVM's count of its vCPUs' halted time beside the
 * HALTED intervals of the sched records (docs/breakdown.md).
 *
 * The per-vCPU value lives in a vCPU's binary stats fd.  KVM_GET_STATS_FD
 * on a vCPU fd taken with pidfd_getfd() fails with EIO: kvm_vcpu_ioctl()
 * refuses every ioctl of a process other than the VM's owner (Linux
 * 6.12, virt/kvm/kvm_main.c), and the patches exempt only KVM_PROFILE, on
 * the VM fd.  Reading a stats fd has no such check, so a stats fd the VMM
 * holds ("anon_inode:kvm-vcpu-stats:N", QEMU's query-stats opens them) is
 * taken and read.  Without one, KVM's debugfs has the VM's value, summed
 * over its vCPUs: kvm/PID-FD/halt_wait_ns, written with vCPU id
 * DF_KVM_STAT_VM.
 *
 * Every fd taken is closed right after its read: a stats fd holds a
 * reference to the VM, and while the recorder holds one, the profile fd
 * would not hang up when the VMM exits (it waits for the last other
 * reference to go), nor would the VM's memory be freed.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kvm_stats.h"

#include "pidfd.h"

#define HALT_WAIT "halt_wait_ns"

void kvm_stats_init(struct kvm_stats *k, const char *root,
		    const struct vm_info *vm)
{
	memset(k, 0, sizeof(k[0]));
	k->inited = true;
	k->pidfd = -1;
	if (vm->nvcpus) {
		k->vcpus = xcalloc(vm->nvcpus, sizeof(*k->vcpus));
		memcpy(k->vcpus, vm->vcpus, vm->nvcpus * sizeof(*k->vcpus));
		k->nvcpus = vm->nvcpus;
	}
	if (vm->pid > 0) {
		k->pidfd = pidfd_of(vm->pid);
		if (vm->vm_fd >= 0)
			snprintf(k->debugfs, sizeof(k->debugfs),
				 "%.500s/sys/kernel/debug/kvm/%d-%d/" HALT_WAIT,
				 root ? root : "", (int)vm->pid, vm->vm_fd);
	}
}

static bool pread_all(int fd, void *p, size_t len, u64 off)
{
	ssize_t n;

	if (off > (u64)INT64_MAX - len)
		return false;
	do
		n = pread(fd, p, len, (off_t)off);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len;
}

/* The stats fd's id, "kvm-PID/vcpu-ID", names vCPU @vcpu_id. */
static bool id_is_vcpu(const char *id, u32 vcpu_id)
{
	const char *p = strstr(id, "/vcpu-");
	char *end;
	unsigned long v;

	if (!p || !p[6])
		return false;
	errno = 0;
	v = strtoul(p + 6, &end, 10);
	return !errno && !*end && v == vcpu_id;
}

int kvm_stats_fd_value(int fd, const char *name, u32 vcpu_id, u64 *value,
		       const char **why)
{
	struct kvm_stats_header h;
	struct kvm_stats_desc d;
	size_t dsz, i;
	u8 *descs = NULL;
	char id[KVM_STATS_NAME_MAX + 1];
	const char *n;
	int ret = -1;

	*why = "the stats header cannot be read";
	if (!pread_all(fd, &h, sizeof(h), 0))
		return -1;
	*why = "the stats header's sizes are out of bounds";
	if (h.name_size < sizeof(HALT_WAIT) || h.name_size > KVM_STATS_NAME_MAX ||
	    !h.num_desc || h.num_desc > KVM_STATS_DESC_MAX)
		return -1;
	*why = "the stats fd is another vCPU's";
	memset(id, 0, sizeof(id));
	if (!pread_all(fd, id, h.name_size, h.id_offset) ||
	    !memchr(id, 0, h.name_size) || !id_is_vcpu(id, vcpu_id))
		return -1;
	dsz = sizeof(d) + h.name_size;
	descs = xmalloc(dsz * h.num_desc);
	*why = "the stats descriptors run past the fd";
	if (!pread_all(fd, descs, dsz * h.num_desc, h.desc_offset))
		goto out;
	*why = "the kernel has no " HALT_WAIT " statistic";
	for (i = 0; i < h.num_desc; i++) {
		memcpy(&d, descs + i * dsz, sizeof(d));
		n = (const char *)descs + i * dsz + sizeof(d);
		if (!memchr(n, 0, h.name_size) || strcmp(n, name))
			continue;
		/* one cumulative u64 of nanoseconds, or not the one meant */
		*why = "its " HALT_WAIT " is no cumulative count of nanoseconds";
		if (d.size != 1 ||
		    (d.flags & KVM_STATS_TYPE_MASK) != KVM_STATS_TYPE_CUMULATIVE ||
		    (d.flags & KVM_STATS_UNIT_MASK) != KVM_STATS_UNIT_SECONDS ||
		    (d.flags & KVM_STATS_BASE_MASK) != KVM_STATS_BASE_POW10 ||
		    d.exponent != -9)
			goto out;
		*why = "its " HALT_WAIT " lies past the end of the fd";
		if (pread_all(fd, value, sizeof(*value),
			      (u64)h.data_offset + d.offset))
			ret = 0;
		goto out;
	}
out:
	free(descs);
	return ret;
}

/* The stats fd vCPU @v's VMM holds, read: 0, or -1 with *@why. */
static int read_vcpu(struct kvm_stats *k, const struct vcpu_thread *v,
		     u64 *value, const char **why)
{
	int fd, ret;

	*why = "the VMM holds no vCPU stats fd";
	if (!v->has_stats_fd || k->pidfd < 0)
		return -1;
	fd = pidfd_take_fd(k->pidfd, (int)v->stats_fd);
	if (fd < 0) {
		*why = errno == EPERM || errno == EACCES ?
			"no permission to take the VMM's fds (ptrace rights)" :
			"the VMM's vCPU stats fd cannot be taken";
		return -1;
	}
	ret = kvm_stats_fd_value(fd, HALT_WAIT, v->id, value, why);
	close(fd);	/* it holds the VM */
	return ret;
}

static int read_debugfs(const struct kvm_stats *k, u64 *value, const char **why)
{
	static char reason[700];
	char buf[32], *end;

	if (!k->debugfs[0]) {
		*why = "the VM has no debugfs directory";
		return -1;
	}
	if (read_small_file(k->debugfs, buf, sizeof(buf)) <= 0) {
		snprintf(reason, sizeof(reason),
			 "%s is not readable: %s (mount debugfs, run as root)",
			 k->debugfs, strerror(errno ? errno : EIO));
		*why = reason;
		return -1;
	}
	errno = 0;
	*value = strtoull(buf, &end, 10);
	*why = "debugfs says no number";
	return errno || end == buf || (*end && *end != '\n') ? -1 : 0;
}

static void put(struct buf *b, u64 now, u32 vcpu, u64 value)
{
	struct df_kvm_stat e = {
		.time_ns = now, .vcpu_id = vcpu,
		.stat = DF_KVM_STAT_HALT_WAIT_NS, .value = value,
	};

	buf_append(b, &e, sizeof(e));
}

int kvm_stats_tick(struct kvm_stats *k, struct df_writer *w, u64 now)
{
	const char *why = "", *vwhy = "the VM has no vCPU";
	struct buf b = { 0 };
	u64 value;
	int ret = 0;
	u32 i;

	if (!k->inited)
		return 0;	/* a collector the tests made without a VM */
	for (i = 0; i < k->nvcpus; i++)
		if (!read_vcpu(k, &k->vcpus[i], &value, &vwhy))
			put(&b, now, k->vcpus[i].id, value);
	if (!read_debugfs(k, &value, &why))
		put(&b, now, DF_KVM_STAT_VM, value);
	if (b.len)
		ret = df_write_chunk(w, DF_CHUNK_KVM_STAT, b.data, (u32)b.len);
	/* once read, a read that fails later is the VMM gone: quiet */
	if (b.len)
		k->on = true;
	else if (!k->on && !k->warned) {
		k->warned = true;
		pr_warn("KVM's " HALT_WAIT " not recorded: %s, and %s; the breakdown will not check its halted time against it",
			vwhy, why);
	}
	buf_free(&b);
	return ret;
}

void kvm_stats_free(struct kvm_stats *k)
{
	if (k->inited && k->pidfd >= 0)
		close(k->pidfd);
	free(k->vcpus);
	memset(k, 0, sizeof(k[0]));
	k->pidfd = -1;
}
