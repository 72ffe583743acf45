// SPDX-License-Identifier: GPL-2.0
/* vmprofctl: unified host+guest profiler for KVM.  Command table. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "util.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "list", cmd_list, "list KVM VMs on this host" },
	{ "record", cmd_record, "record a VM in the foreground" },
	{ "start", cmd_start, "start a background collector" },
	{ "stop", cmd_stop, "stop a background collector" },
	{ "status", cmd_status, "show background collectors" },
	{ "report", cmd_report, "print a report from a data file" },
	{ "top", cmd_top, "a live view of a VM, redrawn every second" },
};

static void main_help(FILE *out)
{
	size_t i;

	fputs("Usage: vmprofctl <command> [options]\n\n"
	      "Unified host+guest profiler for KVM: what was the guest doing,\n"
	      "and who stole its CPU.\n\nCommands:\n", out);
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fputs("\n'vmprofctl <command> --help' describes each command.\n\n"
	      "EXAMPLES\n"
	      "  vmprofctl list\n"
	      "  vmprofctl record --vm pid:4242 --duration 10 -o vm.data\n"
	      "  vmprofctl report -i vm.data --view unified\n", out);
}

static int run(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		main_help(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		main_help(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("vmprofctl %s\n", VMPROFCTL_VERSION);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--complete")) {	/* vmprofctl.bash's, not in --help */
		for (i = 0; i < ARRAY_SIZE(commands); i++)
			puts(commands[i].name);
		puts("--help\n--version");
		return EXIT_OK;
	}
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "vmprofctl: unknown command '%s'; see 'vmprofctl --help'\n",
		argv[1]);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	int ret = run(argc, argv);

	/* Output lost to a full disk or a closed pipe is a failure too. */
	if (fflush(stdout) || ferror(stdout)) {
		if (ret != EXIT_FAIL)
			pr_err("cannot write to standard output: %s",
			       strerror(errno ? errno : EIO));
		return EXIT_FAIL;
	}
	return ret;
}
