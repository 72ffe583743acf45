// SPDX-License-Identifier: GPL-2.0
/* The fake module device of the agent's tests: see fakedev.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "fakedev.h"

/* Records per write(): at most PIPE_BUF bytes, so none is read in part. */
#define REC_BATCH	(4096 / sizeof(struct vmprof_guest_rec))

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int fakedev_open(struct fakedev *d)
{
	snprintf(d->dir, sizeof(d->dir), "/tmp/vmprof-fakedev-XXXXXX");
	d->fd = -1;
	if (!mkdtemp(d->dir)) {
		printf("# skip: no temporary directory\n");
		return -1;
	}
	snprintf(d->fifo, sizeof(d->fifo), "%s/dev", d->dir);
	snprintf(d->out, sizeof(d->out), "%s/out.bin", d->dir);
	snprintf(d->err, sizeof(d->err), "%s/err", d->dir);
	d->fd = mkfifo(d->fifo, 0600) ? -1 : open(d->fifo, O_RDWR | O_CLOEXEC);
	if (d->fd < 0)
		printf("# skip: no FIFO in %s\n", d->dir);
	return d->fd < 0 ? -1 : 0;
}

void fakedev_close(struct fakedev *d)
{
	if (d->fd >= 0)
		close(d->fd);
	unlink(d->fifo);
	unlink(d->out);
	unlink(d->err);
	rmdir(d->dir);
}

void fakedev_rec(struct vmprof_guest_rec *r, int event, pid_t pid,
		 uint64_t cr3, const char *comm)
{
	memset(r, 0, sizeof(*r));
	r->event = (uint8_t)event;
	r->cr3 = cr3;
	r->time_ns = (uint64_t)(now_s() * 1e9);
	r->tgid = (uint32_t)pid;
	r->pid = (uint32_t)pid;
	r->ppid = (uint32_t)getpid();
	snprintf(r->comm, sizeof(r->comm), "%s", comm);
}

void fakedev_put(struct fakedev *d, const struct vmprof_guest_rec *r, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i += k) {
		k = n - i < REC_BATCH ? n - i : REC_BATCH;
		if (write(d->fd, r + i, k * sizeof(*r)) != (ssize_t)(k * sizeof(*r)))
			printf("# write to the fake device: %s\n", strerror(errno));
	}
}

void fakedev_event(struct fakedev *d, int ev, pid_t pid, uint64_t cr3,
		   const char *comm)
{
	struct vmprof_guest_rec r;

	fakedev_rec(&r, ev, pid, cr3, comm);
	fakedev_put(d, &r, 1);
}

void fakedev_drain(struct fakedev *d)
{
	int pending = 1;

	while (pending && !ioctl(d->fd, FIONREAD, &pending))
		usleep(10000);
	usleep(100000);
}

pid_t fakedev_agent(struct fakedev *d, const char *agent, const char *env)
{
	pid_t pid = fork();

	if (!pid) {
		int fd = open(d->err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		char *eq = env ? strchr(env, '=') : NULL;

		if (fd < 0 || dup2(fd, 2) < 0 ||
		    setenv("VMPROF_TEST_DEV", d->fifo, 1))
			_exit(127);
		if (eq) {
			char name[64];

			snprintf(name, sizeof(name), "%.*s", (int)(eq - env), env);
			if (setenv(name, eq + 1, 1))
				_exit(127);
		}
		execl(agent, agent, "-v", "-o", d->out, (char *)NULL);
		_exit(127);
	}
	return pid;
}

int wait_for(const char *path, const char *what, double secs)
{
	double end = now_s() + secs;
	char line[4096];

	do {
		FILE *f = fopen(path, "re");
		int found = 0;

		while (f && !found && fgets(line, sizeof(line), f))
			found = !!strstr(line, what);
		if (f)
			fclose(f);
		if (found)
			return 0;
		usleep(10000);
	} while (now_s() < end);
	return -1;
}
