// SPDX-License-Identifier: GPL-2.0
/* The options of "vmprofctl record" and "start", which share them. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "collector.h"

#define DEFAULT_FREQ 1000
/*
 * 512 KiB per pCPU, perf record's default: two vCPUs sharing a pCPU at
 * 1 kHz fill 64 pages in about 2 s, and a collector that misses its turn
 * for that long (seen in the emulated test bed) loses records.
 */
#define DEFAULT_PAGES 128

/* -e: its names, and raw:CONFIG */
static const struct {
	const char *name;
	u32 event;
} events[] = {
	{ "cpu-clock", KVM_PROFILE_EVENT_CPU_CLOCK },
	{ "cycles", KVM_PROFILE_EVENT_CYCLES },
	{ "ref-cycles", KVM_PROFILE_EVENT_REF_CYCLES },
};

/* -e: a KVM_PROFILE_EVENT_* and, for raw:, its config. */
static int parse_event(const char *s, u32 *event, u64 *config)
{
	size_t i;

	*config = 0;
	for (i = 0; i < ARRAY_SIZE(events); i++) {
		if (!strcmp(s, events[i].name)) {
			*event = events[i].event;
			return 0;
		}
	}
	if (strncmp(s, "raw:", 4))
		return -1;
	*event = KVM_PROFILE_EVENT_RAW;
	return parse_u64(s + 4, config);
}

void vm_values(void)
{
	struct vm_info *vms;
	int denied;
	size_t n, i;

	puts("all");
	n = vm_scan(&vms, &denied);
	for (i = 0; i < n; i++) {
		if (vms[i].name[0] && !strchr(vms[i].name, ' '))
			puts(vms[i].name);
		printf("pid:%d\n", (int)vms[i].pid);
	}
	vm_list_free(vms, n);
}

/* --event's and --vm's values, for the completion */
static void record_values(const char *name)
{
	size_t i;

	if (!strcmp(name, "vm"))
		vm_values();
	for (i = 0; !strcmp(name, "event") && i < ARRAY_SIZE(events); i++)
		puts(events[i].name);
	if (!strcmp(name, "event"))
		puts("raw:");
}

const struct option record_shared_longopts[] = {
	{ "vm", required_argument, NULL, OPT_VM },
	{ "pid", required_argument, NULL, 'p' },
	{ "output", required_argument, NULL, 'o' },
	{ "freq", required_argument, NULL, 'F' },
	{ "period", required_argument, NULL, 'c' },
	{ "event", required_argument, NULL, 'e' },
	{ "host-samples", no_argument, NULL, OPT_HOST },
	{ "buffer-pages", required_argument, NULL, OPT_PAGES },
	{ "agent-port", required_argument, NULL, OPT_AGENT_PORT },
	{ "no-agent", no_argument, NULL, OPT_NO_AGENT },
	{ NULL, 0, NULL, 0 },
};

static const struct option record_own_longopts[] = {
	{ "duration", required_argument, NULL, 'd' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int record_opt(void *ctx, int c, const char *arg)
{
	struct record_opts *o = ctx;
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
		o->agent_port_given = true;
		return 0;
	case OPT_NO_AGENT:
		o->no_agent = true;
		return 0;
	default: return -1;
	}
}

void record_opts_init(struct record_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->output = "vmprof.data";
	o->freq = DEFAULT_FREQ;
	o->event = KVM_PROFILE_EVENT_CPU_CLOCK;
	o->buffer_pages = DEFAULT_PAGES;
	o->agent_port = DEFAULT_AGENT_PORT;
}

int record_opts_check(const char *cmd, const struct record_opts *o)
{
	if (!o->vm_spec)
		return usage_error(cmd, "--vm or -p is required (see 'vmprofctl list')");
	if (!strcmp(o->vm_spec, "all") && o->agent_port_given)
		return usage_error(cmd, "--vm all dials each guest's agent: --agent-port (one host port for one VM's agent) cannot apply");
	if (o->event == KVM_PROFILE_EVENT_RAW && !o->period && o->freq == DEFAULT_FREQ)
		return usage_error(cmd, "--event raw:... needs --period");
	return 0;
}

int parse_record_args(const char *cmd, const char *help, int argc,
		      char **argv, struct record_opts *o)
{
	struct option *lo = options_join(record_own_longopts,
					 record_shared_longopts);
	struct cmd_options co = {
		cmd, help, "d:h" RECORD_SHORTOPTS, lo, record_opt,
	};
	int ret;

	record_opts_init(o);
	ret = parse_options_values(&co, record_values, o, argc, argv);
	free(lo);
	if (!ret && o->vm_spec)
		o->all = !strcmp(o->vm_spec, "all");
	return ret ? ret : record_opts_check(cmd, o);
}

