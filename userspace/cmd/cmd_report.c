// SPDX-License-Identifier: GPL-2.0
/* "vmprofctl report": options, file load, the view of report_views[]. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "report.h"

#define DEFAULT_INPUT "vmprof.data"
#define MAX_GUEST_KALLSYMS (256U << 20)

/* --help, in two parts around the list of views from report_views[]. */
static const char report_help_head[] =
"Usage: vmprofctl report [-i FILE] [--view VIEW] [filters] [--sort KEY,...]\n"
"                        [--format FMT]\n"
"\n"
"Print a report from a data file written by 'vmprofctl record' or 'start'.\n"
"On a terminal, stderr shows how much of a file of 32 MiB or more is read.\n"
"\n"
"Options:\n"
"  -i, --input FILE        data file (default " DEFAULT_INPUT "); - reads standard\n"
"                          input, which may be a pipe; a directory of\n"
"                          'record --vm all' is reported by the vms view (each\n"
"                          of its files is a VM's: -i DIR/NAME.data for the\n"
"                          other views)\n"
"  -v, --view VIEW         ";
static const char report_help_tail[] =
"\n"
"  -f, --format FMT        text (default), json, csv, folded or pprof (gzipped\n"
"                          profile.proto; both unified and host only), or\n"
"                          perfetto (the vCPU timeline as Chrome Trace Event\n"
"                          JSON, for ui.perfetto.dev and chrome://tracing), or\n"
"                          html (one self-contained page: per-vCPU time\n"
"                          breakdown, vCPU timeline, zoomable flame graph)\n"
"  -j, --json              same as --format json\n"
"      --vcpu N            only vCPU N\n"
"      --pid N             only samples/records of host pid N\n"
"      --comm NAME         only samples of host tasks named NAME\n"
"      --time-from S       start S seconds after the recording start\n"
"      --time-to S         end S seconds after the recording start\n"
"      --guest-kallsyms F  guest /proc/kallsyms copy for guest kernel symbols\n"
"      --width N           timeline columns (default 80)\n"
"      --top N             only the first N rows of each table: the N\n"
"                          heaviest, or the first N after --sort\n"
"  -s, --sort KEY[,...]    order each table's rows by these columns, the\n"
"                          first key first: a column's JSON key or perf's\n"
"                          name of it (sym, dso, overhead, sample, time,\n"
"                          cpu, event); numbers biggest first, pCPUs and\n"
"                          names smallest first; -KEY biggest, +KEY\n"
"                          smallest first.  A key the view lacks is an\n"
"                          error that lists the view's keys.  The rows stay\n"
"                          the view's (perf's --sort regroups them); pprof\n"
"                          has no row order\n"
"      --table NAME        only the tables called NAME (CSV holds one: the\n"
"                          view's first unless named): functions, steal,\n"
"                          exit_reasons, exit_handlers, timeline, legend, lost,\n"
"                          vms, steal_matrix, breakdown\n"
"      --stdio             accepted, as perf's: the report is always plain output\n"
"  -h, --help              this help\n"
"\n"
"Steal and halt are time: the unified view shows them as sample\n"
"equivalents (interval / sampling period) beside the samples.  Steal is\n"
"every wait of a vCPU thread for its pCPU: from a preemption inside\n"
"KVM_RUN to the next sched-in (culprit: the task that got the pCPU, or\n"
"the tasks sampled there with --host-samples), plus, on kernels whose\n"
"records carry run_delay, the waits after a wakeup and outside KVM_RUN\n"
"(culprit: as sampled, else the vCPU that handed the pCPU over or the\n"
"task it was left to, else \"unknown\").  The\n"
"steal view prints the kernel's run_delay beside it.\n"
"\n"
"The breakdown view adds up each vCPU's wall time: intervals measured from\n"
"the sched records (halted, outside KVM_RUN, blocked, steal by culprit\n"
"class, throttled), and the time it ran in KVM_RUN apportioned by its\n"
"samples there (guest user, guest kernel, exit handling by reason).\n"
"\n"
"EXAMPLES\n"
"  vmprofctl report -i vm1.data --top 20\n"
"  vmprofctl report -i vm1.data --view steal --vcpu 1\n"
"  vmprofctl report -i vm1.data --sort sym -f csv\n"
"  vmprofctl report -i vm1.data --view exits --sort time,event\n"
"  vmprofctl report -i vm1.data --view exits --format csv\n"
"  vmprofctl report -i vm1.data --format folded | flamegraph.pl > vm1.svg\n"
"  vmprofctl report -i vm1.data --format pprof > vm1.pb.gz; go tool pprof -top vm1.pb.gz\n"
"  vmprofctl report -i vm1.data --format perfetto > vm1.json   # ui.perfetto.dev\n"
"  vmprofctl report -i vm1.data --view timeline --time-from 10 --time-to 12\n"
"  vmprofctl report -i vm1.data --view breakdown --format csv\n"
"  vmprofctl report -i host.vms                     # every VM: vms view\n"
"  vmprofctl report -i host.vms --table steal_matrix -f csv\n";

enum {
	OPT_VCPU = 256, OPT_PID, OPT_COMM, OPT_FROM, OPT_TO, OPT_GKALLSYMS,
	OPT_WIDTH, OPT_TOP, OPT_TABLE, OPT_STDIO,
};

static const struct option report_longopts[] = {
	{ "input", required_argument, NULL, 'i' },
	{ "view", required_argument, NULL, 'v' },
	{ "format", required_argument, NULL, 'f' },
	{ "json", no_argument, NULL, 'j' },
	{ "vcpu", required_argument, NULL, OPT_VCPU },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "comm", required_argument, NULL, OPT_COMM },
	{ "time-from", required_argument, NULL, OPT_FROM },
	{ "time-to", required_argument, NULL, OPT_TO },
	{ "guest-kallsyms", required_argument, NULL, OPT_GKALLSYMS },
	{ "width", required_argument, NULL, OPT_WIDTH },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "table", required_argument, NULL, OPT_TABLE },
	{ "sort", required_argument, NULL, 's' },
	{ "stdio", no_argument, NULL, OPT_STDIO },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* --format's values, in enum out_format order */
static const char *const format_names[] = {
	"text", "json", "csv", "folded", "pprof", "perfetto", "html",
};

/* --table's values */
static const char *const table_names[] = {
	"functions", "steal", "exit_reasons", "exit_handlers", "timeline", "legend",
	"lost", "vms", "steal_matrix", "breakdown",
};

static int parse_format(const char *s, enum out_format *fmt)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(format_names); i++) {
		if (!strcmp(s, format_names[i])) {
			*fmt = (enum out_format)i;
			return 0;
		}
	}
	return -1;
}

static bool valid_table(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(table_names); i++)
		if (!strcmp(name, table_names[i]))
			return true;
	return false;
}

/* Keys the views' kinds may hold between them, for the completion. */
#define MAX_SORT_WORDS 64

/* @word, unless it is in @seen already (the kinds share columns). */
static void put_once(const char **seen, size_t *n, const char *word)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (!strcmp(seen[i], word))
			return;
	if (*n < MAX_SORT_WORDS)	/* past it, a word may come twice */
		seen[(*n)++] = word;
	puts(word);
}

/*
 * The keys of --sort, for the completion: every view's, as the view is
 * not known there; report says which of them the view has.
 */
static void sort_values(void)
{
	const char *seen[MAX_SORT_WORDS];
	const struct table_kind *k;
	size_t v, i, n = 0;
	int c;

	for (v = 0; v < report_nviews; v++) {
		for (i = 0; i < ARRAY_SIZE(report_views[v].tables); i++) {
			k = report_views[v].tables[i];
			for (c = 0; k && c < k->ncols; c++) {
				put_once(seen, &n, k->keys[c]);
				if (k->perf[c])
					put_once(seen, &n, k->perf[c]);
			}
		}
	}
}

/* The values of --view, --format, --table and --sort, for the completion. */
static void report_values(const char *name)
{
	size_t i;

	if (!strcmp(name, "sort"))
		sort_values();
	for (i = 0; !strcmp(name, "view") && i < report_nviews; i++)
		puts(report_views[i].name);
	for (i = 0; !strcmp(name, "format") && i < ARRAY_SIZE(format_names); i++)
		puts(format_names[i]);
	for (i = 0; !strcmp(name, "table") && i < ARRAY_SIZE(table_names); i++)
		puts(table_names[i]);
}

static int parse_id(const char *s, long long *out)
{
	u64 v;

	if (parse_u64(s, &v) || v > 0xffffffffULL)
		return -1;
	*out = (long long)v;
	return 0;
}

static int report_opt(void *ctx, int c, const char *arg)
{
	struct report_opts *o = ctx;

	switch (c) {
	case 'i':
		o->input = arg;
		return 0;
	case 'v':
		o->view = arg;
		o->view_given = true;
		return report_view_find(arg) ? 0 : -1;
	case 'f':
		return parse_format(arg, &o->fmt);
	case 'j':
		o->fmt = FMT_JSON;
		return 0;
	case OPT_VCPU:
		return parse_id(arg, &o->f.vcpu);
	case OPT_PID:
		return parse_id(arg, &o->f.pid);
	case OPT_COMM:
		o->f.comm = arg;
		return 0;
	case OPT_FROM:
		o->f.has_from = true;
		return parse_seconds(arg, &o->f.from_s);
	case OPT_TO:
		o->f.has_to = true;
		return parse_seconds(arg, &o->f.to_s);
	case OPT_GKALLSYMS:
		o->guest_kallsyms = arg;
		return 0;
	case OPT_WIDTH:
		return parse_u64(arg, &o->width) || !o->width || o->width > 10000 ? -1 : 0;
	case OPT_TOP:
		return parse_u64(arg, &o->top) || !o->top ? -1 : 0;
	case OPT_STDIO:		/* perf report --stdio, typed by habit */
		return 0;
	case OPT_TABLE:
		o->table = arg;
		return valid_table(arg) ? 0 : -1;
	case 's':
		return sort_spec_parse(&o->sort, arg);
	default: return -1;
	}
}

/* The tables --sort orders: the view's, or those --table names. */
static size_t sort_kinds(const struct report_opts *o,
			 const struct table_kind **kinds)
{
	const struct report_view *v = report_view_find(o->view);
	size_t i, n = 0;

	for (i = 0; i < ARRAY_SIZE(v->tables) && v->tables[i]; i++)
		if (!o->table || !strcmp(o->table, v->tables[i]->name))
			kinds[n++] = v->tables[i];
	if (o->table && !strcmp(o->table, lost_kind.name))
		kinds[n++] = &lost_kind;
	return n;
}

/*
 * Each key of --sort is a column of one of those tables at least: a key
 * no table has would leave the order as it was without a word.  The
 * error lists the keys there are.  No table (--table names one the view
 * lacks): the report says so.
 */
static int check_sort(const struct report_opts *o)
{
	const struct table_kind *kinds[ARRAY_SIZE(report_views[0].tables) + 1];
	size_t n = sort_kinds(o, kinds), i, k;
	struct buf keys = { 0 };
	int ret;

	for (i = 0; n && i < (size_t)o->sort.n; i++) {
		for (k = 0; k < n; k++)
			if (table_kind_col(kinds[k], o->sort.f[i].name) >= 0)
				break;
		if (k < n)
			continue;
		for (k = 0; k < n; k++)
			table_kind_keys(kinds[k], &keys);
		ret = usage_error("report", "--sort: no key '%s' in the %s view%s%s; its keys: %s",
				  o->sort.f[i].name, o->view,
				  o->table ? "'s table " : "",
				  o->table ? o->table : "", (char *)keys.data);
		buf_free(&keys);
		return ret;
	}
	return 0;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return strcmp(path, "-") && !stat(path, &st) && S_ISDIR(st.st_mode);
}

static int parse_report_args(struct report_opts *o, int argc, char **argv)
{
	char *views = report_view_names(false, ", ", ", ", " (default)");
	char *help = xasprintf("%s%s%s", report_help_head, views,
			       report_help_tail);
	struct cmd_options co = {
		"report", help, "i:v:f:js:h", report_longopts, report_opt,
	};
	int ret;

	memset(o, 0, sizeof(*o));
	o->input = DEFAULT_INPUT;
	o->view = report_views[0].name;
	o->width = 80;
	o->f.vcpu = o->f.pid = -1;
	ret = parse_options_values(&co, report_values, o, argc, argv);
	free(help);
	free(views);
	if (ret)
		return ret;
	/* a directory of 'record --vm all': the vms view unless told */
	if (!o->view_given && is_dir(o->input))
		o->view = "vms";
	if ((o->fmt == FMT_FOLDED || o->fmt == FMT_PPROF) &&
	    !report_view_find(o->view)->can_fold) {
		views = report_view_names(true, ", ", " or ", NULL);
		ret = usage_error("report", "--format %s works with --view %s",
				  o->fmt == FMT_FOLDED ? "folded" : "pprof",
				  views);
		free(views);
		return ret;
	}
	if (o->fmt == FMT_PERFETTO &&
	    ((o->view_given && strcmp(o->view, "timeline")) || o->table ||
	     o->top || o->sort.n))
		return usage_error("report", "--format perfetto is the timeline, as a trace: no --view but timeline, no --table, --top or --sort");
	if (o->fmt == FMT_HTML &&
	    (o->view_given || o->table || o->top || o->sort.n))
		return usage_error("report", "--format html is the whole page: no --view, --table, --top or --sort");
	if (o->fmt == FMT_PPROF && isatty(STDOUT_FILENO))
		return usage_error("report", "--format pprof is binary: redirect it to a file");
	if (o->f.has_from && o->f.has_to && o->f.from_s >= o->f.to_s)
		return usage_error("report", "--time-from must be before --time-to");
	return check_sort(o);
}

static int load_guest_kallsyms(struct analysis *a, const char *path)
{
	FILE *f = fopen(path, "re");
	struct buf b = { 0 };
	char tmp[65536];
	size_t n;

	if (!f) {
		pr_err("cannot open guest kallsyms %s; copy /proc/kallsyms from the guest (as root)",
		       path);
		return -1;
	}
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0 && b.len < MAX_GUEST_KALLSYMS)
		buf_append(&b, tmp, n);
	fclose(f);
	if (!symtab_load_kallsyms(&a->guest.kernel, (const char *)b.data, b.len))
		pr_warn("%s has no usable symbols (all addresses zero? read it as root)",
			path);
	buf_free(&b);
	return 0;
}

static int load(struct analysis *a, const struct report_opts *o)
{
	if (o->guest_kallsyms && load_guest_kallsyms(a, o->guest_kallsyms))
		return -1;
	return analysis_load(a, o->input);
}

/*
 * Every report reads its input more than once (agent streams first, see
 * analysis_load(); the timeline again when the file's end marker is not
 * its end, report_timeline.c): a pipe is copied into an unlinked temporary
 * file that becomes standard input, and the input is read as "-".
 */
static const char *spool_input(const char *path)
{
	const char *dir = getenv("TMPDIR");
	char tmp[4096], *name;
	int in, out = -1;
	struct stat st;
	ssize_t n;

	if (!strcmp(path, "-") ? fstat(STDIN_FILENO, &st) : stat(path, &st))
		return path;	/* the reader says why it cannot open it */
	if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))
		return path;
	in = !strcmp(path, "-") ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	name = xasprintf("%s/vmprofctl-XXXXXX", dir && *dir ? dir : "/tmp");
	if (in >= 0)
		out = mkstemp(name);
	if (out >= 0)
		unlink(name);
	while (out >= 0 && (n = read(in, tmp, sizeof(tmp))) != 0) {
		if ((n < 0 && errno != EINTR) ||
		    (n > 0 && write(out, tmp, (size_t)n) != n)) {
			close(out);
			out = -1;
		}
	}
	if (out < 0 || dup2(out, STDIN_FILENO) < 0 ||
	    lseek(STDIN_FILENO, 0, SEEK_SET) < 0) {
		pr_err("cannot copy %s to a temporary file in %s to read it twice: %s; set TMPDIR or pass a file with -i",
		       path, dir && *dir ? dir : "/tmp", strerror(errno));
		path = NULL;
	} else {
		path = "-";
	}
	if (in > STDIN_FILENO)
		close(in);
	if (out > STDIN_FILENO)
		close(out);
	free(name);
	return path;
}

/*
 * A directory of 'record --vm all': the vms view, of every file, in
 * text, JSON or CSV; what applies to one VM's file is a usage error.
 */
static int report_dir(struct report_opts *o)
{
	struct doc d = { 0 };

	if (o->view_given && strcmp(o->view, "vms"))
		return usage_error("report", "%s is a directory of 'record --vm all': its view is vms; for the %s view of one VM, -i %s/NAME.data",
				   o->input, o->view, o->input);
	if (o->fmt != FMT_TEXT && o->fmt != FMT_JSON && o->fmt != FMT_CSV)
		return usage_error("report", "a directory of 'record --vm all' is reported as text, json or csv; for folded, pprof, perfetto or html, -i %s/NAME.data",
				   o->input);
	if (o->f.vcpu >= 0 || o->f.pid >= 0 || o->f.comm || o->guest_kallsyms)
		return usage_error("report", "--vcpu, --pid, --comm and --guest-kallsyms name one VM's: -i %s/NAME.data",
				   o->input);
	o->view = "vms";
	if (check_sort(o))
		return EXIT_USAGE;
	if (report_vms_dir(o->input, &o->f, &d)) {
		doc_free(&d);
		return EXIT_FAIL;
	}
	if (o->table && !doc_select(&d, o->table))
		pr_warn("the vms view has no %s table", o->table);
	doc_sort(&d, &o->sort);
	doc_truncate(&d, (size_t)o->top);
	doc_print(&d, o->fmt, stdout);
	doc_free(&d);
	if (fflush(stdout)) {
		pr_err("cannot write the report to stdout");
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/*
 * The page: the vCPU states collected in the pass, and the unified view's
 * folded stacks for its flame graph.
 */
static int write_html(struct analysis *a, const char *input)
{
	struct doc d = { 0 };
	char *folded = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&folded, &len);
	int ret;

	if (!f) {
		pr_err("cannot allocate the flame graph's stacks");
		return -1;
	}
	doc_header(a, &d, input, "unified");
	report_unified(a, &d);
	doc_print(&d, FMT_FOLDED, f);
	doc_free(&d);
	ret = fclose(f) ? -1 : print_html(a, folded, stdout);
	free(folded);
	return ret;
}

int cmd_report(int argc, char **argv)
{
	const struct report_view *view;
	struct report_opts o;
	struct analysis a;
	struct doc d = { 0 };
	const char *input;
	int ret;

	ret = parse_report_args(&o, argc, argv);
	if (ret)
		return ret == OPTIONS_HELP ? EXIT_OK : ret;
	if (is_dir(o.input))
		return report_dir(&o);
	input = o.input;	/* a pipe is read from a copy of it */
	view = report_view_find(o.view);
	analysis_init(&a, &o.f);
	a.progress = progress_wanted();
	o.input = spool_input(o.input);
	/* the trace and the page collect their own, no view's */
	if (o.fmt == FMT_PERFETTO || o.fmt == FMT_HTML)
		vcpu_states_attach(&a);
	ret = !o.input ? -1 :
	      view->prepare && !a.hooks ? view->prepare(&a, &o) : 0;
	if (!ret)
		ret = load(&a, &o);
	if (ret) {
		analysis_free(&a);
		return EXIT_FAIL;
	}
	if (o.fmt == FMT_PERFETTO) {	/* a trace, not tables */
		print_perfetto(&a, stdout);
		goto out;
	}
	if (o.fmt == FMT_HTML) {
		ret = write_html(&a, input);
		if (ret) {
			analysis_free(&a);
			return EXIT_FAIL;
		}
		goto out;
	}
	/* pprof labels rows by guest process: the view splits them for it */
	d.row_labels = o.fmt == FMT_PPROF;
	doc_header(&a, &d, input, o.view);
	view->output(&a, &d);
	lost_table(&a, &d);
	if (o.table && !doc_select(&d, o.table))
		pr_warn("the %s view has no %s table%s", o.view, o.table,
			strcmp(o.table, "lost") ? "" : " (no record was lost)");
	doc_sort(&d, &o.sort);	/* then --top cuts what comes first */
	doc_truncate(&d, (size_t)o.top);
	doc_print(&d, o.fmt, stdout);
out:
	doc_free(&d);
	analysis_free(&a);
	if (fflush(stdout)) {
		pr_err("cannot write the report to stdout");
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
