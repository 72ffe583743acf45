// SPDX-License-Identifier: GPL-2.0
/* "vmprofctl record": attach and record in the foreground. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "collector.h"

#define DEFAULT_FREQ 1000
/*
 * 512 KiB per pCPU, perf record's default: two vCPUs sharing a pCPU at
 * 1 kHz fill 64 pages in about 2 s, and a collector that misses its turn
 * for that long (seen in the emulated test bed) loses records.
 */
#define DEFAULT_PAGES 128

static const char record_help[] =
"Usage: vmprofctl record --vm VM [--duration S] [-o FILE] [options]\n"
"\n"
"Attach to a running KVM VM and record guest and host samples and vCPU\n"
"scheduling into a data file, in the foreground.  Ctrl-C stops cleanly:\n"
"the file is complete, then the exit status is 130 (killed by SIGINT).\n"
"\n"
"Options:\n"
"  --vm VM              pid:N, QEMU -name or -uuid, or libvirt domain\n"
"                       id, name or UUID (when built with libvirt)\n"
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
"      --agent-port P   host vsock port for agents (default 5253) that\n"
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
"  vmprofctl record --vm 3 -d 60 && vmprofctl report -i vmprof.data\n";

static const char start_help[] =
"Usage: vmprofctl start --vm VM [-o FILE] [--duration S] [options]\n"
"\n"
"Like 'record', but the collector runs in the background; control it\n"
"with 'vmprofctl status' and 'vmprofctl stop'.  Its pid file and control\n"
"socket live in $XDG_RUNTIME_DIR/vmprofctl (or /run/vmprofctl).\n"
"Options are those of 'vmprofctl record --help'.\n"
"\n"
"EXAMPLES\n"
"  vmprofctl start --vm 3 -o /var/tmp/vm3.data\n"
"  vmprofctl status\n"
"  vmprofctl stop --vm 3\n";

enum { OPT_VM = 256, OPT_HOST, OPT_PAGES, OPT_AGENT_PORT, OPT_NO_AGENT };

static const struct option record_longopts[] = {
	{ "vm", required_argument, NULL, OPT_VM },
	{ "pid", required_argument, NULL, 'p' },
	{ "duration", required_argument, NULL, 'd' },
	{ "output", required_argument, NULL, 'o' },
	{ "freq", required_argument, NULL, 'F' },
	{ "period", required_argument, NULL, 'c' },
	{ "event", required_argument, NULL, 'e' },
	{ "host-samples", no_argument, NULL, OPT_HOST },
	{ "buffer-pages", required_argument, NULL, OPT_PAGES },
	{ "agent-port", required_argument, NULL, OPT_AGENT_PORT },
	{ "no-agent", no_argument, NULL, OPT_NO_AGENT },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int record_opt(struct record_opts *o, int c, const char *arg)
{
	u64 v;

	switch (c) {
	case OPT_VM:
		o->vm_spec = arg;
		return 0;
	case 'p':	/* perf record -p, perf kvm record -p */
		if (parse_u64(arg, &v) || !v || v > 0x7fffffff)
			return -1;
		snprintf(o->pid_spec, sizeof(o->pid_spec), "pid:%llu",
			 (unsigned long long)v);
		o->vm_spec = o->pid_spec;
		return 0;
	case 'd':
		return parse_seconds(arg, &o->duration) || o->duration <= 0 ? -1 : 0;
	case 'o':
		o->output = arg;
		return 0;
	case 'F':
		return parse_u64(arg, &o->freq) || !o->freq || o->freq > 1000000 ? -1 : 0;
	case 'c':
		return parse_u64(arg, &o->period) || !o->period ? -1 : 0;
	case 'e':
		return parse_event(arg, &o->event, &o->event_config);
	case OPT_HOST:
		o->host_samples = true;
		return 0;
	case OPT_PAGES:
		if (parse_u64(arg, &v) || !v || v > KVM_PROFILE_MAX_BUFFER_PAGES ||
		    (v & (v - 1)))
			return -1;
		o->buffer_pages = (u32)v;
		return 0;
	case OPT_AGENT_PORT:
		if (parse_u64(arg, &v) || !v || v > 0xfffffffeULL)
			return -1;
		o->agent_port = (u32)v;
		return 0;
	case OPT_NO_AGENT:
		o->no_agent = true;
		return 0;
	default: return -1;
	}
}

int parse_record_args(const char *cmd, const char *help, int argc,
		      char **argv, struct record_opts *o)
{
	int c, idx = -1;

	memset(o, 0, sizeof(*o));
	o->output = "vmprof.data";
	o->freq = DEFAULT_FREQ;
	o->event = KVM_PROFILE_EVENT_CPU_CLOCK;
	o->buffer_pages = DEFAULT_PAGES;
	o->agent_port = DEFAULT_AGENT_PORT;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:o:F:c:e:p:h", record_longopts, &idx)) != -1) {
		if (c == 'h') {
			fputs(help, stdout);
			return 1;
		}
		if (c == '?' || c == ':')
			return usage_bad_option(cmd, c, argv);
		if (record_opt(o, c, optarg))
			return usage_bad_value(cmd, record_longopts, c, idx, optarg);
		idx = -1;
	}
	if (optind < argc)
		return usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!o->vm_spec)
		return usage_error(cmd, "--vm or -p is required (see 'vmprofctl list')");
	if (o->event == KVM_PROFILE_EVENT_RAW && !o->period && o->freq == DEFAULT_FREQ)
		return usage_error(cmd, "--event raw:... needs --period");
	return 0;
}

int cmd_record(int argc, char **argv)
{
	struct record_opts o;
	struct collector c;
	char line[512];
	int ret;

	ret = parse_record_args("record", record_help, argc, argv, &o);
	if (ret)
		return ret == 1 ? EXIT_OK : ret;
	collector_install_signals();
	if (collector_prepare(&c, &o))
		return EXIT_FAIL;
	c.progress = isatty(2);
	ret = collector_run(&c);
	collector_result(&c, ret, line, sizeof(line));
	fprintf(stderr, "vmprofctl: %s\n", line);
	vm_info_free(&c.vm);
	return collector_exit_code(ret);
}

const char *start_help_text(void)
{
	return start_help;
}
