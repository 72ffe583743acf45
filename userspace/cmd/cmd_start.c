// SPDX-License-Identifier: GPL-2.0
/* "vmprofctl start": a collector in the background (daemon.c). */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "collector.h"
#include "vm_all.h"

static const char start_help[] =
"Usage: vmprofctl start --vm VM|all [-o FILE] [--duration S] [options]\n"
"\n"
"Like 'record', but the collector runs in the background; control it\n"
"with 'vmprofctl status' and 'vmprofctl stop'.  Its pid file and control\n"
"socket live in $XDG_RUNTIME_DIR/vmprofctl (or /run/vmprofctl).\n"
"Options are those of 'vmprofctl record --help'.  --vm all: one\n"
"collector for every VM, writing the directory FILE; 'stop --vm all'.\n"
"\n"
"EXAMPLES\n"
"  vmprofctl start --vm 3 -o /var/tmp/vm3.data\n"
"  vmprofctl status\n"
"  vmprofctl stop --vm 3\n"
"  vmprofctl start --vm all -o /var/tmp/host.vms; vmprofctl stop --vm all\n";

static int start_all(const struct record_opts *o)
{
	struct vm_all va = { 0 };
	pid_t pid;

	if (vm_all_prepare(&va, o))
		return EXIT_FAIL;
	pid = vm_all_background(&va);
	if (pid < 0) {
		vm_all_finish(&va);	/* the files end complete */
		vm_all_free(&va);
		return EXIT_FAIL;
	}
	printf("collector %d started for %zu VMs, writing the directory %s; stop it with 'vmprofctl stop --vm all'\n",
	       (int)pid, va.n, o->output);
	fflush(stdout);
	_exit(EXIT_OK);	/* the child owns the writers' stdio buffers */
}

int cmd_start(int argc, char **argv)
{
	struct record_opts o;
	struct collector c;
	pid_t pid;
	int ret;

	ret = parse_record_args("start", start_help, argc, argv, &o);
	if (ret)
		return ret == OPTIONS_HELP ? EXIT_OK : ret;
	if (o.all)
		return start_all(&o);
	if (collector_prepare(&c, &o))
		return EXIT_FAIL;
	pid = collector_background(&c);
	if (pid < 0)
		return EXIT_FAIL;
	printf("collector %d started for VM %s (pid %d), writing %s; stop it with 'vmprofctl stop --vm pid:%d'\n",
	       (int)pid, c.vm.name[0] ? c.vm.name : "?", (int)c.vm.pid, o.output,
	       (int)c.vm.pid);
	fflush(stdout);
	_exit(EXIT_OK);	/* the child owns the writer's stdio buffer */
}
