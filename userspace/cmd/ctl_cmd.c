// SPDX-License-Identifier: GPL-2.0
/* What "vmprofctl stop" and "status" share: --vm, and the request. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "collector.h"

struct ctl_opts {
	bool status;		/* -j is status's only */
	bool json;
	const char *spec;	/* --vm */
};

static int ctl_opt(void *ctx, int c, const char *arg)
{
	struct ctl_opts *co = ctx;

	if (c == 'j' && co->status) {
		co->json = true;
		return 0;
	}
	if (c != 'v')
		return OPT_NOT_HERE;
	co->spec = arg;
	return 0;
}

static void ctl_values(const char *name)
{
	if (!strcmp(name, "vm"))
		vm_values();
}

/* --vm (else all collectors) and -j for status; then the request. */
int ctl_cmd(const char *name, const char *help, const char *cmd, int argc,
	    char **argv)
{
	static const struct option opts[] = {
		{ "vm", required_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_opts o = { .status = !strcmp(cmd, "status\n") };
	const struct cmd_options co = {
		name, help, o.status ? "jh" : "h", opts, ctl_opt,
	};
	int pid, ret;
	struct vm_info vm;

	ret = parse_options_values(&co, ctl_values, &o, argc, argv);
	if (ret)
		return ret == OPTIONS_HELP ? EXIT_OK : ret;
	if (o.json)
		cmd = "status-json\n";
	if (!o.spec) {
		pid = -1;
	} else if (!strcmp(o.spec, "all")) {
		pid = 0;	/* the collector of --vm all */
	} else if (!strncmp(o.spec, "pid:", 4) &&
		   sscanf(o.spec + 4, "%d", &pid) == 1) {
		;
	} else {
		if (vm_resolve(o.spec, &vm))
			return EXIT_FAIL;
		pid = (int)vm.pid;
		vm_info_free(&vm);
	}
	return collector_command(pid, cmd);
}
