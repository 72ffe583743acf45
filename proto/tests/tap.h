/* SPDX-License-Identifier: GPL-2.0 */
/* Minimal TAP output: ok/not ok lines and the closing summary line. */
#ifndef VMPROF_TAP_H
#define VMPROF_TAP_H

#include <stdio.h>

/* Weak: one pair of counters for all the test files linked together. */
int tap_n __attribute__((weak)), tap_failed __attribute__((weak));

static inline int tap_ok(int cond, const char *what)
{
	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tap_n, what);
	return cond;
}

/* Print the plan and summary; returns the process exit status. */
static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	printf("%d passed, %d failed\n", tap_n - tap_failed, tap_failed);
	return tap_failed ? 1 : 0;
}

#endif /* VMPROF_TAP_H */
