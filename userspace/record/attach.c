// SPDX-License-Identifier: GPL-2.0
/* Attach to a running VM: pidfd_getfd() the VM fd, then KVM_PROFILE. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "attach.h"

#include "pidfd.h"

int kvm_profile_supported(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC), ret;

	if (fd < 0) {
		pr_err("cannot open /dev/kvm: %s; load kvm_intel or kvm_amd and run as root or in group kvm",
		       strerror(errno));
		return -1;
	}
	ret = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_PROFILE);
	close(fd);
	return ret > 0;
}

int attach_vm_fd(const struct vm_info *vm)
{
	int pidfd, fd, err;

	pidfd = pidfd_of(vm->pid);
	if (pidfd < 0) {
		err = errno;
		if (err == ESRCH)
			pr_err("VM process %d exited; nothing to record", (int)vm->pid);
		else
			pr_err("pidfd_open(%d) failed: %s; needs Linux 5.6+",
			       (int)vm->pid, strerror(err));
		return -1;
	}
	fd = pidfd_take_fd(pidfd, vm->vm_fd);
	err = errno;
	close(pidfd);
	if (fd >= 0)
		return fd;
	if (err == EPERM || err == EACCES)
		pr_err("no permission to take the VM fd of pid %d: needs ptrace rights over the VMM (run as root, or check kernel.yama.ptrace_scope)",
		       (int)vm->pid);
	else if (err == ESRCH || err == EBADF)
		pr_err("VM process %d exited or closed its VM while attaching",
		       (int)vm->pid);
	else
		pr_err("pidfd_getfd on pid %d failed: %s; needs Linux 5.6+",
		       (int)vm->pid, strerror(err));
	return -1;
}

/*
 * perf_event_open()'s limit on sample_freq, which KVM_PROFILE applies too;
 * -1 if it cannot be read.
 */
static int perf_max_sample_rate(void)
{
	FILE *f = fopen("/proc/sys/kernel/perf_event_max_sample_rate", "re");
	int rate = -1;

	if (f) {
		if (fscanf(f, "%d", &rate) != 1)
			rate = -1;
		fclose(f);
	}
	return rate;
}

int profile_open(int vm_fd, const struct kvm_profile_config *cfg)
{
	int fd = ioctl(vm_fd, KVM_PROFILE, cfg);
	int max_rate;

	if (fd >= 0)
		return fd;
	switch (errno) {
	case EPERM:
	case EACCES:
		pr_err("KVM_PROFILE: permission denied: profiling another process's VM%s needs CAP_PERFMON (or CAP_SYS_ADMIN); run as root",
		       cfg->flags & KVM_PROFILE_F_HOST_SAMPLES ? " or --host-samples" : "");
		break;
	case EBUSY:
		pr_err("KVM_PROFILE: this VM is already being profiled; stop the other collector ('vmprofctl status')");
		break;
	case EOPNOTSUPP:
		pr_err("KVM_PROFILE: the host cannot count this event (no hardware PMU?); use --event cpu-clock");
		break;
	case ENOTTY:
	case EIO:
		pr_err("KVM_PROFILE: the kernel refused the ioctl (%s); it lacks KVM_CAP_PROFILE: apply the kvm-profile patch series",
		       strerror(errno));
		break;
	case EINVAL:
		max_rate = perf_max_sample_rate();
		if (max_rate > 0 && cfg->sample_freq > (u64)max_rate)
			pr_err("KVM_PROFILE: --freq %llu is above kernel.perf_event_max_sample_rate (%d), which perf may have lowered by itself; lower --freq",
			       (unsigned long long)cfg->sample_freq, max_rate);
		else
			pr_err("KVM_PROFILE: the kernel rejected the configuration (EINVAL); check --freq, --event and --buffer-pages (power of two, 1..%u)",
			       KVM_PROFILE_MAX_BUFFER_PAGES);
		break;
	case ENOMEM:
		pr_err("KVM_PROFILE: no memory for %u buffer pages per CPU, or they exceed this process's locked-memory limit (RLIMIT_MEMLOCK, 'ulimit -l'), which CAP_IPC_LOCK lifts; lower --buffer-pages",
		       cfg->buffer_pages);
		break;
	default:
		pr_err("KVM_PROFILE failed: %s", strerror(errno));
		break;
	}
	return -1;
}
