/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_CLI_H
#define VMPROF_CLI_H

#define VMPROFCTL_VERSION "0.1"

/* Print "vmprofctl CMD: MSG" and the --help hint to stderr; returns 2. */
int usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

int cmd_list(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_report(int argc, char **argv);

#endif
