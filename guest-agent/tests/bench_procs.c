// SPDX-License-Identifier: GPL-2.0
/*
 * Keep N sleeping processes alive for the agent benchmark: fork N children
 * that pause(), print "ready", and kill them all when stdin closes.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000, i, j;
	pid_t *kids;
	char c;

	if (n <= 0 || n > 100000) {
		fprintf(stderr, "usage: bench_procs [N]\n");
		return 2;
	}
	kids = calloc(n, sizeof(*kids));
	if (!kids)
		return 1;
	for (i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			break;
		}
		if (!pid) {
			/* Die with the parent even if it is killed. */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			for (;;)
				pause();
		}
		kids[i] = pid;
	}
	printf("ready %d\n", i);
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	for (j = 0; j < i; j++)
		kill(kids[j], SIGKILL);
	while (wait(NULL) > 0)
		;
	return 0;
}
