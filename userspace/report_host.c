// SPDX-License-Identifier: GPL-2.0
/* Host view: host functions, with each VM's guest time as one row. */
#include <inttypes.h>
#include <stdio.h>

#include "report.h"

static const char *const cols[] = { "Samples", "%Ratio", "Function", "Module" };
static const char *const keys[] = { "samples", "ratio", "function", "module" };
static const bool numeric[] = { true, true, false, false };

void report_host(struct analysis *a, struct doc *d)
{
	struct agg_entry *e;
	struct rowset rs;
	struct table *t;
	u64 total = 0;
	size_t i, r;

	rowset_init(&rs);
	rows_from_agg(a, &a->host_agg, false, &rs);
	agg_for_each(&a->host_agg, e)
		total += e->v1;
	rowset_sort(&rs);
	t = doc_table(d, "host");
	t->name = "functions";
	table_cols(t, 4, cols, keys, numeric);
	t->truncatable = true;
	t->last_gap = true;
	table_fold_prefix(t, "host", NULL);
	t->nfold = 2;
	t->fold_cols[0] = 3;
	t->fold_cols[1] = 2;
	t->fold_count = 0;
	attr_add(&t->attrs, "total", true, "%" PRIu64, total);
	attr_add(&t->attrs, "guest", true, "%" PRIu64, a->samples_guest);
	attr_add(&t->attrs, "host", true, "%" PRIu64, a->samples_host);
	t->summary = xasprintf("Total samples:%" PRIu64 "  guest:host = %.2f%%:%.2f%%",
			       total, pct(a->samples_guest, total),
			       pct(a->samples_host, total));
	for (i = 0; i < rs.n; i++) {
		r = table_row(t);
		table_set(t, r, 0, "%" PRIu64, rs.rows[i].count);
		table_set(t, r, 1, "%.2f", pct(rs.rows[i].count, total));
		table_set(t, r, 2, "%s", rs.rows[i].func);
		table_set(t, r, 3, "%s", rs.rows[i].module);
	}
	rowset_free(&rs);
}
