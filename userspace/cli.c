// SPDX-License-Identifier: GPL-2.0
/* Usage errors: one line naming the problem and the --help to read, exit 2. */
#include <getopt.h>
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

/*
 * getopt leaves optind past the option word, so argv[optind - 1] is the
 * option when it had no argument (missing, or unknown).
 */
int usage_bad_option(const char *cmd, int c, char **argv)
{
	if (c == ':')
		return usage_error(cmd, "option '%s' needs an argument",
				   argv[optind - 1]);
	return usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
}

/* The value may be the word after the option or after '=': name the option. */
int usage_bad_value(const char *cmd, const struct option *lo, int c,
		    int longidx, const char *value)
{
	if (longidx >= 0)
		return usage_error(cmd, "bad value '%s' for --%s", value,
				   lo[longidx].name);
	return usage_error(cmd, "bad value '%s' for -%c", value, c);
}
