// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the report views: row merging, symbols, formatting. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define HOST_KERNEL_START 0xffff800000000000ULL

void rowset_init(struct rowset *s)
{
	memset(s, 0, sizeof(*s));
	strmap_init(&s->idx);
}

void rowset_add(struct rowset *s, u32 group, const char *func,
		const char *module, u64 count, u64 aux)
{
	char key[512];
	bool found;
	u32 i;

	snprintf(key, sizeof(key), "%u\x1f%s\x1f%s", group, func, module);
	i = strmap_get(&s->idx, key, (u32)s->n, &found);
	if (!found) {
		if (s->n == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 256;
			s->rows = xrealloc(s->rows, s->cap * sizeof(*s->rows));
		}
		s->rows[i] = (struct row){ group, xstrdup(func), xstrdup(module), 0, 0 };
		s->n++;
	}
	s->rows[i].count += count;
	s->rows[i].aux += aux;
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
	return c ? c : strcmp(a->module, b->module);
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
	}
	free(s->rows);
	strmap_free(&s->idx);
}

static void unknown(char *func, size_t flen, u64 addr)
{
	snprintf(func, flen, "[unknown] 0x%" PRIx64, addr);
}

static void resolve_guest_kernel(struct analysis *a, u64 addr, char *func,
				 size_t flen, char *module, size_t mlen)
{
	const struct sym *s = symtab_find(&a->guest.kernel, addr);
	const char *mod;

	if (agent_resolve(a, false, 0, addr, func, flen, module, mlen))
		return;
	snprintf(module, mlen, "[guest.kernel]");
	if (!s) {
		unknown(func, flen, addr);
		return;
	}
	snprintf(func, flen, "%s", symtab_str(&a->guest.kernel, s->name));
	mod = symtab_str(&a->guest.kernel, s->module);
	if (*mod && strcmp(mod, "[kernel.kallsyms]"))
		snprintf(module, mlen, "[guest.kernel] %s", mod);
}

static void resolve_guest_user(struct analysis *a, u64 addr, u64 cr3,
			       char *func, size_t flen, char *module,
			       size_t mlen)
{
	if (agent_resolve(a, true, cr3, addr, func, flen, module, mlen))
		return;
	snprintf(module, mlen, "[guest.user]");
	unknown(func, flen, addr);
}

static void resolve_host(struct analysis *a, u64 addr, u64 ctx, char *func,
			 size_t flen, char *module, size_t mlen)
{
	const struct sym *s = NULL;

	if (addr < HOST_KERNEL_START && ctx & CTX_VMM &&
	    host_maps_resolve(&a->vmm_maps, addr, func, flen, module, mlen))
		return;
	if (addr >= HOST_KERNEL_START)
		s = symtab_find(&a->host_syms, addr);
	if (s) {
		snprintf(func, flen, "%s", symtab_str(&a->host_syms, s->name));
		snprintf(module, mlen, "%s",
			 symtab_str(&a->host_syms, s->module));
		return;
	}
	unknown(func, flen, addr);
	if (addr >= HOST_KERNEL_START)
		snprintf(module, mlen, "[kernel.kallsyms]");
	else
		snprintf(module, mlen, "[host:%s]",
			 ctx ? analysis_comm(a, (u32)ctx) : "vmm");
}

void resolve_addr(struct analysis *a, u32 cat, u64 addr, u64 ctx,
		  char *func, size_t flen, char *module, size_t mlen)
{
	switch (cat) {
	case CAT_GUEST_OS:
		resolve_guest_kernel(a, addr, func, flen, module, mlen);
		break;
	case CAT_GUEST_USER:
		resolve_guest_user(a, addr, ctx, func, flen, module, mlen);
		break;
	case CAT_GUEST_PROT:
		snprintf(func, flen, "[protected]");
		snprintf(module, mlen, "[guest]");
		break;
	case CAT_HOST:
		resolve_host(a, addr, ctx, func, flen, module, mlen);
		break;
	case CAT_VM:
		snprintf(func, flen, "[%s]", a->vm_name[0] ? a->vm_name : "guest");
		snprintf(module, mlen, "(VM)");
		break;
	case CAT_NAMED: {
		const char *name = addr < a->nnames ? a->names[addr] : "?\x1f?";
		const char *sep = strchr(name, '\x1f');

		snprintf(func, flen, "%.*s", (int)(sep - name), name);
		snprintf(module, mlen, "%s", sep + 1);
		break;
	}
	default:
		snprintf(func, flen, "[unknown]");
		snprintf(module, mlen, "(too many distinct addresses)");
		break;
	}
}

void owner_name(const struct analysis *a, u32 owner, char *buf, size_t len)
{
	const char *comm;

	if (!(owner & OWNER_COMM)) {
		snprintf(buf, len, "(on vcpu%u)", owner);
		return;
	}
	comm = analysis_comm(a, owner & ~OWNER_COMM);
	snprintf(buf, len, "(outside: %s)", *comm ? comm : "unknown");
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

void doc_header(struct analysis *a, struct doc *d, const char *path,
		const char *view)
{
	u64 begin = analysis_window_begin_ns(a), end = analysis_end_ns(a);
	u64 dur = end > begin ? end - begin : 0;
	char ms[32], per[32];

	d->view = view;
	attr_add(&d->header, "file", false, "%s", path);
	attr_add(&d->header, "vm", false, "%s", a->vm_name);
	attr_add(&d->header, "vmm_pid", true, "%u", a->vmm_pid);
	attr_add(&d->header, "duration_ms", true, "%s", fmt_ms(dur, ms, sizeof(ms)));
	attr_add(&d->header, "samples", true, "%" PRIu64, a->samples_total);
	attr_add(&d->header, "sample_period_ns", true, "%" PRIu64, a->period_ns);
	attr_add(&d->header, "lost", true, "%" PRIu64, a->lost_total);
	attr_add(&d->header, "malformed", true, "%" PRIu64, a->st.malformed);
	attr_add(&d->header, "overflow_samples", true, "%" PRIu64,
		 a->overflow_samples);
	d->text_header = xasprintf("# vmprofctl report: view %s, file %s\n"
		"# vm %s (pid %u), %s ms, %" PRIu64 " samples, sampling every %s ms, %" PRIu64 " records lost\n",
		view, path, a->vm_name[0] ? a->vm_name : "?", a->vmm_pid, ms,
		a->samples_total, fmt_ms(a->period_ns, per, sizeof(per)),
		a->lost_total);
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
		rowset_add(rs, u[i].group, func, mod, u[i].count, 0);
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
			rowset_add(rs, group, func, mod, e->v1, 0);
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			u = xrealloc(u, cap * sizeof(*u));
		}
		u[n++] = (struct unknown_ent){ group, e->k.b, e->k.c, e->k.d, e->v1 };
	}
	add_unknowns(a, u, n, rs);
	free(u);
}
