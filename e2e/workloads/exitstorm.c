// SPDX-License-Identifier: GPL-2.0
/*
 * exitstorm: make as many VM exits as possible from guest user space.
 *
 *   exitstorm [-d SECONDS] [-m io|cpuid|auto]
 *
 * io:    ioperm() port 0x80 and outb() to it in a loop: SVM exit IOIO (0x7b),
 *        VMX IO_INSTRUCTION (30).  Needs CONFIG_X86_IOPL_IOPERM in the guest.
 * cpuid: CPUID in a loop: SVM exit CPUID (0x72), VMX CPUID (10).  Always
 *        intercepted by KVM, needs nothing.
 * auto (default): io when ioperm() works, else cpuid.
 *
 * The loop lives in storm_io() / storm_cpuid() (not inlined).  Prints
 * "exitstorm pid N mode M" at start and "exitstorm pid N mode M ops K
 * seconds S" at the end (default 10 s; 0 runs until killed).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <time.h>
#include <unistd.h>

#define PORT 0x80
#define BATCH 64

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) void storm_io(void)
{
	int i;

	for (i = 0; i < BATCH; i++)
		__asm__ volatile("outb %b0, %w1" : : "a"(0), "Nd"(PORT));
}

__attribute__((noinline)) void storm_cpuid(void)
{
	unsigned int a, b, c, d;
	int i;

	for (i = 0; i < BATCH; i++) {
		a = 0;
		c = 0;
		__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	}
}

int main(int argc, char **argv)
{
	const char *mode = "auto";
	double duration = 10, start, t = 0;
	unsigned long ops = 0;
	void (*storm)(void);
	int opt;

	while ((opt = getopt(argc, argv, "d:m:")) != -1) {
		if (opt == 'd') {
			duration = strtod(optarg, NULL);
		} else if (opt == 'm') {
			mode = optarg;
		} else {
			fprintf(stderr, "usage: exitstorm [-d SECONDS] [-m io|cpuid|auto]\n");
			return 2;
		}
	}
	if (!strcmp(mode, "io") || !strcmp(mode, "auto")) {
		if (ioperm(PORT, 1, 1) == 0) {
			mode = "io";
		} else if (!strcmp(mode, "io")) {
			fprintf(stderr, "exitstorm: ioperm(0x%x): %s\n", PORT, strerror(errno));
			return 1;
		} else {
			mode = "cpuid";
		}
	}
	if (!strcmp(mode, "io")) {
		storm = storm_io;
	} else if (!strcmp(mode, "cpuid")) {
		storm = storm_cpuid;
	} else {
		fprintf(stderr, "exitstorm: unknown mode %s\n", mode);
		return 2;
	}
	printf("exitstorm pid %d mode %s\n", getpid(), mode);
	fflush(stdout);
	start = now();
	for (;;) {
		storm();
		ops += BATCH;
		if ((ops & 1023) == 0) {
			t = now() - start;
			if (duration > 0 && t >= duration)
				break;
		}
	}
	printf("exitstorm pid %d mode %s ops %lu seconds %.3f\n", getpid(), mode, ops, t);
	return 0;
}
