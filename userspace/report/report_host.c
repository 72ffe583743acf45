// SPDX-License-Identifier: GPL-2.0
/* Host view: host functions, with each VM's guest time as one row. */
#include <inttypes.h>
#include <stdio.h>

#include "report.h"

void report_host(struct analysis *a, struct doc *d)
{
	struct agg_entry *e;
	struct rowset rs;
	struct table *t;
	u64 total = 0;
	size_t i;

	rowset_init(&rs);
	rows_from_agg(a, &a->host_agg, false, &rs);
	agg_for_each(&a->host_agg, e)
		total += e->v1;
	rowset_sort(&rs);
	t = functions_table(d, "host");
	table_fold_prefix(t, "host", NULL);
	attr_add(&t->attrs, "total", true, "%" PRIu64, total);
	attr_add(&t->attrs, "guest", true, "%" PRIu64, a->samples_guest);
	attr_add(&t->attrs, "host", true, "%" PRIu64, a->samples_host);
	t->summary = xasprintf("Total samples:%" PRIu64 "  guest:host = %.2f%%:%.2f%%",
			       total, pct(a->samples_guest, total),
			       pct(a->samples_host, total));
	for (i = 0; i < rs.n; i++)
		functions_row(t, rs.rows[i].count, total, rs.rows[i].func,
			      rs.rows[i].module);
	rowset_free(&rs);
}
