// SPDX-License-Identifier: GPL-2.0
/* Steal view: per vCPU, who held its pCPU while it was runnable, and halt. */
#include <inttypes.h>
#include <stdio.h>

#include "report.h"

static const char *const cols[] = {
	"Culprit", "Intervals", "Time(ms)", "%Wall", "Samples-eq", "Class",
	"Identity"
};
static const char *const keys[] = {
	"culprit", "intervals", "time_ms", "wall_pct", "samples_eq", "class",
	"identity"
};
static const bool numeric[] = { false, true, true, true, true, false, false };

static void add_row(struct analysis *a, struct table *t, const char *who,
		    const char *culprit, u64 ivs, u64 ns, u64 wall)
{
	char ms[32], cls[32], ident[1024];
	size_t r = table_row(t);

	table_set(t, r, 0, "%s", who);
	table_set(t, r, 1, "%" PRIu64, ivs);
	table_set(t, r, 2, "%s", fmt_ms(ns, ms, sizeof(ms)));
	table_set(t, r, 3, "%.2f", pct(ns, wall));
	table_set(t, r, 4, "%" PRIu64, ns_to_samples(a, ns));
	if (culprit && culprit_split(culprit, cls, sizeof(cls), ident,
				     sizeof(ident))) {
		table_set(t, r, 5, "%s", cls);
		table_set(t, r, 6, "%s", ident);
	} else {
		table_set(t, r, 5, "%s", culprit ? "" : "halt");
		table_set(t, r, 6, "%s", "");
	}
}

/* The steal of @v no class could name: the share that stayed unknown. */
static u64 unknown_steal(const struct analysis *a, u32 v)
{
	const struct agg_entry *e;
	u64 ns = 0;

	agg_for_each(&a->steal_agg, e)
		if (e->k.a == v && culprit_unknown(a, e->k.b))
			ns += e->v1;
	return ns;
}

static void vcpu_table(struct analysis *a, struct doc *d, u32 v,
		       struct rowset *rs, u64 wall)
{
	const struct vcpu_stat *s = &a->vcpus[v];
	char title[64], m1[32], m2[32], m3[32], who[1024], rd[80] = "";
	struct table *t;
	size_t i;
	double unk;

	snprintf(title, sizeof(title), "vcpu%u (tid %u)", v, s->tid);
	t = doc_table(d, title);
	t->name = "steal";
	table_cols(t, 7, cols, keys, numeric);
	attr_add(&t->attrs, "vcpu", true, "%u", v);
	attr_add(&t->attrs, "steal_ms", true, "%s", fmt_ms(s->steal_ns, m1, sizeof(m1)));
	attr_add(&t->attrs, "halt_ms", true, "%s", fmt_ms(s->halt_ns, m2, sizeof(m2)));
	attr_add(&t->attrs, "steal_intervals", true, "%" PRIu64, s->steal_intervals);
	attr_add(&t->attrs, "halt_intervals", true, "%" PRIu64, s->halt_intervals);
	/* The kernel's run_delay, beside the steal the intervals add up to. */
	if (s->has_run_delay) {
		fmt_ms(s->run_delay_ns, m3, sizeof(m3));
		attr_add(&t->attrs, "run_delay_ms", true, "%s", m3);
		snprintf(rd, sizeof(rd), "; run_delay %s ms (%.2f%%)", m3,
			 pct(s->run_delay_ns, wall));
	}
	unk = pct(unknown_steal(a, v), s->steal_ns);
	attr_add(&t->attrs, "unknown_steal_pct", true, "%.2f", unk);
	t->summary = xasprintf("steal %s ms (%.2f%% of wall), halt %s ms (%.2f%%)%s; unknown %.2f%% of steal",
			       m1, pct(s->steal_ns, wall), m2,
			       pct(s->halt_ns, wall), rd, unk);
	for (i = 0; i < rs->n; i++) {
		if (rs->rows[i].group != v)
			continue;
		snprintf(who, sizeof(who), "[steal] %s", rs->rows[i].module);
		add_row(a, t, who, rs->rows[i].module, rs->rows[i].aux,
			rs->rows[i].count, wall);
	}
	if (s->halt_ns)
		add_row(a, t, "[halt]", NULL, s->halt_intervals, s->halt_ns,
			wall);
}

void report_steal(struct analysis *a, struct doc *d)
{
	u64 begin = analysis_window_begin_ns(a), end = analysis_end_ns(a), wall;
	struct agg_entry *e;
	struct rowset rs;
	char who[1024];
	u32 v;

	wall = end > begin ? end - begin : 0;
	rowset_init(&rs);
	agg_for_each(&a->steal_agg, e) {
		if (!e->v1)
			continue;	/* all of it moved to throttled */
		owner_name(a, e->k.b, who, sizeof(who));
		/* count = ns so rows sort by time; aux = intervals */
		rowset_add(&rs, e->k.a, "", who, e->v1,
			   agg_get(&a->steal_ivs, &e->k)->v1);
	}
	rowset_sort(&rs);
	for (v = 0; v < a->nvcpus; v++)
		if (a->vcpus[v].steal_ns || a->vcpus[v].halt_ns ||
		    a->vcpus[v].os + a->vcpus[v].user + a->vcpus[v].host)
			vcpu_table(a, d, v, &rs, wall);
	rowset_free(&rs);
}
