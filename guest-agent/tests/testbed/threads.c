// SPDX-License-Identifier: GPL-2.0
/*
 * Thread groups for 40-threads.t, which reads what vmprof_guest.ko makes
 * of them:
 *
 *   vmprof-threads exit N        N threads spin on every CPU, then the
 *                                process exits (exit_group()): all its
 *                                threads die at once, on several CPUs;
 *   vmprof-threads leader-exit N N threads sleep and main() calls
 *                                pthread_exit(): a zombie leader whose
 *                                threads run on.
 *
 * Prints "ready" on stdout once the threads run.  Static, for the test
 * bed's initramfs.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_barrier_t started;
static volatile int spin = 1;

static void *spinner(void *arg)
{
	pthread_barrier_wait(&started);
	while (spin)
		__asm__ volatile("pause");
	return NULL;
}

static void *sleeper(void *arg)
{
	pthread_barrier_wait(&started);
	for (;;)
		pause();
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc == 3 ? atoi(argv[2]) : 0, i, leader_exit;
	pthread_t t;

	if (n <= 0 || (strcmp(argv[1], "exit") && strcmp(argv[1], "leader-exit"))) {
		fprintf(stderr, "usage: vmprof-threads exit|leader-exit N\n");
		return 2;
	}
	leader_exit = !strcmp(argv[1], "leader-exit");
	pthread_barrier_init(&started, NULL, n + 1);
	for (i = 0; i < n; i++)
		if (pthread_create(&t, NULL, leader_exit ? sleeper : spinner,
				   NULL)) {
			fprintf(stderr, "vmprof-threads: thread %d: cannot create\n", i);
			return 1;
		}
	pthread_barrier_wait(&started);
	printf("ready\n");
	fflush(stdout);
	if (leader_exit)
		pthread_exit(NULL);
	/* Let them all spin, then die together. */
	usleep(200000);
	exit(0);
}
