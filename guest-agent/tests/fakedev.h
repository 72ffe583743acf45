/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the tests of vmprof-agent-fakedev share: the FIFO that stands for
 * /dev/vmprof_guest, the records a module would write into it, and the
 * agent started on it.
 */
#ifndef VMPROF_FAKEDEV_H
#define VMPROF_FAKEDEV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vmprof_guest.h"

struct fakedev {
	char dir[32];
	char fifo[64];
	char out[64];	/* the agent's stream */
	char err[64];	/* its stderr */
	int fd;		/* both ends of the FIFO: a reopen keeps the data */
};

double now_s(void);
/* A temporary directory and its FIFO; -1 (said) when there is none. */
int fakedev_open(struct fakedev *d);
void fakedev_close(struct fakedev *d);
void fakedev_rec(struct vmprof_guest_rec *r, int event, pid_t pid,
		 uint64_t cr3, const char *comm);
void fakedev_put(struct fakedev *d, const struct vmprof_guest_rec *r, size_t n);
void fakedev_event(struct fakedev *d, int ev, pid_t pid, uint64_t cr3,
		   const char *comm);
/* Until the FIFO is drained, then 100 ms for the agent to act on it. */
void fakedev_drain(struct fakedev *d);
/* The fakedev build of the agent, "-v -o out", with NAME=VALUE or NULL. */
pid_t fakedev_agent(struct fakedev *d, const char *agent, const char *env);
/* 0 once a line of @path holds @what, -1 after @secs. */
int wait_for(const char *path, const char *what, double secs);

#endif
