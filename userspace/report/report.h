/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_REPORT_H
#define VMPROF_REPORT_H

#include "aggtab.h"
#include "analysis.h"
#include "table.h"
#include "vcpu_states.h"

/* What 'vmprofctl report' was asked for (cmd_report.c parses it). */
struct report_opts {
	const char *input;
	const char *view;
	const char *guest_kallsyms;
	const char *table;	/* --table: only the tables of this name */
	struct sort_spec sort;	/* --sort; n 0: the view's order */
	bool view_given;	/* --format perfetto is the timeline only */
	enum out_format fmt;
	struct filter f;
	u64 width;
	u64 top;
};

/*
 * A report view: one file (report_<name>.c) and one entry of
 * report_views[] (views.c).  The view's output builds its tables from
 * struct analysis after the pass.  A view that collects more than every
 * view shares has a prepare, run before the pass, that sets a->hooks and
 * a->view (its state; analysis_free() frees it through the hooks).
 */
struct report_view {
	const char *name;
	/* one stack per row: --format folded and pprof */
	bool can_fold;
	/* the kinds of the tables it builds, but lost: the keys of --sort */
	const struct table_kind *tables[3];
	/* before the pass; NULL: nothing to collect.  0, or -1 (reported) */
	int (*prepare)(struct analysis *a, const struct report_opts *o);
	void (*output)(struct analysis *a, struct doc *d);
};

/*
 * The tables' columns (report_<view>.c, report_common.c): the keys of
 * --sort, the rows of JSON and CSV.
 */
extern const struct table_kind functions_kind, lost_kind, steal_kind,
	exit_reasons_kind, exit_handlers_kind, timeline_kind, legend_kind,
	vms_kind, steal_matrix_kind;

/* In --help order; the first is the default. */
extern const struct report_view report_views[];
extern const size_t report_nviews;
const struct report_view *report_view_find(const char *name);
/*
 * The names of the views (only those that can fold, if @fold_only) as
 * "a, b or c"; @first_note follows the first (the default) when not NULL.
 */
char *report_view_names(bool fold_only, const char *sep, const char *last_sep,
			const char *first_note);

struct row {
	u32 group;
	char *func;
	char *module;
	u64 count;
	u64 aux;
	char *proc;		/* by_label: the guest process, or NULL */
	u32 pid;
	u32 irq;		/* by_label: the host interrupt (enum irq_kind) */
};

struct rowset {
	struct strmap idx;
	struct row *rows;
	size_t n, cap;
	/*
	 * Rows split by what the pprof labels tell apart: guest user rows
	 * one per guest process, host rows by the interrupt they were
	 * sampled in.
	 */
	bool by_label;
};

void rowset_init(struct rowset *s);
void rowset_add(struct rowset *s, u32 group, const char *func,
		const char *module, u64 count, u64 aux);
/* The same, of the guest process @proc (pid @pid); @proc NULL: none. */
void rowset_add_proc(struct rowset *s, u32 group, const char *func,
		     const char *module, const char *proc, u32 pid, u64 count,
		     u64 aux);
/* The same, of host samples in the interrupt @irq (enum irq_kind). */
void rowset_add_irq(struct rowset *s, u32 group, const char *func,
		    const char *module, u32 irq, u64 count);
void rowset_sort(struct rowset *s);
void rowset_free(struct rowset *s);

/*
 * Rows of an aggregation table (group = key a when by_group): symbols merge
 * by name; of the unknown addresses the UNKNOWN_ROWS_MAX most sampled per
 * group keep a row each, the rest are summed per module into
 * "[unknown] (other addresses)": counted, never dropped, output bounded.
 * With rs->by_label, guest user rows are split by guest process and host
 * rows by interrupt (vcpu_agg's CTX_IRQ_MASK).
 */
#define UNKNOWN_ROWS_MAX 200
void rows_from_agg(struct analysis *a, struct agg_table *t, bool by_group,
		   struct rowset *rs);
/* "vcpuN", a class and identity ("task x (cgroup /y)"), or a comm */
void culprit_name(const struct analysis *a, u32 owner, char *buf, size_t len);
/* "(on vcpuN)", "(CLASS IDENTITY)", or "(outside: comm)" (no class recorded) */
void owner_name(const struct analysis *a, u32 owner, char *buf, size_t len);
char owner_char(u32 owner);
double pct(u64 part, u64 total);
/* "123.456" milliseconds from nanoseconds, exact. */
const char *fmt_ms(u64 ns, char *buf, size_t len);

void doc_header(struct analysis *a, struct doc *d, const char *path,
		const char *view);
/*
 * " (N periods)" after a count of sample records when the sampling
 * periods they stand for are more (a late sampling timer), else "": a
 * header of a recording without periods stays as it was.
 */
const char *fmt_periods(u64 records, u64 periods, char *buf, size_t len);
/* The same in a header's attributes: "samples" and "periods", always. */
const char *header_samples(struct attrs *h, u64 records, u64 periods,
			   char *buf, size_t len);
/*
 * The unified and host views' "functions" table: Samples | %Ratio |
 * Function | Module, truncated by --top, folded as module;function after
 * the prefix frames the caller sets (table_fold_prefix()).
 */
struct table *functions_table(struct doc *d, const char *title);
void functions_row(struct table *t, u64 count, u64 total, const char *func,
		   const char *mod);
/*
 * The guest process of @row, the culprit of a [steal] row, the class of a
 * host interrupt, if any, as the last row's pprof labels.
 */
void functions_row_labels(struct table *t, const struct row *row);
/*
 * The class and identity of a culprit as owner_name() wrote it: "(on
 * vcpu1)" is vcpu, vcpu1; "(task x (cgroup /y))" task, x (cgroup /y).
 */
bool culprit_split(const char *name, char *cls, size_t clen, char *ident,
		   size_t ilen);
void report_unified(struct analysis *a, struct doc *d);
void report_host(struct analysis *a, struct doc *d);
void report_steal(struct analysis *a, struct doc *d);
void report_exits(struct analysis *a, struct doc *d);
void report_timeline(struct analysis *a, struct doc *d);
/* The vms view of one file: its VM as the one row, its steal matrix row. */
void report_vms(struct analysis *a, struct doc *d);
/*
 * The vms view of a directory of 'record --vm all' (its index, else its
 * *.data): the header and the tables in @d; 0, or -1 (printed).
 */
int report_vms_dir(const char *dir, const struct filter *f, struct doc *d);
/* Lost records per pCPU, after any view's tables when records were lost. */
void lost_table(struct analysis *a, struct doc *d);
/*
 * The timeline collects samples and steal per pCPU in @cols buckets of
 * @width ns from @base; prepare finds them from --width and the file.
 */
void timeline_attach(struct analysis *a, u64 base, u64 width, u32 cols);
int timeline_prepare(struct analysis *a, const struct report_opts *o);
/*
 * Each vCPU's wall time as rows that add up to it (report_breakdown.c):
 * prepare collects the sched intervals, steal pieces and samples.
 */
extern const struct table_kind breakdown_kind;
void report_breakdown(struct analysis *a, struct doc *d);
int breakdown_prepare(struct analysis *a, const struct report_opts *o);
/*
 * --format perfetto (report_perfetto.c) and html (report_html.c): the
 * vCPUs' states collected by vcpu_states_attach() before the pass, written
 * after it as a trace, or as a page with the folded stacks of @folded
 * (the unified view's --format folded output).
 */
int print_perfetto(struct analysis *a, FILE *out);
int print_html(struct analysis *a, const char *folded, FILE *out);

#endif
