/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_CLI_H
#define VMPROF_CLI_H

#include <getopt.h>

/* Print "vmprofctl CMD: MSG" and the --help hint to stderr; returns 2. */
int usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * One option parser for every command.  @opt takes each option but -h
 * (which prints @help to stdout) and returns 0, -1 for a bad value, or
 * OPT_NOT_HERE for an option the command does not take after all.
 */
#define OPT_NOT_HERE (-2)
struct cmd_options {
	const char *cmd;
	const char *help;
	const char *shortopts;	/* getopt_long's, without the leading ':' */
	const struct option *longopts;
	int (*opt)(void *ctx, int c, const char *arg);
};
/*
 * Returns 0 when argv is parsed, OPTIONS_HELP when the help was printed
 * (exit 0), or 2 after a usage error naming the option (exit 2).
 * "CMD --complete [OPTION]", for the bash completion, prints the
 * command's options (one a line, "=" after those that take a value) or
 * OPTION's values, and returns OPTIONS_HELP.
 */
#define OPTIONS_HELP 1
int parse_options(const struct cmd_options *co, void *ctx, int argc,
		  char **argv);
/*
 * The same, for a command with options that take a known few values:
 * @values prints those of the long option @name, one a line (for
 * "--complete OPTION").
 */
int parse_options_values(const struct cmd_options *co,
			 void (*values)(const char *name), void *ctx, int argc,
			 char **argv);

/*  options, then , in one array that ends as they do; free() it. */
struct option *options_join(const struct option *a, const struct option *b);

/*
 * The options of record that start and top take too (record_options.c):
 * their getopt_long() entries and short options, record_opt() to parse
 * them into a struct record_opts, the defaults, the checks after parsing.
 * record adds -d/--duration; top takes -o/--output as the file to keep.
 * The codes of the long-only ones end before OPT_RECORD_END.
 */
enum {
	OPT_VM = 256, OPT_HOST, OPT_PAGES, OPT_AGENT_PORT, OPT_NO_AGENT,
	OPT_RECORD_END
};

extern const struct option record_shared_longopts[];
#define RECORD_SHORTOPTS "o:F:c:e:p:"
struct record_opts;
void record_opts_init(struct record_opts *o);
int record_opt(void *ctx, int c, const char *arg);
/*
 * --vm given, --event raw with --period, --vm all without the options
 * it cannot take; 0 or 2 after a usage error.
 */
int record_opts_check(const char *cmd, const struct record_opts *o);

/* --vm's values, for the completion: all, then each VM's name and pid:N. */
void vm_values(void);

int cmd_list(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_top(int argc, char **argv);
/* stop and status: their options, then collector_command() (ctl_cmd.c). */
int ctl_cmd(const char *name, const char *help, const char *cmd, int argc,
	    char **argv);

#endif
