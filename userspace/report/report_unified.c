// SPDX-License-Identifier: GPL-2.0
/*
 * Unified view, per vCPU: guest OS/user samples, host time on the vCPU
 * thread, and steal/halt time as sample equivalents (interval / period), in
 * the layout of the reference thesis.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

struct vcpu_totals {
	u64 steal, halt, total;
};

static void collect_rows(struct analysis *a, struct rowset *rs)
{
	struct agg_entry *e;
	char mod[1024];

	rows_from_agg(a, &a->vcpu_agg, true, rs);
	agg_for_each(&a->steal_agg, e) {
		if (!e->v1)
			continue;	/* all of it moved to throttled */
		owner_name(a, e->k.b, mod, sizeof(mod));
		rowset_add(rs, e->k.a, "[steal]", mod, ns_to_samples(a, e->v1),
			   e->v1);
	}
}

static void vcpu_totals(struct analysis *a, const struct rowset *rs,
			struct vcpu_totals *t)
{
	size_t i;
	u32 v;

	for (i = 0; i < rs->n; i++)
		if (rs->rows[i].group < a->nvcpus && rs->rows[i].func[0] == '[' &&
		    !strcmp(rs->rows[i].func, "[steal]"))
			t[rs->rows[i].group].steal += rs->rows[i].count;
	for (v = 0; v < a->nvcpus; v++) {
		struct vcpu_stat *s = &a->vcpus[v];

		t[v].halt = ns_to_samples(a, s->halt_ns);
		t[v].total = s->os + s->user + s->prot + s->host + t[v].steal +
			     t[v].halt;
	}
}

static void vcpu_attrs(struct analysis *a, struct table *t, u32 v,
		       const struct vcpu_totals *vt)
{
	const struct vcpu_stat *s = &a->vcpus[v];
	u64 tot = vt->total;

	attr_add(&t->attrs, "vcpu", true, "%u", v);
	attr_add(&t->attrs, "tid", true, "%u", s->tid);
	attr_add(&t->attrs, "total", true, "%" PRIu64, tot);
	attr_add(&t->attrs, "os", true, "%" PRIu64, s->os);
	attr_add(&t->attrs, "user", true, "%" PRIu64, s->user);
	attr_add(&t->attrs, "steal", true, "%" PRIu64, vt->steal);
	attr_add(&t->attrs, "halt", true, "%" PRIu64, vt->halt);
	attr_add(&t->attrs, "host", true, "%" PRIu64, s->host);
	attr_add(&t->attrs, "protected", true, "%" PRIu64, s->prot);
	t->summary = xasprintf("Total samples:%" PRIu64
		"  OS:USER:steal:halt:host = %.2f%%:%.2f%%:%.2f%%:%.2f%%:%.2f%%",
		tot, pct(s->os, tot), pct(s->user, tot), pct(vt->steal, tot),
		pct(vt->halt, tot), pct(s->host, tot));
}

static struct table *vcpu_table(struct analysis *a, struct doc *d, u32 v,
				const struct vcpu_totals *vt)
{
	char title[64];
	struct table *t;

	snprintf(title, sizeof(title), "vcpu%u (tid %u)", v, a->vcpus[v].tid);
	t = functions_table(d, title);
	snprintf(title, sizeof(title), "vcpu%u", v);
	table_fold_prefix(t, a->vm_name[0] ? a->vm_name : "vm", title);
	t->fold_time_first = true;
	vcpu_attrs(a, t, v, vt);
	return t;
}

void report_unified(struct analysis *a, struct doc *d)
{
	struct vcpu_totals *vt = xcalloc(a->nvcpus + 1, sizeof(*vt));
	struct rowset rs;
	struct table *t = NULL;
	size_t i;
	u32 v;

	rowset_init(&rs);
	rs.by_label = d->row_labels;
	collect_rows(a, &rs);
	for (v = 0; v < a->nvcpus; v++) {
		u64 h = ns_to_samples(a, a->vcpus[v].halt_ns);

		if (h)
			rowset_add(&rs, v, "[halt]", "(guest idle)", h, 0);
	}
	rowset_sort(&rs);
	vcpu_totals(a, &rs, vt);
	for (v = 0; v < a->nvcpus; v++) {
		if (!vt[v].total)
			continue;
		t = vcpu_table(a, d, v, &vt[v]);
		for (i = 0; i < rs.n; i++) {
			if (rs.rows[i].group != v || !rs.rows[i].count)
				continue;
			functions_row(t, rs.rows[i].count, vt[v].total,
				      rs.rows[i].func, rs.rows[i].module);
			functions_row_labels(t, &rs.rows[i]);
		}
	}
	rowset_free(&rs);
	free(vt);
}
