// SPDX-License-Identifier: GPL-2.0
/*
 * vforkexit: a process whose vfork() children exit without exec, as a
 * shell's do when a command is not found.
 *
 *   vforkexit [-d SECONDS] [-w SECONDS] [-t MS]
 *
 * After -w seconds (default 0) of sleep, spins -t ms (default 50) at a
 * time, then vfork()s a child that names itself "vfchild" and _exit()s,
 * until -d seconds (default 10) from the start.  A vfork child shares its
 * parent's mm, so for its short life it holds the parent's CR3; once it
 * has exited, every later sample on that CR3 is the parent's, and the e2e
 * scenario 70-vfork.t checks that the report says so.
 *
 * The spin runs in a page of anonymous executable memory, which no file
 * mapping covers: the report names its samples "[unknown] 0x..." in the
 * module named after the process's comm, "vforkexit" or "vfchild", so
 * the process a sample is given to is visible.
 *
 * Prints "vforkexit pid N" at start, "vforkexit tick T vforks V" every
 * second, and "vforkexit pid N vforks V" at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>

/* dec %rdi; jnz .-3; ret: spin(n) counts n down. */
static const unsigned char spin_code[] = { 0x48, 0xff, 0xcf, 0x75, 0xfb, 0xc3 };

/*
 * vfork() in a frame of its own, so that the child, which runs on this
 * stack until it exits, cannot clobber the caller's variables.
 */
static __attribute__((noinline)) int vfork_exit(void)
{
	pid_t pid = vfork();

	if (!pid) {
		/* Only the child's own task: its comm, then _exit(). */
		prctl(PR_SET_NAME, "vfchild", 0, 0, 0);
		_exit(0);
	}
	return pid > 0 && waitpid(pid, NULL, 0) == pid;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double duration = 10, wait = 0, ms = 50, start = now(), next_tick;
	void (*spin)(unsigned long);
	unsigned long vforks = 0;
	void *page;
	int opt;

	while ((opt = getopt(argc, argv, "d:w:t:")) != -1) {
		switch (opt) {
		case 'd':
			duration = strtod(optarg, NULL);
			break;
		case 'w':
			wait = strtod(optarg, NULL);
			break;
		case 't':
			ms = strtod(optarg, NULL);
			break;
		default:
			fprintf(stderr, "usage: vforkexit [-d SECONDS] [-w SECONDS] [-t MS]\n");
			return 2;
		}
	}
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return 1;
	memcpy(page, spin_code, sizeof(spin_code));
	if (mprotect(page, 4096, PROT_READ | PROT_EXEC))
		return 1;
	spin = (void (*)(unsigned long))page;
	printf("vforkexit pid %d\n", getpid());
	fflush(stdout);
	while (wait > 0 && now() - start < wait)
		usleep(100000);
	next_tick = now() + 1;
	while (now() - start < duration) {
		double until = now() + ms / 1e3;

		while (now() < until)
			spin(100000);
		vforks += vfork_exit();
		if (now() >= next_tick) {
			printf("vforkexit tick %.3f vforks %lu\n", now(), vforks);
			fflush(stdout);
			next_tick += 1;
		}
	}
	printf("vforkexit pid %d vforks %lu\n", getpid(), vforks);
	return 0;
}
