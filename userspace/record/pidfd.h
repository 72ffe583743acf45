/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pidfd_open() and pidfd_getfd() (Linux 5.3 and 5.6), called by number:
 * glibc wraps them only since 2.36 (<sys/pidfd.h>), and the distributions
 * that carry the series build with older ones too.
 * The recorder takes a VMM's fds with them: its VM fd (attach.c) and
 * its vCPU stats fds (kvm_stats.c).
 */
#ifndef VMPROF_PIDFD_H
#define VMPROF_PIDFD_H

#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

/* A pidfd of process @pid, or -1 with errno. */
static inline int pidfd_of(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* A copy of fd @fd of the process of @pidfd (ptrace rights), or -1. */
static inline int pidfd_take_fd(int pidfd, int fd)
{
	return (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
}

#endif
