// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the report views: row merging, formatting, shared tables. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

void rowset_init(struct rowset *s)
{
	memset(s, 0, sizeof(*s));
	strmap_init(&s->idx);
}

/* Count under the row of (group, func, module, proc, pid, irq). */
static void rowset_put(struct rowset *s, u32 group, const char *func,
		       const char *module, const char *proc, u32 pid, u32 irq,
		       u64 count, u64 aux)
{
	char key[600];
	bool found;
	u32 i;

	snprintf(key, sizeof(key), "%u\x1f%s\x1f%s\x1f%s\x1f%u\x1f%u", group,
		 func, module, proc ? proc : "", proc ? pid : 0, irq);
	i = strmap_get(&s->idx, key, (u32)s->n, &found);
	if (!found) {
		GROW_ARRAY(s->rows, s->n + 1, s->cap, 256);
		s->rows[i] = (struct row){ group, xstrdup(func), xstrdup(module), 0, 0,
					   proc ? xstrdup(proc) : NULL, pid, irq };
		s->n++;
	}
	s->rows[i].count += count;
	s->rows[i].aux += aux;
}

void rowset_add_proc(struct rowset *s, u32 group, const char *func,
		     const char *module, const char *proc, u32 pid, u64 count,
		     u64 aux)
{
	rowset_put(s, group, func, module, proc, pid, IRQ_NONE, count, aux);
}

void rowset_add_irq(struct rowset *s, u32 group, const char *func,
		    const char *module, u32 irq, u64 count)
{
	rowset_put(s, group, func, module, NULL, 0, irq, count, 0);
}

void rowset_add(struct rowset *s, u32 group, const char *func,
		const char *module, u64 count, u64 aux)
{
	rowset_add_proc(s, group, func, module, NULL, 0, count, aux);
}

static int row_cmp(const void *x, const void *y)
{
	const struct row *a = x, *b = y;
	int c;

	if (a->group != b->group)
		return a->group < b->group ? -1 : 1;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	c = strcmp(a->func, b->func);
	if (!c)
		c = strcmp(a->module, b->module);
	if (!c)
		c = strcmp(a->proc ? a->proc : "", b->proc ? b->proc : "");
	if (!c)
		c = (a->pid > b->pid) - (a->pid < b->pid);
	return c ? c : (a->irq > b->irq) - (a->irq < b->irq);
}

void rowset_sort(struct rowset *s)
{
	if (s->n)
		qsort(s->rows, s->n, sizeof(*s->rows), row_cmp);
}

void rowset_free(struct rowset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->rows[i].func);
		free(s->rows[i].module);
		free(s->rows[i].proc);
	}
	free(s->rows);
	strmap_free(&s->idx);
}

void culprit_name(const struct analysis *a, u32 owner, char *buf, size_t len)
{
	char cls[32], ident[DF_TASK_CGROUP_MAX + 512];

	culprit_class(a, owner, cls, sizeof(cls), ident, sizeof(ident));
	if (!strcmp(cls, "vcpu") || !strcmp(cls, "outside"))
		snprintf(buf, len, "%s", ident);
	else
		snprintf(buf, len, "%s %s", cls, ident);
}

void owner_name(const struct analysis *a, u32 owner, char *buf, size_t len)
{
	char cls[32], ident[DF_TASK_CGROUP_MAX + 512];

	culprit_class(a, owner, cls, sizeof(cls), ident, sizeof(ident));
	if (!strcmp(cls, "vcpu"))
		snprintf(buf, len, "(on %s)", ident);
	else if (!strcmp(cls, "outside"))
		snprintf(buf, len, "(outside: %s)", ident);
	else
		snprintf(buf, len, "(%s %s)", cls, ident);
}

char owner_char(u32 owner)
{
	if (owner & OWNER_COMM)
		return '*';
	if (owner < 10)
		return (char)('0' + owner);
	if (owner < 36)
		return (char)('a' + owner - 10);
	return '+';
}

double pct(u64 part, u64 total)
{
	return total ? 100.0 * (double)part / (double)total : 0.0;
}

const char *fmt_ms(u64 ns, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRIu64 ".%03" PRIu64, ns / NSEC_PER_MSEC,
		 (ns / 1000) % 1000);
	return buf;
}

const char *fmt_periods(u64 records, u64 periods, char *buf, size_t len)
{
	buf[0] = '\0';
	if (periods != records)
		snprintf(buf, len, " (%" PRIu64 " periods)", periods);
	return buf;
}

const char *header_samples(struct attrs *h, u64 records, u64 periods,
			   char *buf, size_t len)
{
	/* Always both: a consumer reads "periods" without a fallback. */
	attr_add(h, "samples", true, "%" PRIu64, records);
	attr_add(h, "periods", true, "%" PRIu64, periods);
	return fmt_periods(records, periods, buf, len);
}

void doc_header(struct analysis *a, struct doc *d, const char *path,
		const char *view)
{
	u64 begin = analysis_window_begin_ns(a), end = analysis_end_ns(a);
	u64 dur = end > begin ? end - begin : 0;
	char ms[32], per[32], periods[40];

	d->view = view;
	attr_add(&d->header, "file", false, "%s", path);
	attr_add(&d->header, "vm", false, "%s", a->vm_name);
	attr_add(&d->header, "vmm_pid", true, "%u", a->vmm_pid);
	attr_add(&d->header, "duration_ms", true, "%s", fmt_ms(dur, ms, sizeof(ms)));
	header_samples(&d->header, a->sample_records, a->samples_total,
		       periods, sizeof(periods));
	attr_add(&d->header, "sample_period_ns", true, "%" PRIu64, a->period_ns);
	attr_add(&d->header, "lost", true, "%" PRIu64, a->lost_total);
	attr_add(&d->header, "malformed", true, "%" PRIu64, a->st.malformed);
	attr_add(&d->header, "overflow_samples", true, "%" PRIu64,
		 a->overflow_samples);
	d->text_header = xasprintf("# vmprofctl report: view %s, file %s\n"
		"# vm %s (pid %u), %s ms, %" PRIu64 " samples%s, sampling every %s ms, %" PRIu64 " records lost\n",
		view, path, a->vm_name[0] ? a->vm_name : "?", a->vmm_pid, ms,
		a->sample_records, periods,
		fmt_ms(a->period_ns, per, sizeof(per)), a->lost_total);
	if (a->overflow_samples) {
		char *w = xasprintf("%s# warning: %" PRIu64 " samples at addresses no symbol covers, past %zu distinct ones, are counted as [unknown] (too many distinct addresses)\n",
				    d->text_header, a->overflow_samples,
				    a->overflow_cap);

		free(d->text_header);
		d->text_header = w;
	}
}

struct unknown_ent {
	u32 group;
	u32 cat;
	u64 addr;
	u64 ctx;
	u64 count;
};

static int unknown_cmp(const void *x, const void *y)
{
	const struct unknown_ent *a = x, *b = y;

	if (a->group != b->group)
		return a->group < b->group ? -1 : 1;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

/*
 * A row, of its guest process or of the host interrupt it was sampled in
 * when rs splits rows by label.  Only a host key's ctx has interrupt bits
 * (a guest user ctx is a CR3 key).
 */
static void add_row(struct analysis *a, struct rowset *rs, u32 group, u32 cat,
		    u64 ctx, const char *func, const char *mod, u64 count)
{
	char proc[64];
	u32 pid;

	if (rs->by_label && cat == CAT_GUEST_USER &&
	    agent_process(a, ctx, proc, sizeof(proc), &pid))
		rowset_add_proc(rs, group, func, mod, proc, pid, count, 0);
	else if (rs->by_label && (cat == CAT_HOST || cat == CAT_NAMED) &&
		 ctx_irq(ctx))
		rowset_add_irq(rs, group, func, mod, ctx_irq(ctx), count);
	else
		rowset_add(rs, group, func, mod, count, 0);
}

static void add_unknowns(struct analysis *a, struct unknown_ent *u, size_t n,
			 struct rowset *rs)
{
	char func[256], mod[128];
	size_t i, rank = 0;

	if (n)
		qsort(u, n, sizeof(*u), unknown_cmp);
	for (i = 0; i < n; i++) {
		rank = i && u[i].group == u[i - 1].group ? rank + 1 : 0;
		resolve_addr(a, u[i].cat, u[i].addr, u[i].ctx, func, sizeof(func),
			     mod, sizeof(mod));
		if (rank >= UNKNOWN_ROWS_MAX)
			snprintf(func, sizeof(func), "[unknown] (other addresses)");
		add_row(a, rs, u[i].group, u[i].cat, u[i].ctx, func, mod, u[i].count);
	}
}

void rows_from_agg(struct analysis *a, struct agg_table *t, bool by_group,
		   struct rowset *rs)
{
	struct unknown_ent *u = NULL;
	char func[256], mod[128];
	size_t n = 0, cap = 0;
	struct agg_entry *e;
	u32 group;

	agg_for_each(t, e) {
		group = by_group ? e->k.a : 0;
		resolve_addr(a, e->k.b, e->k.c, e->k.d, func, sizeof(func),
			     mod, sizeof(mod));
		if (strncmp(func, "[unknown] 0x", 12)) {
			add_row(a, rs, group, e->k.b, e->k.d, func, mod, e->v1);
			continue;
		}
		GROW_ARRAY(u, n + 1, cap, 1024);
		u[n++] = (struct unknown_ent){ group, e->k.b, e->k.c, e->k.d, e->v1 };
	}
	add_unknowns(a, u, n, rs);
	free(u);
}

const struct table_kind functions_kind = {
	.name = "functions", .ncols = 4,
	.cols = { "Samples", "%Ratio", "Function", "Module" },
	.keys = { "samples", "ratio", "function", "module" },
	.numeric = { true, true },
	.perf = { "sample", "overhead", "sym", "dso" },
};

const struct table_kind lost_kind = {
	.name = "lost", .ncols = 2,
	.cols = { "pCPU", "Lost records" },
	.keys = { "cpu", "lost" },
	.numeric = { true, true },
	.id = { true },
	.perf = { "cpu" },
};

struct table *functions_table(struct doc *d, const char *title)
{
	struct table *t = doc_table(d, &functions_kind, title);

	t->truncatable = true;
	t->last_gap = true;
	/* a folded stack: the table's prefix frames, module, function */
	t->nfold = 2;
	t->fold_cols[0] = 3;
	t->fold_cols[1] = 2;
	t->fold_count = 0;
	t->nlabels = 4;
	t->label_keys[0] = "guest_process";
	t->label_keys[1] = "guest_pid";
	t->label_numeric[1] = true;
	t->label_keys[2] = "culprit_class";
	t->label_keys[3] = "culprit";
	return t;
}

void functions_row(struct table *t, u64 count, u64 total, const char *func,
		   const char *mod)
{
	size_t r = table_row(t);

	table_set(t, r, 0, "%" PRIu64, count);
	table_set(t, r, 1, "%.2f", pct(count, total));
	table_set(t, r, 2, "%s", func);
	table_set(t, r, 3, "%s", mod);
}

void functions_row_labels(struct table *t, const struct row *row)
{
	char cls[32], ident[1024];

	if (!t->nrows)
		return;
	if (!strcmp(row->func, "[steal]") &&
	    culprit_split(row->module, cls, sizeof(cls), ident, sizeof(ident))) {
		table_set(t, t->nrows - 1, t->ncols + 2, "%s", cls);
		table_set(t, t->nrows - 1, t->ncols + 3, "%s", ident);
	}
	if (row->irq) {
		table_set(t, t->nrows - 1, t->ncols + 2, "%s", irq_class(row->irq));
		table_set(t, t->nrows - 1, t->ncols + 3, "%s",
			  irq_identity(row->irq));
	}
	if (!row->proc)
		return;
	table_set(t, t->nrows - 1, t->ncols, "%s", row->proc);
	table_set(t, t->nrows - 1, t->ncols + 1, "%u", row->pid);
}

bool culprit_split(const char *name, char *cls, size_t clen, char *ident,
		   size_t ilen)
{
	size_t n = strlen(name), c;

	if (n < 3 || name[0] != '(' || name[n - 1] != ')')
		return false;
	if (!strncmp(name, "(on ", 4)) {
		snprintf(cls, clen, "vcpu");
		snprintf(ident, ilen, "%.*s", (int)(n - 5), name + 4);
	} else if (!strncmp(name, "(outside: ", 10)) {
		snprintf(cls, clen, "outside");
		snprintf(ident, ilen, "%.*s", (int)(n - 11), name + 10);
	} else {
		c = strcspn(name + 1, " )");
		snprintf(cls, clen, "%.*s", (int)c, name + 1);
		snprintf(ident, ilen, "%.*s", n > c + 3 ? (int)(n - c - 3) : 0,
			 name + c + 2);
	}
	return true;
}

void lost_table(struct analysis *a, struct doc *d)
{
	struct agg_entry *e;
	struct table *t;
	size_t r;

	if (!a->lost_total)
		return;
	t = doc_table(d, &lost_kind,
		      "lost records (counts above are lower bounds)");
	agg_for_each(&a->lost_agg, e) {
		r = table_row(t);
		table_set(t, r, 0, "%u", e->k.a);
		table_set(t, r, 1, "%llu", (unsigned long long)e->v1);
	}
}
