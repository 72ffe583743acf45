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

/* Does the command take option @c?  Its own handler says (probed; no I/O). */
static bool takes(const struct cmd_options *co, void *ctx, int c, int has_arg)
{
	return c == 'h' || co->opt(ctx, c, has_arg ? "" : NULL) != OPT_NOT_HERE;
}

/*
 * "vmprofctl CMD --complete [OPTION]", for vmprofctl.bash: the options,
 * "=" after those that take a value; or the values OPTION takes, if the
 * command knows them (else nothing: the completion offers file names).
 */
static int complete(const struct cmd_options *co, void (*values)(const char *),
		    void *ctx, const char *opt)
{
	const struct option *lo;
	const char *s;

	for (lo = co->longopts; !opt && lo->name; lo++)
		if (takes(co, ctx, lo->val, lo->has_arg))
			printf("--%s%s\n", lo->name, lo->has_arg ? "=" : "");
	for (s = co->shortopts; !opt && *s; s++)
		if (*s != ':' && takes(co, ctx, *s, s[1] == ':'))
			printf("-%c%s\n", *s, s[1] == ':' ? "=" : "");
	for (lo = co->longopts; opt && values && lo->name; lo++)
		if ((!strncmp(opt, "--", 2) && !strcmp(opt + 2, lo->name)) ||
		    (opt[0] == '-' && opt[1] == lo->val && !opt[2]))
			values(lo->name);
	return OPTIONS_HELP;
}

int parse_options_values(const struct cmd_options *co,
			 void (*values)(const char *name), void *ctx, int argc,
			 char **argv)
{
	char shortopts[64];
	int c, idx = -1;

	if (argc > 1 && !strcmp(argv[1], "--complete"))
		return complete(co, values, ctx, argc > 2 ? argv[2] : NULL);
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

int parse_options(const struct cmd_options *co, void *ctx, int argc,
		  char **argv)
{
	return parse_options_values(co, NULL, ctx, argc, argv);
}
