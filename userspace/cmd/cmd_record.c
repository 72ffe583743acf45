// SPDX-License-Identifier: GPL-2.0
/* "vmprofctl record": attach and record in the foreground. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "collector.h"
#include "vm_all.h"

static const char record_help[] =
"Usage: vmprofctl record --vm VM|all [--duration S] [-o FILE] [options]\n"
"\n"
"Attach to a running KVM VM and record guest and host samples and vCPU\n"
"scheduling into a data file, in the foreground.  Ctrl-C stops cleanly:\n"
"the file is complete, then the exit status is 130 (killed by SIGINT).\n"
"On a terminal, stderr shows the time, records and MiB so far on one line.\n"
"\n"
"Options:\n"
"  --vm VM              pid:N, QEMU -name or -uuid, or libvirt domain\n"
"                       id, name or UUID (when built with libvirt); all:\n"
"                       every KVM VM of the host, and those started during\n"
"                       the recording (found every 2 s), each into its own\n"
"                       FILE/NAME.data; FILE is a directory with an index\n"
"                       that 'report -i FILE' reads (the vms view)\n"
"  -p, --pid N          the VM of VMM process N, as --vm pid:N\n"
"  -d, --duration S     stop after S seconds (default: until Ctrl-C)\n"
"  -o, --output FILE    data file (default vmprof.data); an existing one is\n"
"                       kept as FILE.old\n"
"  -F, --freq HZ        sampling frequency (default 1000)\n"
"  -c, --period N       sampling period instead of --freq (ns for cpu-clock)\n"
"  -e, --event E        cpu-clock (default), cycles, ref-cycles, raw:0xCONFIG\n"
"      --host-samples   also sample other host tasks on the VM's pCPUs\n"
"                       (needs CAP_PERFMON); splits steal among them\n"
"      --buffer-pages N per-CPU buffer pages, power of two (default 128)\n"
"      --agent-port P   host vsock port for agents (default 5253; not\n"
"                       with --vm all, which only connects) that\n"
"                       connect (version 1); the recording connects to\n"
"                       the agent in the VM on port 525; the stream is\n"
"                       stored raw for guest symbols\n"
"      --no-agent       neither connect to nor listen for the guest agent\n"
"  -h, --help           this help\n"
"\n"
"Needs ptrace rights over the VMM (to take its VM fd with pidfd_getfd)\n"
"and CAP_PERFMON unless you own the VM.\n"
"\n"
"EXAMPLES\n"
"  vmprofctl record --vm pid:4242 --duration 10 -o vm.data\n"
"  vmprofctl record --vm web1 -d 30 --freq 4000 --host-samples\n"
"  vmprofctl record --vm 3 -d 60 && vmprofctl report -i vmprof.data\n"
"  vmprofctl record --vm all -d 10 -o host.vms && vmprofctl report -i host.vms\n";

/* --vm all: a collector per VM, into the directory o->output. */
static int record_all(const struct record_opts *o)
{
	struct vm_all va = { 0 };
	char line[512];
	int ret;

	collector_install_signals();
	if (vm_all_prepare(&va, o))
		return EXIT_FAIL;
	va.progress = progress_wanted();
	ret = vm_all_run(&va);
	vm_all_status(&va, line, sizeof(line));
	fprintf(stderr, "vmprofctl: %s %s\n", ret ? "failed (see above):" : "recorded",
		line);
	vm_all_free(&va);
	return collector_exit_code(ret);
}

int cmd_record(int argc, char **argv)
{
	struct record_opts o;
	struct collector c;
	char line[512];
	int ret;

	ret = parse_record_args("record", record_help, argc, argv, &o);
	if (ret)
		return ret == OPTIONS_HELP ? EXIT_OK : ret;
	if (o.all)
		return record_all(&o);
	collector_install_signals();
	if (collector_prepare(&c, &o))
		return EXIT_FAIL;
	c.progress = progress_wanted();
	ret = collector_run(&c);
	collector_result(&c, ret, line, sizeof(line));
	fprintf(stderr, "vmprofctl: %s\n", line);
	vm_info_free(&c.vm);
	return collector_exit_code(ret);
}
