// SPDX-License-Identifier: GPL-2.0
/* Usage errors: one line naming the problem and the --help to read, exit 2. */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"
#include "util.h"

int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vmprofctl %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "; see 'vmprofctl %s --help'\n", cmd);
	return EXIT_USAGE;
}
