// SPDX-License-Identifier: GPL-2.0
/*
 * cpuburn3: a CPU-bound process with a known split of its CPU time among
 * three named, non-inlined functions: burn50(), burn30() and burn20().
 *
 *   cpuburn3 [-d SECONDS] [-i SECONDS] [-u UNIT] [-s A/B/C] [-w BURN/SLEEP]
 *
 * Every round calls burn50() for A units of work, burn30() for B units and
 * burn20() for C units (default 5/3/2, i.e. 50/30/20 %).  The split is in
 * work, not in wall time, so steal time does not move it: a sampler that
 * only sees the process while it runs sees the split.  All three functions
 * run the same loop body, so one unit costs the same in each.
 *
 * Prints "cpuburn3 pid N split A/B/C" at start and, with -d, after SECONDS
 * "cpuburn3 pid N rounds R seconds S.SSS rate X.XX" (rounds per second of
 * wall time: the throughput figure of bench/overhead.sh).  Without -d it
 * runs until killed.  With -i, every SECONDS it prints "cpuburn3 tick
 * T.TTT rounds R" (T: CLOCK_MONOTONIC seconds), so that an observer can
 * take the rate over any window.  With -w, it burns for BURN ms of wall
 * time (whole rounds), then sleeps SLEEP ms, and again: a vCPU with
 * nothing else to run halts while it sleeps (scenario 12, e2e/tests/
 * 45-halt.t, sets KVM's halt_wait_ns beside the HALTED intervals).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static unsigned long unit = 20000;
static volatile unsigned long sink;

/* The shared loop body: an xorshift chain the compiler cannot drop. */
static inline __attribute__((always_inline)) unsigned long spin(unsigned long n,
								unsigned long x)
{
	while (n--) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		__asm__ volatile("" : "+r"(x));
	}
	return x;
}

__attribute__((noinline)) unsigned long burn50(unsigned long units, unsigned long x)
{
	return spin(units * unit, x);
}

__attribute__((noinline)) unsigned long burn30(unsigned long units, unsigned long x)
{
	return spin(units * unit, x);
}

__attribute__((noinline)) unsigned long burn20(unsigned long units, unsigned long x)
{
	return spin(units * unit, x);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr, "usage: cpuburn3 [-d SECONDS] [-i SECONDS] [-u UNIT] [-s A/B/C] [-w BURN/SLEEP]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned long a = 5, b = 3, c = 2, rounds = 0, x = 88172645463325252UL;
	double duration = 0, interval = 0, next_tick, start, t = 0, burn_from;
	unsigned long burn_ms = 0, sleep_ms = 0;
	struct timespec nap;
	int opt;

	while ((opt = getopt(argc, argv, "d:i:u:s:w:")) != -1) {
		switch (opt) {
		case 'd':
			duration = strtod(optarg, NULL);
			break;
		case 'i':
			interval = strtod(optarg, NULL);
			break;
		case 'u':
			unit = strtoul(optarg, NULL, 0);
			break;
		case 's':
			if (sscanf(optarg, "%lu/%lu/%lu", &a, &b, &c) != 3)
				usage();
			break;
		case 'w':
			if (sscanf(optarg, "%lu/%lu", &burn_ms, &sleep_ms) != 2 ||
			    !burn_ms || !sleep_ms)
				usage();
			break;
		default:
			usage();
		}
	}
	if (!unit || a + b + c == 0)
		usage();
	printf("cpuburn3 pid %d split %lu/%lu/%lu\n", getpid(), a, b, c);
	fflush(stdout);
	start = burn_from = now();
	next_tick = interval;
	nap.tv_sec = (time_t)(sleep_ms / 1000);
	nap.tv_nsec = (long)(sleep_ms % 1000) * 1000000L;
	for (;;) {
		x = burn50(a, x);
		x = burn30(b, x);
		x = burn20(c, x);
		rounds++;
		/* every round: a burn of a few ms must not run long by 8 rounds */
		if (burn_ms && (now() - burn_from) * 1000 >= burn_ms) {
			while (nanosleep(&nap, &nap) && errno == EINTR)
				;
			nap.tv_sec = (time_t)(sleep_ms / 1000);
			nap.tv_nsec = (long)(sleep_ms % 1000) * 1000000L;
			burn_from = now();
		}
		if ((duration > 0 || interval > 0) && (rounds & 7) == 0) {
			t = now() - start;
			if (interval > 0 && t >= next_tick) {
				printf("cpuburn3 tick %.3f rounds %lu\n", start + t, rounds);
				fflush(stdout);
				next_tick = t + interval;
			}
			if (duration > 0 && t >= duration)
				break;
		}
	}
	sink = x;
	printf("cpuburn3 pid %d rounds %lu seconds %.3f rate %.2f\n", getpid(),
	       rounds, t, rounds / t);
	return 0;
}
