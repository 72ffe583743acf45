// SPDX-License-Identifier: GPL-2.0
/*
 * reuse_a / reuse_b: the children of cr3reuse, one source built twice.
 *
 *   reuse_a|reuse_b [-t MS]
 *
 * Spins MS milliseconds (default 300) in WORK_FN, work_of_A in reuse_a and
 * work_of_B in reuse_b, then exits.  The two names have one length, so the
 * two static binaries have one layout: each function is at the same
 * address in both, and a sample of one process resolved against the
 * other's mappings gets the other's name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#ifndef WORK_FN
#error "build with -DWORK_FN=work_of_A or work_of_B"
#endif

static volatile unsigned long sink;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The xorshift chain of cpuburn3: the compiler cannot drop it. */
__attribute__((noinline)) unsigned long WORK_FN(double until)
{
	unsigned long x = 88172645463325252UL, n;

	while (now() < until) {
		for (n = 0; n < 20000; n++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			__asm__ volatile("" : "+r"(x));
		}
	}
	return x;
}

int main(int argc, char **argv)
{
	double ms = 300;
	int opt;

	while ((opt = getopt(argc, argv, "t:")) != -1) {
		if (opt != 't')
			return 2;
		ms = strtod(optarg, NULL);
	}
	if (ms <= 0)
		return 2;
	sink = WORK_FN(now() + ms / 1e3);
	return 0;
}
