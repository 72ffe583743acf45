// SPDX-License-Identifier: GPL-2.0
/* vmprofctl: unified host+guest profiler for KVM.  Command table. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "util.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	/* Takes -j/--json, so the global switch can be given before it. */
	bool json;
};

static const struct command commands[] = {
	{ "list", cmd_list, "list KVM VMs on this host", true },
	{ "record", cmd_record, "record a VM in the foreground", false },
	{ "start", cmd_start, "start a background collector", false },
	{ "stop", cmd_stop, "stop a background collector", false },
	{ "status", cmd_status, "show background collectors", true },
	{ "report", cmd_report, "print a report from a data file", true },
	{ "top", cmd_top, "a live view of a VM, redrawn every second", false },
};

static void main_help(FILE *out)
{
	size_t i;

	fputs("Usage: vmprofctl [-j] <command> [options]\n\n"
	      "Unified host+guest profiler for KVM: what was the guest doing,\n"
	      "and who stole its CPU.\n\nCommands:\n", out);
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fputs("\n  -j, --json   JSON output, for the commands that have it (list,\n"
	      "               status, report): the same as their own -j\n", out);
	fputs("\n'vmprofctl <command> --help' describes each command.\n\n"
	      "EXAMPLES\n"
	      "  vmprofctl list\n"
	      "  vmprofctl record --vm pid:4242 --duration 10 -o vm.data\n"
	      "  vmprofctl report -i vm.data --view unified\n", out);
}

/* The command called NAME, else NULL after saying so (a usage error). */
static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(name, commands[i].name))
			return &commands[i];
	pr_err("unknown command '%s'; see 'vmprofctl --help'", name);
	return NULL;
}

/*
 * "vmprofctl -j COMMAND ARGS" runs "COMMAND -j ARGS": one switch for
 * scripts that want JSON from every command that has it, as bpftool's -j.
 */
static int run_json(int argc, char **argv)
{
	const struct command *cmd;
	char *args[argc];
	int n;

	if (argc < 3) {
		pr_err("%s needs a command; see 'vmprofctl --help'", argv[1]);
		return EXIT_USAGE;
	}
	cmd = find_command(argv[2]);
	if (!cmd)
		return EXIT_USAGE;
	if (!cmd->json) {
		pr_err("%s: '%s' has no JSON output; see 'vmprofctl --help'",
		       argv[1], argv[2]);
		return EXIT_USAGE;
	}
	args[0] = argv[2];
	args[1] = "-j";
	for (n = 3; n < argc; n++)
		args[n - 1] = argv[n];
	return cmd->fn(argc - 1, args);
}

static int run(int argc, char **argv)
{
	const struct command *cmd;
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
		puts("-j\n--json");
		puts("--help\n--version");
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "-j") || !strcmp(argv[1], "--json"))
		return run_json(argc, argv);
	cmd = find_command(argv[1]);
	return cmd ? cmd->fn(argc - 1, argv + 1) : EXIT_USAGE;
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
