/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_CLI_H
#define VMPROF_CLI_H

#define VMPROFCTL_VERSION "0.1"

/* Print "vmprofctl CMD: MSG" and the --help hint to stderr; returns 2. */
int usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

struct option;
/*
 * Usage error for what getopt_long() returned when it is not an option of
 * the command: ':' (optstring starts with ':') a missing argument, '?' an
 * unknown option.  Returns 2.
 */
int usage_bad_option(const char *cmd, int c, char **argv);
/* Usage error for a bad value of option c (longidx from getopt_long, or -1). */
int usage_bad_value(const char *cmd, const struct option *lo, int c,
		    int longidx, const char *value);

int cmd_list(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_report(int argc, char **argv);

#endif
