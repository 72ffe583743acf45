// SPDX-License-Identifier: GPL-2.0
/*
 * Timeline view: per pCPU, one character per time bucket naming the vCPU
 * (0-9, a-z, + beyond) or host task (*) sampled most in it; '.' = nothing.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

static const char *const tl_cols[] = { "pCPU", "Timeline" };
static const char *const tl_keys[] = { "cpu", "timeline" };
static const bool tl_num[] = { true, false };
static const char *const lg_cols[] = { "pCPU", "Char", "Owner", "Samples" };
static const char *const lg_keys[] = { "cpu", "char", "owner", "samples" };
static const bool lg_num[] = { true, false, false, true };

struct cell_best {
	u32 owner;
	u64 count;
};

static u32 max_cpu(struct analysis *a)
{
	struct agg_entry *e;
	u32 m = 0;

	agg_for_each(&a->tl_agg, e)
		if (e->k.a + 1 > m)
			m = e->k.a + 1;
	return m;
}

static void fill_best(struct analysis *a, struct cell_best *best, u32 ncpu)
{
	struct agg_entry *e;

	agg_for_each(&a->tl_agg, e) {
		struct cell_best *b = &best[(size_t)e->k.a * a->tl_cols + e->k.b];

		if (e->k.a >= ncpu)
			continue;
		if (e->v1 > b->count || (e->v1 == b->count && e->k.c < b->owner)) {
			b->count = e->v1;
			b->owner = (u32)e->k.c;
		}
	}
}

static void legend(struct analysis *a, struct doc *d)
{
	struct agg_entry *e;
	struct rowset rs;
	struct table *t;
	char who[128], ch[2] = { 0 };
	size_t i, r;

	rowset_init(&rs);
	agg_for_each(&a->tl_agg, e) {
		owner_name(a, (u32)e->k.c, who, sizeof(who));
		ch[0] = owner_char((u32)e->k.c);
		rowset_add(&rs, e->k.a, ch, who, e->v1, 0);
	}
	rowset_sort(&rs);
	t = doc_table(d, "legend");
	t->name = "legend";
	table_cols(t, 4, lg_cols, lg_keys, lg_num);
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
	u32 ncpu = max_cpu(a), c, col;
	struct cell_best *best;
	struct table *t;
	char *line, ms[32];
	size_t r;

	best = xcalloc((size_t)ncpu * a->tl_cols + 1, sizeof(*best));
	fill_best(a, best, ncpu);
	t = doc_table(d, "timeline");
	t->name = "timeline";
	table_cols(t, 2, tl_cols, tl_keys, tl_num);
	attr_add(&t->attrs, "bucket_ms", true, "%s", fmt_ms(a->tl_width, ms, sizeof(ms)));
	attr_add(&t->attrs, "buckets", true, "%u", a->tl_cols);
	t->summary = xasprintf("one column = %s ms; 0-9a-z vCPU, * host task, . no samples",
			       ms);
	line = xmalloc(a->tl_cols + 1);
	for (c = 0; c < ncpu; c++) {
		for (col = 0; col < a->tl_cols; col++) {
			struct cell_best *b = &best[(size_t)c * a->tl_cols + col];

			line[col] = b->count ? owner_char(b->owner) : '.';
		}
		line[a->tl_cols] = '\0';
		if (!strspn(line, ".") || strspn(line, ".") < a->tl_cols) {
			r = table_row(t);
			table_set(t, r, 0, "%u", c);
			table_set(t, r, 1, "%s", line);
		}
	}
	free(line);
	free(best);
	legend(a, d);
}
