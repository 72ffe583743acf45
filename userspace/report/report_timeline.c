// SPDX-License-Identifier: GPL-2.0
/*
 * Timeline view: per pCPU, one character per time bucket naming the vCPU
 * (0-9, a-z, + beyond) or host task (*) sampled most in it; '.' = nothing.
 * Its buckets are filled in the one pass through analysis hooks: samples,
 * and steal intervals without host samples as the culprit's sample
 * equivalents.  They are laid out before the pass over the window the
 * file's META and END chunks give; a file whose records say otherwise
 * (records past the stop, no end marker) is read a second time.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../include/uapi/kvm_profile.h"
#include "report.h"

struct timeline {
	u64 base, width;	/* ns: the first bucket's start, each one's */
	u32 cols;
	struct agg_table agg;	/* (cpu, bucket, owner) -> samples */
	/* (cpu, bucket, task ref, vcpu | ref) -> samples, culprit named later */
	struct agg_table pend;
	/* timeline_prepare(): the file, and the window end laid out for */
	const char *input;
	u64 end;
};

const struct table_kind timeline_kind = {
	.name = "timeline", .ncols = 2,
	.cols = { "pCPU", "Timeline" },
	.keys = { "cpu", "timeline" },
	.numeric = { true, false },
	.id = { true },
	.perf = { "cpu" },
};

const struct table_kind legend_kind = {
	.name = "legend", .ncols = 4,
	.cols = { "pCPU", "Char", "Owner", "Samples" },
	.keys = { "cpu", "char", "owner", "samples" },
	.numeric = { true, false, false, true },
	.id = { true },
	.perf = { "cpu", NULL, NULL, "sample" },
};

struct cell_best {
	u32 owner;
	u64 count;
};

static void tl_sample(struct analysis *a, const struct kvm_profile_sample *s,
		      u32 owner)
{
	struct timeline *tl = a->view;
	struct agg_key k = { .a = s->hdr.cpu, .c = owner };
	u64 col;

	if (s->hdr.time_ns < tl->base)
		return;
	col = (s->hdr.time_ns - tl->base) / tl->width;
	if (col < tl->cols && s->hdr.cpu < MAX_CPUS) {
		k.b = (u32)col;
		agg_get(&tl->agg, &k)->v1 += sample_weight(s);
	}
}

/*
 * Show who held the pCPU during a steal interval: the culprit, weighted
 * as sample equivalents per bucket.  With host samples the timeline
 * already has them.
 */
static void tl_steal(struct analysis *a, u32 vcpu, u32 cpu,
		     const struct owner_ref *r, u64 start, u64 end)
{
	struct timeline *tl = a->view;
	u64 col, b0, b1, lo, hi;
	struct agg_key k;

	if (cpu >= MAX_CPUS || end <= tl->base)
		return;
	if (start < tl->base)
		start = tl->base;
	for (col = (start - tl->base) / tl->width; col < tl->cols; col++) {
		b0 = tl->base + col * tl->width;
		b1 = b0 + tl->width;
		if (b0 >= end)
			break;
		lo = start > b0 ? start : b0;
		hi = end < b1 ? end : b1;
		k = (struct agg_key){
			.a = cpu, .b = (u32)col,
			.c = r->kind == REF_OWNER ? r->owner :
			     (u64)r->tid << 32 | r->comm,
			.d = (u64)vcpu << 32 | r->hvcpu << 8 | r->kind,
		};
		agg_get(&tl->pend, &k)->v1 += ns_to_samples(a, hi - lo);
	}
}

/* The file is read: charges kept under a task go to its owner's bucket. */
static void tl_culprits_named(struct analysis *a)
{
	struct timeline *tl = a->view;
	struct owner_ref r;
	struct agg_entry *e;
	struct agg_key k;

	agg_for_each(&tl->pend, e) {
		r = (struct owner_ref){
			.kind = (u32)e->k.d & 0xff, .owner = (u32)e->k.c,
			.tid = (u32)(e->k.c >> 32), .comm = (u32)e->k.c,
			.hvcpu = (u32)e->k.d >> 8,
		};
		k = (struct agg_key){
			.a = e->k.a, .b = e->k.b,
			.c = steal_owner(a, (u32)(e->k.d >> 32), &r),
		};
		agg_get(&tl->agg, &k)->v1 += e->v1;
	}
	agg_free(&tl->pend);
}

static void tl_sched_reset(struct analysis *a)
{
	struct timeline *tl = a->view;

	agg_free(&tl->pend);
}

static void tl_free(struct analysis *a)
{
	struct timeline *tl = a->view;

	agg_free(&tl->agg);
	agg_free(&tl->pend);
	free(tl);
	a->view = NULL;
}

static const struct analysis_hooks timeline_hooks = {
	.sample = tl_sample,
	.steal = tl_steal,
	.culprits_named = tl_culprits_named,
	.sched_reset = tl_sched_reset,
	.free = tl_free,
};

void timeline_attach(struct analysis *a, u64 base, u64 width, u32 cols)
{
	struct timeline *tl = xcalloc(1, sizeof(*tl));

	tl->base = base;
	tl->width = width;
	tl->cols = cols;
	agg_init(&tl->agg, 0);
	a->hooks = &timeline_hooks;
	a->view = tl;
}

/* @cols buckets over [begin, end). */
static struct timeline *layout(struct analysis *a, u64 begin, u64 end, u32 cols)
{
	struct timeline *tl;

	timeline_attach(a, begin, end > begin ? (end - begin + cols - 1) / cols : 1,
			cols);
	tl = a->view;
	tl->end = end;
	return tl;
}

/*
 * --width buckets over the reported window, laid out before the pass from
 * what the file says of its ends: the recording's start (META) and stop
 * (END), read without its records.  The window ends at the last record
 * when that is later than the stop, and starts at the first one when the
 * start is not known; report_timeline() checks.
 */
int timeline_prepare(struct analysis *a, const struct report_opts *o)
{
	struct analysis ends;

	analysis_init(&ends, &o->f);
	if (analysis_load_ends(&ends, o->input)) {
		analysis_free(&ends);
		return -1;
	}
	layout(a, analysis_window_begin_ns(&ends), analysis_end_ns(&ends),
	       (u32)o->width)->input = o->input;
	analysis_free(&ends);
	return 0;
}

/*
 * The pass found another window than the file's ends said (records after
 * the stop, no start or no end marker): lay the buckets out over it and
 * fill them in a second pass, for the timeline alone.  Owners named by a
 * host task go by the task's name, which the two passes number alike.
 */
static void refill(struct analysis *a, struct timeline *tl)
{
	struct timeline *again;
	struct agg_entry *e;
	struct analysis b;
	const char *comm, *label;
	struct agg_key k;

	analysis_init(&b, &a->f);
	again = layout(&b, analysis_window_begin_ns(a), analysis_end_ns(a),
		       tl->cols);
	pr_warn_quiet = true;	/* the first pass said it all */
	analysis_load(&b, tl->input);
	pr_warn_quiet = false;
	agg_free(&tl->agg);
	agg_init(&tl->agg, 0);
	agg_for_each(&again->agg, e) {
		k = e->k;
		if (k.c & OWNER_COMM) {
			comm = analysis_comm(&b, (u32)k.c & ~OWNER_COMM);
			label = analysis_label(&b, (u32)k.c & ~OWNER_COMM);
			k.c = OWNER_COMM | (label ? analysis_label_id(a, label) :
					     analysis_comm_id(a, comm, strlen(comm)));
		}
		agg_get(&tl->agg, &k)->v1 += e->v1;
	}
	tl->base = again->base;
	tl->width = again->width;
	tl->end = again->end;
	analysis_free(&b);
}

static u32 max_cpu(const struct timeline *tl)
{
	struct agg_entry *e;
	u32 m = 0;

	agg_for_each(&tl->agg, e)
		if (e->k.a + 1 > m)
			m = e->k.a + 1;
	return m;
}

static void fill_best(const struct timeline *tl, struct cell_best *best,
		      u32 ncpu)
{
	struct agg_entry *e;

	agg_for_each(&tl->agg, e) {
		struct cell_best *b = &best[(size_t)e->k.a * tl->cols + e->k.b];

		if (e->k.a >= ncpu)
			continue;
		if (e->v1 > b->count || (e->v1 == b->count && e->k.c < b->owner)) {
			b->count = e->v1;
			b->owner = (u32)e->k.c;
		}
	}
}

static void legend(struct analysis *a, const struct timeline *tl,
		   struct doc *d)
{
	struct agg_entry *e;
	struct rowset rs;
	struct table *t;
	char who[1024], ch[2] = { 0 };
	size_t i, r;

	rowset_init(&rs);
	agg_for_each(&tl->agg, e) {
		owner_name(a, (u32)e->k.c, who, sizeof(who));
		ch[0] = owner_char((u32)e->k.c);
		rowset_add(&rs, e->k.a, ch, who, e->v1, 0);
	}
	rowset_sort(&rs);
	t = doc_table(d, &legend_kind, "legend");
	for (i = 0; i < rs.n; i++) {
		r = table_row(t);
		table_set(t, r, 0, "%u", rs.rows[i].group);
		table_set(t, r, 1, "%s", rs.rows[i].func);
		table_set(t, r, 2, "%s", rs.rows[i].module);
		table_set(t, r, 3, "%" PRIu64, rs.rows[i].count);
	}
	rowset_free(&rs);
}

void report_timeline(struct analysis *a, struct doc *d)
{
	static const struct timeline none;
	const struct timeline *tl = a->hooks == &timeline_hooks ? a->view : &none;
	struct cell_best *best;
	char *line, ms[32];
	u32 ncpu, c, col;
	struct table *t;
	size_t r;

	if (tl->input && (tl->base != analysis_window_begin_ns(a) ||
			  tl->end != analysis_end_ns(a)))
		refill(a, a->view);
	ncpu = max_cpu(tl);
	best = xcalloc((size_t)ncpu * tl->cols + 1, sizeof(*best));
	fill_best(tl, best, ncpu);
	t = doc_table(d, &timeline_kind, "timeline");
	attr_add(&t->attrs, "bucket_ms", true, "%s", fmt_ms(tl->width, ms, sizeof(ms)));
	attr_add(&t->attrs, "buckets", true, "%u", tl->cols);
	t->summary = xasprintf("one column = %s ms; 0-9a-z vCPU, * host task, . no samples",
			       ms);
	line = xmalloc(tl->cols + 1);
	for (c = 0; c < ncpu; c++) {
		for (col = 0; col < tl->cols; col++) {
			struct cell_best *b = &best[(size_t)c * tl->cols + col];

			line[col] = b->count ? owner_char(b->owner) : '.';
		}
		line[tl->cols] = '\0';
		if (!strspn(line, ".") || strspn(line, ".") < tl->cols) {
			r = table_row(t);
			table_set(t, r, 0, "%u", c);
			table_set(t, r, 1, "%s", line);
		}
	}
	free(line);
	free(best);
	legend(a, tl, d);
}
