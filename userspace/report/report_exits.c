// SPDX-License-Identifier: GPL-2.0
/*
 * Exits view: host-context samples on vCPU threads charged to the exit
 * being handled (host time), and guest samples by the last exit before them;
 * then, per exit reason, the host functions those samples were in.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "exit_names.h"
#include "report.h"

/* perf kvm stat report --key sample|time, and its "Event" column */
const struct table_kind exit_reasons_kind = {
	.name = "exit_reasons", .ncols = 7,
	.cols = { "ISA", "Exit reason", "Code", "Host samples", "Host time(ms)",
		  "%Host", "Guest samples" },
	.keys = { "isa", "reason", "code", "host_samples", "host_time_ms",
		  "host_pct", "guest_samples" },
	.numeric = { false, false, false, true, true, true, true },
	.perf = { [1] = "event", [3] = "sample", [4] = "time" },
};

const struct table_kind exit_handlers_kind = {
	.name = "exit_handlers", .ncols = 5,
	.cols = { "Exit reason", "Samples", "%Reason", "Function", "Module" },
	.keys = { "reason", "samples", "reason_pct", "function", "module" },
	.numeric = { false, true, true, false, false },
	.perf = { "event", "sample", NULL, "sym", "dso" },
};
/* Host functions shown per exit reason. */
#define FUNCS_PER_REASON 5

struct exit_row {
	u8 isa;
	u64 code;
	u64 host;
	u64 guest;
};

static int exit_cmp(const void *x, const void *y)
{
	const struct exit_row *a = x, *b = y;

	if (a->host != b->host)
		return a->host > b->host ? -1 : 1;
	if (a->guest != b->guest)
		return a->guest > b->guest ? -1 : 1;
	if (a->isa != b->isa)
		return a->isa < b->isa ? -1 : 1;
	return a->code < b->code ? -1 : a->code > b->code;
}

static size_t collect(struct analysis *a, struct exit_row **out, u64 *host)
{
	struct exit_row *rows = xcalloc(a->exit_agg.n + 1, sizeof(*rows));
	struct agg_entry *e;
	size_t n = 0, i;

	*host = 0;
	agg_for_each(&a->exit_agg, e) {
		for (i = 0; i < n; i++)
			if (rows[i].isa == e->k.a && rows[i].code == e->k.c)
				break;
		if (i == n)
			rows[n++] = (struct exit_row){ (u8)e->k.a, e->k.c, 0, 0 };
		if (e->k.b)
			rows[i].guest += e->v1;
		else
			rows[i].host += e->v1;
		if (!e->k.b)
			*host += e->v1;
	}
	qsort(rows, n, sizeof(*rows), exit_cmp);
	*out = rows;
	return n;
}

/* The host functions that handled each exit reason, heaviest first. */
static void report_exit_functions(struct analysis *a, struct doc *d,
				  const struct exit_row *rows, size_t n)
{
	struct rowset rs;
	struct table *t;
	const char *reason;
	char name[64];
	size_t i, j, r, shown;
	u32 group;

	rowset_init(&rs);
	rows_from_agg(a, &a->exit_func_agg, true, &rs);
	rowset_sort(&rs);
	t = doc_table(d, &exit_handlers_kind, "exit handlers");
	t->summary = xasprintf("Host functions handling each exit reason (top %d)",
			       FUNCS_PER_REASON);
	for (i = 0; i < n; i++) {
		if (!rows[i].host)
			continue;
		group = exit_group(rows[i].isa, rows[i].code);
		reason = exit_reason_str(rows[i].isa, rows[i].code, name,
					 sizeof(name));
		for (j = 0, shown = 0; j < rs.n && shown < FUNCS_PER_REASON; j++) {
			if (rs.rows[j].group != group)
				continue;
			r = table_row(t);
			table_set(t, r, 0, "%s", reason);
			table_set(t, r, 1, "%" PRIu64, rs.rows[j].count);
			table_set(t, r, 2, "%.2f", pct(rs.rows[j].count, rows[i].host));
			table_set(t, r, 3, "%s", rs.rows[j].func);
			table_set(t, r, 4, "%s", rs.rows[j].module);
			shown++;
		}
	}
	rowset_free(&rs);
}

void report_exits(struct analysis *a, struct doc *d)
{
	struct exit_row *rows;
	char name[64], ms[32];
	struct table *t;
	size_t n, i, r;
	u64 host;

	n = collect(a, &rows, &host);
	t = doc_table(d, &exit_reasons_kind, "exit reasons");
	t->truncatable = true;
	attr_add(&t->attrs, "host_samples", true, "%" PRIu64, host);
	t->summary = xasprintf("Host samples in exit handling: %" PRIu64
			       " (%s ms)", host,
			       fmt_ms(host * a->period_ns, ms, sizeof(ms)));
	for (i = 0; i < n; i++) {
		r = table_row(t);
		table_set(t, r, 0, "%s", exit_isa_name(rows[i].isa));
		table_set(t, r, 1, "%s", exit_reason_str(rows[i].isa, rows[i].code,
							 name, sizeof(name)));
		table_set(t, r, 2, "0x%" PRIx64, rows[i].code);
		table_set(t, r, 3, "%" PRIu64, rows[i].host);
		table_set(t, r, 4, "%s", fmt_ms(rows[i].host * a->period_ns,
						ms, sizeof(ms)));
		table_set(t, r, 5, "%.2f", pct(rows[i].host, host));
		table_set(t, r, 6, "%" PRIu64, rows[i].guest);
	}
	report_exit_functions(a, d, rows, n);
	free(rows);
}
