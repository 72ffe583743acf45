// SPDX-License-Identifier: GPL-2.0
/*
 * cr3reuse: processes that take over each other's page-table root.
 *
 *   cr3reuse [-d SECONDS] [-w SECONDS] [-t MS]
 *
 * After -w seconds (default 0) of sleep, runs /usr/bin/reuse_a and
 * /usr/bin/reuse_b in turn, one at a time, each spinning -t ms (default
 * 300) in its own function, until -d seconds (default 10) from the start.
 * Each exec gets a new mm and each exit frees its pgd page, which the
 * next child's exec takes again soon (freed pages go to per-CPU lists),
 * so one CR3 names reuse_a and reuse_b in turn: the e2e scenario
 * 60-cr3-reuse.t checks that each sample is named by the process that
 * held the root when it was taken.
 *
 * Prints "cr3reuse pid N" at start, "cr3reuse round R" when a pair
 * starts, and "cr3reuse pid N rounds R" at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int run(const char *path, const char *ms)
{
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		perror("cr3reuse: fork");
		return -1;
	}
	if (!pid) {
		execl(path, path + sizeof("/usr/bin/") - 1, "-t", ms,
		      (char *)NULL);
		perror("cr3reuse: exec");
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		fprintf(stderr, "cr3reuse: %s failed\n", path);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	double duration = 10, wait = 0, start = now();
	const char *ms = "300";
	unsigned long rounds = 0;
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
			ms = optarg;
			break;
		default:
			fprintf(stderr, "usage: cr3reuse [-d SECONDS] [-w SECONDS] [-t MS]\n");
			return 2;
		}
	}
	printf("cr3reuse pid %d\n", getpid());
	fflush(stdout);
	while (wait > 0 && now() - start < wait)
		usleep(100000);
	while (now() - start < duration) {
		printf("cr3reuse round %lu\n", ++rounds);
		fflush(stdout);
		if (run("/usr/bin/reuse_a", ms) || run("/usr/bin/reuse_b", ms))
			return 1;
	}
	printf("cr3reuse pid %d rounds %lu\n", getpid(), rounds);
	return 0;
}
