// SPDX-License-Identifier: GPL-2.0
/* Usage errors: one line naming the problem and the --help to read, exit 2. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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
 * What getopt_long() returned when it is not an option of the command:
 * ':' a missing argument, '?' an unknown option.  getopt leaves optind
 * past the option word, so argv[optind - 1] is the option when it had no
 * argument (missing, or unknown).
 */
static int usage_bad_option(const char *cmd, int c, char **argv)
{
	if (c == ':')
		return usage_error(cmd, "option '%s' needs an argument",
				   argv[optind - 1]);
	return usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
}

/* The value may be the word after the option or after '=': name the option. */
static int usage_bad_value(const char *cmd, const struct option *lo, int c,
			   int longidx, const char *value)
{
	if (longidx >= 0)
		return usage_error(cmd, "bad value '%s' for --%s", value,
				   lo[longidx].name);
	return usage_error(cmd, "bad value '%s' for -%c", value, c);
}

int parse_options(const struct cmd_options *co, void *ctx, int argc,
		  char **argv)
{
	char shortopts[64];
	int c, idx = -1;

	/* A leading ':' tells a missing argument from an unknown option. */
	snprintf(shortopts, sizeof(shortopts), ":%s", co->shortopts);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, co->longopts, &idx)) != -1) {
		if (c == 'h') {
			fputs(co->help, stdout);
			return OPTIONS_HELP;
		}
		if (c == '?' || c == ':')
			return usage_bad_option(co->cmd, c, argv);
		switch (co->opt(ctx, c, optarg)) {
		case 0:
			break;
		case OPT_NOT_HERE:
			return usage_bad_option(co->cmd, '?', argv);
		default:
			return usage_bad_value(co->cmd, co->longopts, c, idx,
					       optarg);
		}
		idx = -1;
	}
	if (optind < argc)
		return usage_error(co->cmd, "unexpected argument '%s'",
				   argv[optind]);
	return 0;
}

static size_t options_count(const struct option *o)
{
	size_t n = 0;

	while (o[n].name)
		n++;
	return n;
}

struct option *options_join(const struct option *a, const struct option *b)
{
	size_t na = options_count(a), nb = options_count(b);
	struct option *o = xcalloc(na + nb + 1, sizeof(*o));

	memcpy(o, a, na * sizeof(*o));
	memcpy(o + na, b, nb * sizeof(*o));
	return o;
}
