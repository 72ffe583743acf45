// SPDX-License-Identifier: GPL-2.0
/*
 * The rows of vmprofctl top's views, from a window's analysis: per vCPU
 * its time by state, in % of the window's wall time (samples count one
 * sampling period each; halt and steal are the sched walk's intervals);
 * the guest functions and processes by samples; the culprits of steal.
 * Each view has its sort keys, the first the default; the s key cycles
 * through them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "top.h"

#define MAX_SORTS 8

struct sort_key {
	const char *name;
	bool ascending;		/* ids and names: smallest first */
	bool by_name;		/* compare the rows' names */
};

/* The biggest first; the smallest id first; names in strcmp() order. */
#define MOST(key) { .name = key }
#define BY_ID(key) { .name = key, .ascending = true }
#define BY_NAME { .name = "name", .ascending = true, .by_name = true }

struct top_row {
	double key[MAX_SORTS];	/* by the view's sort keys */
	char *name;		/* escaped: the name sorts compare it */
	char *line;
};

struct rows {
	struct top_row *v;
	size_t n, cap;
};

struct view_def {
	const char *name;
	const char *head;
	const struct sort_key *sorts;
	unsigned int nsorts;
	void (*rows)(struct analysis *a, struct rows *r);
};

/* A name from the guest, the host or the file, safe for the terminal. */
static char *safe(const char *s)
{
	return escape_name(xstrdup(s));
}

static struct top_row *add_row(struct rows *r, const char *name)
{
	struct top_row *row;

	GROW_ARRAY(r->v, r->n + 1, r->cap, 64);
	row = &r->v[r->n++];
	memset(row, 0, sizeof(*row));
	row->name = safe(name);
	return row;
}

static u64 wall_ns(const struct analysis *a)
{
	u64 begin = analysis_window_begin_ns(a), end = analysis_end_ns(a);

	return end > begin ? end - begin : 0;
}

/* The culprit that took the most of @vcpu's time; false if none did. */
static bool top_culprit(struct analysis *a, u32 vcpu, u32 *owner, u64 *ns)
{
	struct agg_entry *e;
	bool any = false;

	agg_for_each(&a->steal_agg, e) {
		if (e->k.a != vcpu || !e->v1)
			continue;
		if (!any || e->v1 > *ns || (e->v1 == *ns && e->k.b < *owner)) {
			*owner = e->k.b;
			*ns = e->v1;
			any = true;
		}
	}
	return any;
}

static const struct sort_key vcpu_sorts[] = {
	BY_ID("vcpu"), MOST("user"), MOST("kernel"), MOST("exit"), MOST("vmm"),
	MOST("halt"), MOST("steal"),
};

static void vcpu_rows(struct analysis *a, struct rows *r)
{
	const struct top_data *t = a->view;
	double wall = (double)wall_ns(a), k[MAX_SORTS];
	char name[32], who[128], *culprit;
	const struct vcpu_stat *vs;
	struct top_row *row;
	u64 ns = 0;
	u32 v, owner = 0, i;

	for (v = 0; v < a->nvcpus; v++) {
		vs = &a->vcpus[v];
		if (!vs->present)
			continue;
		k[0] = v;
		for (i = 0; i < TOP_NSAMPLED; i++)
			k[1 + i] = v < t->nvcpus && wall ?
				100.0 * (double)(t->vcpus[v][i] * a->period_ns) /
				wall : 0;
		k[5] = wall ? 100.0 * (double)vs->halt_ns / wall : 0;
		k[6] = wall ? 100.0 * (double)vs->steal_ns / wall : 0;
		who[0] = '\0';
		if (top_culprit(a, v, &owner, &ns)) {
			owner_name(a, owner, who, sizeof(who));
			culprit = safe(who);
			snprintf(who, sizeof(who), "%s %.1f%%", culprit,
				 wall ? 100.0 * (double)ns / wall : 0);
			free(culprit);
		}
		snprintf(name, sizeof(name), "vcpu%u", v);
		row = add_row(r, name);
		memcpy(row->key, k, sizeof(k));
		row->line = xasprintf("%-7s %7u %7.1f %7.1f %7.1f %7.1f %7.1f %7.1f  %s",
				      name, vs->tid, k[1], k[2], k[3], k[4],
				      k[5], k[6], who);
	}
}

/* @s cut or padded to @width code points (escaped: valid UTF-8). */
static void pad(char *dst, size_t len, const char *s, unsigned int width)
{
	size_t i = 0, o = 0;
	unsigned int cps = 0;

	while (s[i] && o + 5 < len) {
		if (((unsigned char)s[i] & 0xc0) != 0x80 && cps++ == width)
			break;
		dst[o++] = s[i++];
	}
	while (cps++ < width && o + 1 < len)
		dst[o++] = ' ';
	dst[o] = '\0';
}

static const struct sort_key fn_sorts[] = {
	MOST("samples"), BY_NAME,
};

/*
 * Guest kernel and user samples, all vCPUs, merged by name.  A window of
 * seconds never fills the address table, so no sample is under a folded
 * CAT_NAMED key.
 */
static void function_rows(struct analysis *a, struct rows *r)
{
	char func[256], mod[128], col[128], *m;
	struct agg_entry *e;
	struct top_row *row;
	struct rowset rs;
	u64 total = 0;
	size_t i;

	rowset_init(&rs);
	agg_for_each(&a->vcpu_agg, e) {
		if (e->k.b != CAT_GUEST_OS && e->k.b != CAT_GUEST_USER)
			continue;
		resolve_addr(a, e->k.b, e->k.c, e->k.d, func, sizeof(func),
			     mod, sizeof(mod));
		rowset_add(&rs, 0, func, mod, e->v1, 0);
		total += e->v1;
	}
	for (i = 0; i < rs.n; i++) {
		row = add_row(r, rs.rows[i].func);
		row->key[0] = (double)rs.rows[i].count;
		m = safe(rs.rows[i].module);
		pad(col, sizeof(col), m, 20);
		row->line = xasprintf("%7" PRIu64 " %7.1f  %s %s",
				      rs.rows[i].count,
				      pct(rs.rows[i].count, total), col,
				      row->name);
		free(m);
	}
	rowset_free(&rs);
}

static const struct sort_key proc_sorts[] = {
	MOST("samples"), MOST("user"), MOST("kernel"), BY_NAME,
};

/* Guest samples by the process whose page tables were loaded. */
static void process_rows(struct analysis *a, struct rows *r)
{
	const struct top_data *t = a->view;
	char name[64], pid[16];
	struct agg_entry *e;
	struct top_row *row;
	struct rowset rs;
	u64 total = 0, n;
	size_t i;
	u32 p;

	rowset_init(&rs);
	agg_for_each(&t->procs, e) {
		agent_proc_name(a, e->k.c, name, sizeof(name), &p);
		snprintf(pid, sizeof(pid), "%u", p);
		/* count: user mode, aux: kernel mode */
		if (e->k.b == CAT_GUEST_USER)
			rowset_add(&rs, 0, name, pid, e->v1, 0);
		else
			rowset_add(&rs, 0, name, pid, 0, e->v1);
		total += e->v1;
	}
	for (i = 0; i < rs.n; i++) {
		n = rs.rows[i].count + rs.rows[i].aux;
		row = add_row(r, rs.rows[i].func);
		row->key[0] = (double)n;
		row->key[1] = (double)rs.rows[i].count;
		row->key[2] = (double)rs.rows[i].aux;
		row->line = xasprintf("%7" PRIu64 " %7.1f %7" PRIu64 " %7" PRIu64 " %7s  %s",
				      n, pct(n, total), rs.rows[i].count,
				      rs.rows[i].aux,
				      strcmp(rs.rows[i].module, "0") ?
				      rs.rows[i].module : "-", row->name);
	}
	rowset_free(&rs);
}

static const struct sort_key culprit_sorts[] = {
	MOST("time"), BY_ID("vcpu"), BY_NAME,
};

static void culprit_row(struct analysis *a, struct rows *r, const char *who,
			u32 v, u64 ns, u64 ivs)
{
	char ms[32], vcpu[16];
	struct top_row *row;

	snprintf(vcpu, sizeof(vcpu), "vcpu%u", v);
	row = add_row(r, who);
	row->key[0] = (double)ns;
	row->key[1] = v;
	row->line = xasprintf("%10s %7.1f %9" PRIu64 "  %-7s %s",
			      fmt_ms(ns, ms, sizeof(ms)), pct(ns, wall_ns(a)),
			      ivs, vcpu, row->name);
}

/* The steal view's rows: steal by culprit, and the host interrupts. */
static void culprit_rows(struct analysis *a, struct rows *r)
{
	struct agg_entry *e;
	char who[128];
	u32 v, k;

	agg_for_each(&a->steal_agg, e) {
		if (!e->v1)
			continue;
		owner_name(a, e->k.b, who, sizeof(who));
		culprit_row(a, r, who, e->k.a, e->v1,
			    agg_get(&a->steal_ivs, &e->k)->v1);
	}
	for (v = 0; v < a->nvcpus; v++) {
		for (k = IRQ_SOFT; k < IRQ_NR; k++) {
			if (!a->vcpus[v].irq[k])
				continue;
			snprintf(who, sizeof(who), "(%s)", irq_class(k));
			culprit_row(a, r, who, v,
				    analysis_irq_ns(a, &a->vcpus[v], k), 0);
		}
	}
}

static const struct view_def views[TOP_NVIEWS] = {
	[TOP_VCPUS] = {
		"vcpus",
		"VCPU        TID   USER% KERNEL%   EXIT%    VMM%   HALT%  STEAL%  TOP CULPRIT",
		vcpu_sorts, ARRAY_SIZE(vcpu_sorts), vcpu_rows,
	},
	[TOP_FUNCTIONS] = {
		"functions", "SAMPLES  GUEST%  MODULE               FUNCTION",
		fn_sorts, ARRAY_SIZE(fn_sorts), function_rows,
	},
	[TOP_PROCESSES] = {
		"processes", "SAMPLES  GUEST%    USER  KERNEL     PID  PROCESS",
		proc_sorts, ARRAY_SIZE(proc_sorts), process_rows,
	},
	[TOP_CULPRITS] = {
		"culprits", "  STEAL MS   WALL% INTERVALS  VCPU    CULPRIT",
		culprit_sorts, ARRAY_SIZE(culprit_sorts), culprit_rows,
	},
};

const char *top_view_name(enum top_view v)
{
	return views[v].name;
}

int top_view_find(const char *name)
{
	int v;

	for (v = 0; v < TOP_NVIEWS; v++)
		if (!strcmp(name, views[v].name))
			return v;
	return -1;
}

unsigned int top_nsorts(enum top_view v)
{
	return views[v].nsorts;
}

const char *top_sort_name(enum top_view v, unsigned int sort)
{
	return views[v].sorts[sort % views[v].nsorts].name;
}

int top_sort_find(enum top_view v, const char *name)
{
	unsigned int i;

	for (i = 0; i < views[v].nsorts; i++)
		if (!strcmp(name, views[v].sorts[i].name))
			return (int)i;
	return -1;
}

struct sort_by {
	const struct sort_key *key;
	unsigned int idx;
};

/* By the key, ties by name, then line: the same order in every frame. */
static int row_cmp(const void *x, const void *y, void *arg)
{
	const struct top_row *a = x, *b = y;
	const struct sort_by *by = arg;
	double ka = a->key[by->idx], kb = b->key[by->idx];
	int c = strcmp(a->name, b->name);

	if (!c)
		c = strcmp(a->line, b->line);
	if (by->key->by_name)
		return c;
	if (ka != kb)
		return (ka < kb) == by->key->ascending ? -1 : 1;
	return c;
}

size_t top_view_rows(struct analysis *a, const struct top_screen *s,
		     char **head, char ***lines)
{
	const struct view_def *vd = &views[s->view];
	struct sort_by by = { .idx = s->sort % vd->nsorts };
	struct rows r = { 0 };
	size_t i;

	by.key = &vd->sorts[by.idx];
	vd->rows(a, &r);
	if (r.n)
		qsort_r(r.v, r.n, sizeof(*r.v), row_cmp, &by);
	*head = xstrdup(vd->head);
	*lines = xcalloc(r.n, sizeof(**lines));
	for (i = 0; i < r.n; i++) {
		(*lines)[i] = r.v[i].line;
		free(r.v[i].name);
	}
	free(r.v);
	return r.n;
}
