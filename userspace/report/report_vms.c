// SPDX-License-Identifier: GPL-2.0
/*
 * VMs view, the host-level view of a recording of every VM (record --vm
 * all, a directory) or of one file: each VM as one row (its guest
 * samples) beside the host functions of all of them, and the steal
 * matrix: for each VM (victim), its steal by culprit, another VM named
 * as one column whatever its vCPU, a host culprit by its class, as are
 * the host interrupts its vCPU threads served (softirq, irq: samples).
 * Each file is read on its own (one pass, its analysis freed before the
 * next): what the view keeps of one is struct vm_sum.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "vm_index.h"

const struct table_kind vms_kind = {
	.name = "vms", .ncols = 5,
	.cols = { "Samples", "%Ratio", "Kind", "Name", "Module" },
	.keys = { "samples", "ratio", "kind", "name", "module" },
	.numeric = { true, true },
	.perf = { "sample", "overhead", [3] = "sym", [4] = "dso" },
};

const struct table_kind steal_matrix_kind = {
	.name = "steal_matrix", .ncols = 7,
	.cols = { "Victim", "Culprit", "Class", "Time(ms)", "%Wall",
		  "Intervals", "Recorded" },
	.keys = { "victim", "culprit", "class", "time_ms", "wall_pct",
		  "intervals", "recorded" },
	.numeric = { false, false, false, true, true, true, false },
	.perf = { [3] = "time" },
};

struct cell {
	char *culprit;		/* a VM's name, or a class */
	char cls[32];
	u64 ns, ivs;
};

struct vm_sum {
	char name[128];		/* the VM's name, else pid:N (as culprits name it) */
	char file[160];
	u32 pid;
	u64 samples, guest;	/* in periods (sample_weight()) */
	u64 records;		/* the sample records */
	u64 lost;
	u64 wall_ns;
	u32 vcpus;		/* vCPUs seen: the matrix's %Wall is of wall x vcpus */
	u64 period_ns;
	struct rowset host;	/* host functions: func, module, count */
	struct cell *cells;
	size_t ncells;
};

static void add_cell(struct vm_sum *s, const char *culprit, const char *cls,
		     u64 ns, u64 ivs)
{
	size_t i;

	for (i = 0; i < s->ncells; i++) {
		if (!strcmp(s->cells[i].culprit, culprit) &&
		    !strcmp(s->cells[i].cls, cls)) {
			s->cells[i].ns += ns;
			s->cells[i].ivs += ivs;
			return;
		}
	}
	s->cells = xrealloc(s->cells, (s->ncells + 1) * sizeof(*s->cells));
	s->cells[s->ncells].culprit = xasprintf("%s", culprit);
	snprintf(s->cells[s->ncells].cls, sizeof(s->cells[0].cls), "%s", cls);
	s->cells[s->ncells].ns = ns;
	s->cells[s->ncells++].ivs = ivs;
}

/*
 * The host interrupts the VM's vCPU threads served while they ran: a
 * culprit column by class like task's, from samples (no interval).
 */
static void irq_cells(struct vm_sum *s, const struct analysis *a)
{
	u32 v, k;

	for (v = 0; v < a->nvcpus; v++)
		for (k = IRQ_SOFT; k < IRQ_NR; k++)
			if (a->vcpus[v].irq[k])
				add_cell(s, irq_class(k), irq_class(k),
					 analysis_irq_ns(a, &a->vcpus[v], k), 0);
}

/* What the view keeps of one file's analysis. */
static void vm_sum_take(struct vm_sum *s, struct analysis *a, const char *file)
{
	u64 begin = analysis_window_begin_ns(a), end = analysis_end_ns(a);
	char cls[32], ident[DF_TASK_CGROUP_MAX + 512], *sp;
	struct agg_entry *e;
	struct rowset rs;
	size_t i;
	u32 v;

	memset(s, 0, sizeof(*s));
	if (a->vm_name[0])
		snprintf(s->name, sizeof(s->name), "%s", a->vm_name);
	else
		snprintf(s->name, sizeof(s->name), "pid:%u", a->vmm_pid);
	snprintf(s->file, sizeof(s->file), "%s", file);
	s->pid = a->vmm_pid;
	s->samples = a->samples_total;
	s->records = a->sample_records;
	s->guest = a->samples_guest;
	s->lost = a->lost_total;
	s->period_ns = a->period_ns;
	s->wall_ns = end > begin ? end - begin : 0;
	for (v = 0; v < a->nvcpus; v++)
		s->vcpus += a->vcpus[v].present;
	rowset_init(&s->host);
	rowset_init(&rs);
	rows_from_agg(a, &a->host_agg, false, &rs);
	for (i = 0; i < rs.n; i++)
		if (strcmp(rs.rows[i].module, "(VM)"))	/* the VM's own row */
			rowset_add(&s->host, 0, rs.rows[i].func,
				   rs.rows[i].module, rs.rows[i].count, 0);
	rowset_free(&rs);
	agg_for_each(&a->steal_agg, e) {
		if (!e->v1)
			continue;	/* all of it moved to throttled */
		culprit_class(a, e->k.b, cls, sizeof(cls), ident, sizeof(ident));
		if (!strcmp(cls, "vm")) {
			/* "NAME vcpuN": the VM, whichever vCPU */
			sp = strrchr(ident, ' ');
			if (sp && !strncmp(sp, " vcpu", 5))
				*sp = '\0';
		} else if (!strcmp(cls, "vcpu")) {
			snprintf(ident, sizeof(ident), "%s", s->name);
		} else {
			snprintf(ident, sizeof(ident), "%s", cls);
		}
		add_cell(s, ident, cls, e->v1, agg_get(&a->steal_ivs, &e->k)->v1);
	}
	irq_cells(s, a);
}

static void vm_sum_free(struct vm_sum *s)
{
	size_t i;

	for (i = 0; i < s->ncells; i++)
		free(s->cells[i].culprit);
	free(s->cells);
	rowset_free(&s->host);
}

/* A culprit VM named pid:N that was recorded under a name: that name. */
static const char *recorded_name(const struct vm_sum *s, size_t n,
				 const char *culprit, bool *recorded)
{
	unsigned int pid;
	size_t i;

	*recorded = false;
	for (i = 0; i < n; i++) {
		if (!strcmp(s[i].name, culprit)) {
			*recorded = true;
			return s[i].name;
		}
	}
	if (sscanf(culprit, "pid:%u", &pid) != 1)
		return culprit;
	for (i = 0; i < n; i++) {
		if (s[i].pid == pid) {
			*recorded = true;
			return s[i].name;
		}
	}
	return culprit;
}

struct vrow {
	u64 count;
	const char *kind, *name, *module;
};

static int vrow_cmp(const void *x, const void *y)
{
	const struct vrow *a = x, *b = y;
	int c;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	c = strcmp(a->kind, b->kind);	/* "host" before "vm" */
	if (!c)
		c = strcmp(a->name, b->name);
	return c ? c : strcmp(a->module, b->module);
}

static void vms_table(struct vm_sum *s, size_t n, struct doc *d)
{
	struct vrow *rows = NULL;
	size_t nrows = 0, i, k, r;
	struct rowset host;
	struct table *t;
	u64 total = 0, guest = 0;

	rowset_init(&host);
	for (i = 0; i < n; i++) {
		total += s[i].samples;
		guest += s[i].guest;
		for (k = 0; k < s[i].host.n; k++)
			rowset_add(&host, 0, s[i].host.rows[k].func,
				   s[i].host.rows[k].module,
				   s[i].host.rows[k].count, 0);
	}
	rows = xcalloc(n + host.n + 1, sizeof(*rows));
	for (i = 0; i < n; i++)
		rows[nrows++] = (struct vrow){ s[i].guest, "vm", s[i].name,
					       "[guest]" };
	for (k = 0; k < host.n; k++)
		rows[nrows++] = (struct vrow){ host.rows[k].count, "host",
					       host.rows[k].func,
					       host.rows[k].module };
	qsort(rows, nrows, sizeof(*rows), vrow_cmp);
	t = doc_table(d, &vms_kind, "VMs and host functions");
	t->truncatable = true;
	t->last_gap = true;
	attr_add(&t->attrs, "vms", true, "%zu", n);
	attr_add(&t->attrs, "total", true, "%" PRIu64, total);
	attr_add(&t->attrs, "guest", true, "%" PRIu64, guest);
	attr_add(&t->attrs, "host", true, "%" PRIu64, total - guest);
	t->summary = xasprintf("%zu VMs, total samples:%" PRIu64 "  guest:host = %.2f%%:%.2f%%",
			       n, total, pct(guest, total),
			       pct(total - guest, total));
	for (i = 0; i < nrows; i++) {
		r = table_row(t);
		table_set(t, r, 0, "%" PRIu64, rows[i].count);
		table_set(t, r, 1, "%.2f", pct(rows[i].count, total));
		table_set(t, r, 2, "%s", rows[i].kind);
		table_set(t, r, 3, "%s", rows[i].name);
		table_set(t, r, 4, "%s", rows[i].module);
	}
	free(rows);
	rowset_free(&host);
}

struct mrow {
	const struct vm_sum *victim;
	const struct cell *c;
	const char *culprit;
	bool recorded;
};

static int mrow_cmp(const void *x, const void *y)
{
	const struct mrow *a = x, *b = y;
	int c = strcmp(a->victim->name, b->victim->name);

	if (c)
		return c;
	if (a->c->ns != b->c->ns)
		return a->c->ns > b->c->ns ? -1 : 1;
	c = strcmp(a->culprit, b->culprit);
	return c ? c : strcmp(a->c->cls, b->c->cls);
}

/* The columns of the text grid: recorded VMs, then other culprits. */
static size_t grid_cols(const struct mrow *m, size_t nm, const struct vm_sum *s,
			size_t n, const char **cols, size_t max)
{
	size_t nc = 0, i, k;

	for (i = 0; i < n && nc < max; i++)
		cols[nc++] = s[i].name;
	for (i = 0; i < nm && nc < max; i++) {
		for (k = 0; k < nc; k++)
			if (!strcmp(cols[k], m[i].culprit))
				break;
		if (k == nc)
			cols[nc++] = m[i].culprit;
	}
	return nc;
}

#define GRID_MAX_COLS 16
#define GRID_W 12

/*
 * The matrix as text, above the rows: a VM per row, a culprit per column,
 * % of the row VM's vCPU wall time (the rows' %Wall summed).
 */
static char *grid_text(const struct mrow *m, size_t nm, const struct vm_sum *s,
		       size_t n)
{
	const char *cols[GRID_MAX_COLS];
	size_t nc = grid_cols(m, nm, s, n, cols, GRID_MAX_COLS), i, k, j;
	struct buf b = { 0 };
	char cell[64];
	double sum;
	int w = 16;

	for (i = 0; i < n; i++)
		if ((int)strlen(s[i].name) > w && strlen(s[i].name) < 40)
			w = (int)strlen(s[i].name);
	snprintf(cell, sizeof(cell), "steal %% of wall x vCPUs: victim (row) by culprit (column)\n");
	buf_append(&b, cell, strlen(cell));
	for (k = 0; k <= nc; k++) {
		if (!k)
			snprintf(cell, sizeof(cell), "%-*.*s", w, w, "victim");
		else
			snprintf(cell, sizeof(cell), " %*.*s", GRID_W, GRID_W,
				 cols[k - 1]);
		buf_append(&b, cell, strlen(cell));
	}
	buf_append(&b, "\n", 1);
	for (i = 0; i < n; i++) {
		snprintf(cell, sizeof(cell), "%-*.*s", w, w, s[i].name);
		buf_append(&b, cell, strlen(cell));
		for (k = 0; k < nc; k++) {
			sum = 0;
			for (j = 0; j < nm; j++)
				if (m[j].victim == &s[i] &&
				    !strcmp(m[j].culprit, cols[k]))
					sum += pct(m[j].c->ns, s[i].wall_ns *
						   (s[i].vcpus ? s[i].vcpus : 1));
			if (sum > 0)
				snprintf(cell, sizeof(cell), " %*.2f", GRID_W, sum);
			else
				snprintf(cell, sizeof(cell), " %*s", GRID_W, "-");
			buf_append(&b, cell, strlen(cell));
		}
		buf_append(&b, "\n", 1);
	}
	buf_append(&b, "", 1);
	return (char *)b.data;
}

static void matrix_table(struct vm_sum *s, size_t n, struct doc *d)
{
	struct mrow *m = NULL;
	size_t nm = 0, i, k, r;
	struct table *t;
	char ms[32];
	u64 wall;

	for (i = 0; i < n; i++) {
		for (k = 0; k < s[i].ncells; k++) {
			m = xrealloc(m, (nm + 1) * sizeof(*m));
			m[nm].victim = &s[i];
			m[nm].c = &s[i].cells[k];
			m[nm].culprit = s[i].cells[k].culprit;
			m[nm].recorded = false;
			if (!strcmp(s[i].cells[k].cls, "vm"))
				m[nm].culprit = recorded_name(s, n,
							      s[i].cells[k].culprit,
							      &m[nm].recorded);
			else if (!strcmp(s[i].cells[k].cls, "vcpu"))
				m[nm].recorded = true;
			nm++;
		}
	}
	if (nm)
		qsort(m, nm, sizeof(*m), mrow_cmp);
	t = doc_table(d, &steal_matrix_kind, "steal matrix");
	t->truncatable = true;
	attr_add(&t->attrs, "vms", true, "%zu", n);
	t->summary = grid_text(m, nm, s, n);
	for (i = 0; i < nm; i++) {
		wall = m[i].victim->wall_ns *
		       (m[i].victim->vcpus ? m[i].victim->vcpus : 1);
		r = table_row(t);
		table_set(t, r, 0, "%s", m[i].victim->name);
		table_set(t, r, 1, "%s", m[i].culprit);
		table_set(t, r, 2, "%s", m[i].c->cls);
		table_set(t, r, 3, "%s", fmt_ms(m[i].c->ns, ms, sizeof(ms)));
		table_set(t, r, 4, "%.2f", pct(m[i].c->ns, wall));
		table_set(t, r, 5, "%" PRIu64, m[i].c->ivs);
		table_set(t, r, 6, "%s", m[i].recorded ? "yes" : "no");
	}
	free(m);
}

static void vms_build(struct vm_sum *s, size_t n, struct doc *d)
{
	vms_table(s, n, d);
	matrix_table(s, n, d);
}

void report_vms(struct analysis *a, struct doc *d)
{
	struct vm_sum s;

	vm_sum_take(&s, a, "");
	vms_build(&s, 1, d);
	vm_sum_free(&s);
}

int report_vms_dir(const char *dir, const struct filter *f, struct doc *d)
{
	struct vm_index_ent *ents;
	struct vm_sum *s;
	struct analysis a;
	struct buf hdr = { 0 };
	char *path, *line, ms[32], periods[40];
	size_t n, i, k = 0;
	u64 samples = 0, records = 0, lost = 0, wall = 0;
	int ret = 0;

	if (vm_index_read(dir, &ents, &n))
		return -1;
	s = xcalloc(n, sizeof(*s));
	for (i = 0; i < n && !ret; i++) {
		path = xasprintf("%s/%s", dir, ents[i].file);
		analysis_init(&a, f);
		if (analysis_load(&a, path)) {
			pr_err("%s: cannot be read (see above); report the others with -i on each file",
			       path);
			ret = -1;
		} else {
			vm_sum_take(&s[k++], &a, ents[i].file);
		}
		analysis_free(&a);
		free(path);
	}
	if (!ret) {
		d->view = "vms";
		for (i = 0; i < k; i++) {
			samples += s[i].samples;
			records += s[i].records;
			lost += s[i].lost;
			if (s[i].wall_ns > wall)
				wall = s[i].wall_ns;
		}
		attr_add(&d->header, "file", false, "%s", dir);
		attr_add(&d->header, "vms", true, "%zu", k);
		attr_add(&d->header, "duration_ms", true, "%s",
			 fmt_ms(wall, ms, sizeof(ms)));
		header_samples(&d->header, records, samples, periods,
			       sizeof(periods));
		attr_add(&d->header, "lost", true, "%" PRIu64, lost);
		line = xasprintf("# vmprofctl report: view vms, directory %s\n# %zu VMs, %s ms, %" PRIu64 " samples%s, %" PRIu64 " records lost:",
				 dir, k, ms, records, periods, lost);
		buf_append(&hdr, line, strlen(line));
		free(line);
		for (i = 0; i < k; i++) {
			line = xasprintf(" %s (pid %u, %s)", s[i].name, s[i].pid,
					 ents[i].state);
			buf_append(&hdr, line, strlen(line));
			free(line);
		}
		buf_append(&hdr, "\n", 2);
		d->text_header = (char *)hdr.data;
		vms_build(s, k, d);
	}
	for (i = 0; i < k; i++)
		vm_sum_free(&s[i]);
	free(s);
	free(ents);
	return ret;
}
