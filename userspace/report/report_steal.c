// SPDX-License-Identifier: GPL-2.0
/*
 * Steal view: per vCPU, who held its pCPU while it was runnable, and halt;
 * beside them, from samples, the host interrupts the vCPU thread served
 * while it ran (classes softirq and irq), which no steal interval holds.
 */
#include <inttypes.h>
#include <stdio.h>

#include "report.h"

const struct table_kind steal_kind = {
	.name = "steal", .ncols = 7,
	.cols = { "Culprit", "Intervals", "Time(ms)", "%Wall", "Samples-eq",
		  "Class", "Identity" },
	.keys = { "culprit", "intervals", "time_ms", "wall_pct", "samples_eq",
		  "class", "identity" },
	.numeric = { false, true, true, true, true, false, false },
	.perf = { [2] = "time" },
};

static void add_row(struct analysis *a, struct table *t, const char *who,
		    const char *cls, const char *ident, u64 ivs, u64 ns,
		    u64 wall)
{
	char ms[32];
	size_t r = table_row(t);

	table_set(t, r, 0, "%s", who);
	table_set(t, r, 1, "%" PRIu64, ivs);
	table_set(t, r, 2, "%s", fmt_ms(ns, ms, sizeof(ms)));
	table_set(t, r, 3, "%.2f", pct(ns, wall));
	table_set(t, r, 4, "%" PRIu64, ns_to_samples(a, ns));
	table_set(t, r, 5, "%s", cls);
	table_set(t, r, 6, "%s", ident);
}

/* A culprit's row: its class and identity from the name owner_name() gave. */
static void culprit_row(struct analysis *a, struct table *t,
			const struct row *row, u64 wall)
{
	char who[1024], cls[32], ident[1024];

	snprintf(who, sizeof(who), "[steal] %s", row->module);
	if (!culprit_split(row->module, cls, sizeof(cls), ident, sizeof(ident)))
		cls[0] = ident[0] = '\0';
	add_row(a, t, who, cls, ident, row->aux, row->count, wall);
}

/*
 * The vCPU's host interrupts, rows of their own: their time is samples
 * times the period, no interval (0), and not in the vCPU's steal_ns.
 */
static void irq_rows(struct analysis *a, struct table *t,
		     const struct vcpu_stat *s, u64 wall)
{
	char who[64];
	u32 k;

	for (k = IRQ_SOFT; k < IRQ_NR; k++) {
		if (!s->irq[k])
			continue;
		snprintf(who, sizeof(who), "[steal] (%s)", irq_class(k));
		add_row(a, t, who, irq_class(k), irq_identity(k), 0,
			analysis_irq_ns(a, s, k), wall);
	}
}

/* The attributes of the vCPU's host interrupts, and the summary's words. */
static void irq_attrs(struct analysis *a, struct table *t,
		      const struct vcpu_stat *s, u64 wall, char *txt,
		      size_t len)
{
	char ms[IRQ_NR][32], key[32];
	u64 ns[IRQ_NR];
	u32 k;

	for (k = IRQ_SOFT; k < IRQ_NR; k++) {
		ns[k] = analysis_irq_ns(a, s, k);
		snprintf(key, sizeof(key), "%s_ms", irq_class(k));
		attr_add(&t->attrs, key, true, "%s",
			 fmt_ms(ns[k], ms[k], sizeof(ms[k])));
	}
	txt[0] = '\0';
	if (ns[IRQ_SOFT] || ns[IRQ_HARD])
		snprintf(txt, len, "; host interrupts while it ran (samples, not in steal): softirq %s ms (%.2f%%), irq %s ms (%.2f%%)",
			 ms[IRQ_SOFT], pct(ns[IRQ_SOFT], wall), ms[IRQ_HARD],
			 pct(ns[IRQ_HARD], wall));
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
	char title[64], m1[32], m2[32], m3[32], rd[80] = "", irq[200];
	struct table *t;
	size_t i;
	double unk;

	snprintf(title, sizeof(title), "vcpu%u (tid %u)", v, s->tid);
	t = doc_table(d, &steal_kind, title);
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
	irq_attrs(a, t, s, wall, irq, sizeof(irq));
	t->summary = xasprintf("steal %s ms (%.2f%% of wall), halt %s ms (%.2f%%)%s; unknown %.2f%% of steal%s",
			       m1, pct(s->steal_ns, wall), m2,
			       pct(s->halt_ns, wall), rd, unk, irq);
	for (i = 0; i < rs->n; i++)
		if (rs->rows[i].group == v)
			culprit_row(a, t, &rs->rows[i], wall);
	irq_rows(a, t, s, wall);
	if (s->halt_ns)
		add_row(a, t, "[halt]", "halt", "", s->halt_intervals,
			s->halt_ns, wall);
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
