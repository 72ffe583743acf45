// SPDX-License-Identifier: GPL-2.0
/* "vmprofctl top": a live view of a VM (top/top_loop.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "top_loop.h"

#define DEFAULT_DELAY_S 1.0
#define MIN_DELAY_S 0.1
#define MAX_DELAY_S 3600.0

static const char top_help[] =
"Usage: vmprofctl top --vm VM [-d S] [-n N] [-b] [-v VIEW] [-s KEY]\n"
"                     [record options]\n"
"       vmprofctl top -i FILE [-d S] [-n N] [-b] [-v VIEW] [-s KEY]\n"
"\n"
"A live view of a VM, redrawn every second: per vCPU the time in guest\n"
"user, guest kernel, exit handling, the VMM, halted and stolen, and who\n"
"stole it; the heaviest guest functions and processes; the culprits.\n"
"With --vm, top records the VM as 'record' does, into a temporary file\n"
"unless -o keeps it, or follows the file of the collector 'start' runs\n"
"for it.  Each frame shows the last delay of the recording.\n"
"\n"
"Options:\n"
"      --vm VM          as for record; more than one VM ('all') is not\n"
"                       supported yet\n"
"  -p, --pid N          the VM of VMM process N, as --vm pid:N\n"
"  -i, --input FILE     a data file instead, followed as it is written;\n"
"                       of a finished one, its end (an offline aid)\n"
"  -d, --delay S        seconds between frames (default 1), the window\n"
"                       each frame shows; at least 0.1\n"
"  -n, --iterations N   stop after N frames\n"
"  -b, --batch          frames as plain text on stdout, every row, no\n"
"                       keys; ends with the recording (for scripts)\n"
"  -v, --view VIEW      the first view: vcpus (default), functions,\n"
"                       processes or culprits\n"
"  -s, --sort KEY       the first view's sort key, as the s key sets it\n"
"                       (default the view's first; a key it lacks is an\n"
"                       error that lists its keys)\n"
"  -o, --output FILE    keep the recording in FILE (with --vm)\n"
"  -F, --freq, -c, --period, -e, --event, --host-samples, --buffer-pages,\n"
"  --agent-port, --no-agent   as for record (with --vm); see its --help\n"
"  -h, --help           this help\n"
"\n"
"Keys: q quit, p or space pause, s sort by the next column, v or tab the\n"
"next view.  Ctrl-C quits too, and Ctrl-Z suspends: the terminal is\n"
"restored either way.  Without --batch, stdin and stdout must be a\n"
"terminal.  Samples count one sampling period each; halt and steal are\n"
"the sched records' intervals, steal named by its culprit as in 'report'.\n"
"\n"
"EXAMPLES\n"
"  vmprofctl top --vm web1\n"
"  vmprofctl top --vm pid:4242 --host-samples -d 2 -v culprits\n"
"  vmprofctl top --vm 3 -b -n 10 > frames.txt\n"
"  vmprofctl start --vm 3 -o /var/tmp/vm3.data; vmprofctl top --vm 3\n"
"  vmprofctl top -i /var/tmp/vm3.data\n";

static const struct option top_own_longopts[] = {
	{ "input", required_argument, NULL, 'i' },
	{ "delay", required_argument, NULL, 'd' },
	{ "iterations", required_argument, NULL, 'n' },
	{ "batch", no_argument, NULL, 'b' },
	{ "view", required_argument, NULL, 'v' },
	{ "sort", required_argument, NULL, 's' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int top_opt(void *ctx, int c, const char *arg)
{
	struct top_opts *o = ctx;
	int view;

	switch (c) {
	case 'i':
		o->input = arg;
		return 0;
	case 'd':
		return parse_seconds(arg, &o->delay_s) ||
		       o->delay_s < MIN_DELAY_S || o->delay_s > MAX_DELAY_S ? -1 : 0;
	case 'n':
		return parse_u64(arg, &o->iterations) || !o->iterations ? -1 : 0;
	case 'b':
		o->batch = true;
		return 0;
	case 'v':
		view = top_view_find(arg);
		if (view < 0)
			return -1;
		o->view = (enum top_view)view;
		return 0;
	case 's':
		o->sort_name = arg;
		return 0;
	case OPT_VM:
	case 'p':
		break;
	default:
		o->rec_given = true;
		break;
	}
	return record_opt(&o->rec, c, arg);
}

/*
 * --sort names a key of the first view (-v may come after it): the key's
 * index, or a usage error that lists the view's keys (top_views.c).
 */
static int check_top_sort(struct top_opts *o)
{
	char keys[256] = "";
	unsigned int i;
	size_t len;
	int sort;

	if (!o->sort_name)
		return 0;
	sort = top_sort_find(o->view, o->sort_name);
	if (sort >= 0) {
		o->sort = (unsigned int)sort;
		return 0;
	}
	for (i = 0; i < top_nsorts(o->view); i++) {
		len = strlen(keys);
		snprintf(keys + len, sizeof(keys) - len, "%s%s", i ? ", " : "",
			 top_sort_name(o->view, i));
	}
	return usage_error("top", "--sort: no key '%s' in the %s view; its keys: %s",
			   o->sort_name, top_view_name(o->view), keys);
}

/* The values of --view and --sort (every view's keys), for the completion. */
static void top_values(const char *name)
{
	unsigned int v, i, j;
	const char *key;

	for (v = 0; !strcmp(name, "view") && v < TOP_NVIEWS; v++)
		puts(top_view_name(v));
	for (v = 0; !strcmp(name, "sort") && v < TOP_NVIEWS; v++) {
		for (i = 0; i < top_nsorts(v); i++) {
			key = top_sort_name(v, i);
			/* once: "name" and "vcpu" are the keys of several views */
			for (j = 0; j < v && top_sort_find(j, key) < 0; j++)
				;
			if (j == v)
				puts(key);
		}
	}
}

/* Bad combinations, before anything is opened. */
static int check_top_args(const struct top_opts *o)
{
	if (!o->rec.vm_spec && !o->input)
		return usage_error("top", "--vm, -p or -i is required (see 'vmprofctl list')");
	if (o->rec.vm_spec && o->input)
		return usage_error("top", "--vm and -i exclude each other");
	if (o->input && o->rec_given)
		return usage_error("top", "record options (-o, -F, --host-samples, ...) need --vm");
	if (o->input && !strcmp(o->input, "-"))
		return usage_error("top", "-i needs a file, which top reads again and again, not standard input");
	if (o->rec.vm_spec && !strcmp(o->rec.vm_spec, "all"))
		return usage_error("top", "--vm all: more than one VM is not supported yet; give one VM");
	if (o->rec.vm_spec && record_opts_check("top", &o->rec))
		return EXIT_USAGE;
	if (!o->batch && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)))
		return usage_error("top", "stdin and stdout must be a terminal; --batch (-b) prints frames as text");
	return 0;
}

int cmd_top(int argc, char **argv)
{
	struct option *lo = options_join(top_own_longopts,
					 record_shared_longopts);
	struct cmd_options co = {
		"top", top_help, "i:d:n:bv:s:h" RECORD_SHORTOPTS, lo, top_opt,
	};
	struct top_opts o;
	int ret;

	memset(&o, 0, sizeof(o));
	record_opts_init(&o.rec);
	o.rec.output = NULL;	/* a temporary file, unless -o */
	o.delay_s = DEFAULT_DELAY_S;
	o.view = TOP_VCPUS;
	ret = parse_options_values(&co, top_values, &o, argc, argv);
	free(lo);
	if (ret)
		return ret == OPTIONS_HELP ? EXIT_OK : ret;
	ret = check_top_sort(&o);
	if (!ret)
		ret = check_top_args(&o);
	return ret ? ret : top_run(&o);
}
