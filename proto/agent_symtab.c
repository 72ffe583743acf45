// SPDX-License-Identifier: GPL-2.0
/*
 * Symbol tables of the parser state: one per build-id plus kallsyms, and
 * the rip -> symbol lookups.  Tables arrive in chunks in any order and are
 * sorted lazily on the first lookup after a change.
 */
#include <stdlib.h>
#include <string.h>

#include "agent_parse_int.h"

static uint32_t id_hash(const struct vp_parser *p, const uint8_t *id,
			uint8_t len)
{
	/*
	 * Keyed from the start, not only folded by vp_hash(): FNV collisions
	 * a guest could build for the plain basis do not hold for this one.
	 */
	return vp_hash(p, vp_fnv1a(VP_FNV1A_BASIS ^ p->hash_key, id, len));
}

static struct vp_object *find_object(const struct vp_parser *p,
				     const uint8_t *id, uint8_t len)
{
	struct vp_object *o = p->objects[id_hash(p, id, len)];

	while (o && (o->build_id_len != len || memcmp(o->build_id, id, len)))
		o = o->next;
	return o;
}

struct vp_object *vp_state_object(struct vp_parser *p, const uint8_t *id,
				  uint8_t len)
{
	struct vp_object *o = find_object(p, id, len);
	uint32_t h;

	if (o)
		return o;
	if (p->nr_objects >= p->lim.max_objects) {
		vp_fail(p, "more than %u objects", p->lim.max_objects);
		return NULL;
	}
	o = vp_alloc(p, sizeof(*o));
	if (!o)
		return NULL;
	memset(o, 0, sizeof(*o));
	memcpy(o->build_id, id, len);
	o->build_id_len = len;
	h = id_hash(p, id, len);
	o->next = p->objects[h];
	p->objects[h] = o;
	p->nr_objects++;
	return o;
}

int vp_symtab_add(struct vp_parser *p, struct vp_symtab *t, uint32_t limit,
		  const struct vp_sym *s)
{
	if (t->nr >= limit)
		return vp_fail(p, "more than %u symbols in one table", limit);
	if (t->nr == t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 256;
		void *v;

		if (cap > limit)
			cap = limit;
		v = vp_realloc(p, t->syms, (size_t)t->cap * sizeof(*t->syms),
			       (size_t)cap * sizeof(*t->syms));
		if (!v)
			return -1;
		t->syms = v;
		t->cap = cap;
	}
	if (t->nr && s->offset < t->syms[t->nr - 1].offset)
		t->sorted = 0;
	else if (!t->nr)
		t->sorted = 1;
	t->syms[t->nr++] = *s;
	return 0;
}

static int sym_cmp(const struct vp_sym *x, const struct vp_sym *y)
{
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void sift_down(struct vp_sym *a, size_t i, size_t n)
{
	for (;;) {
		size_t c = 2 * i + 1;
		struct vp_sym t;

		if (c >= n)
			return;
		if (c + 1 < n && sym_cmp(&a[c], &a[c + 1]) < 0)
			c++;
		if (sym_cmp(&a[i], &a[c]) >= 0)
			return;
		t = a[i];
		a[i] = a[c];
		a[c] = t;
		i = c;
	}
}

/*
 * Heapsort: in place and O(n log n) whatever the guest sent.  glibc's
 * qsort() mallocs a temporary as large as the array, which the memory
 * budget did not see (32 MiB for a table of 2^20 symbols).
 */
static void sym_sort(struct vp_sym *a, size_t n)
{
	size_t i;

	for (i = n / 2; i-- > 0;)
		sift_down(a, i, n);
	while (n > 1) {
		struct vp_sym t = a[0];

		a[0] = a[--n];
		a[n] = t;
		sift_down(a, 0, n);
	}
}

/* Last symbol at or below @addr; sorts first if chunks came out of order. */
static const struct vp_sym *symtab_find(const struct vp_symtab *ct,
					uint64_t addr)
{
	struct vp_symtab *t = (struct vp_symtab *)ct;
	uint32_t lo = 0, hi;

	if (!t->nr)
		return NULL;
	if (!t->sorted) {
		sym_sort(t->syms, t->nr);
		t->sorted = 1;
	}
	hi = t->nr;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (t->syms[mid].offset <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &t->syms[lo - 1] : NULL;
}

const struct vp_sym *vp_lookup_kernel(const struct vp_parser *p,
				      uint64_t rip, uint64_t *off)
{
	const struct vp_symtab *t = &p->kallsyms;
	const struct vp_sym *s = symtab_find(t, rip);

	/*
	 * Past the last symbol lie BPF JIT images, vmalloc'ed text and module
	 * space that kallsyms did not list: not the last function plus a huge
	 * offset.
	 */
	if (s && s == &t->syms[t->nr - 1] && rip - s->offset > VP_KSYM_MAX_TAIL)
		return NULL;

	if (s && off)
		*off = rip - s->offset;
	return s;
}

static const struct vp_map *find_map(const struct vp_proc *pr, uint64_t rip)
{
	uint32_t lo = 0, hi = pr->nr_maps;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const struct vp_map *m = &pr->maps[mid];

		if (rip < m->start)
			hi = mid;
		else if (rip >= m->end)
			lo = mid + 1;
		else
			return m;
	}
	return NULL;
}

const struct vp_sym *vp_lookup_user(const struct vp_parser *p, uint32_t tgid,
				    uint64_t rip, const struct vp_map **mapp,
				    uint64_t *off)
{
	return vp_lookup_user_proc(p, vp_lookup_tgid(p, tgid), rip, mapp, off);
}

const struct vp_sym *vp_lookup_user_proc(const struct vp_parser *p,
					 const struct vp_proc *pr, uint64_t rip,
					 const struct vp_map **mapp, uint64_t *off)
{
	const struct vp_map *m = NULL;
	const struct vp_object *o;
	const struct vp_sym *s;
	uint64_t foff;

	/*
	 * A forked child that never exec'ed still runs its parent's code; an
	 * exec'ed one whose maps never came (it exited before the agent read
	 * them) does not: the parent's symbols would be wrong answers.
	 */
	if (pr && !pr->nr_maps && pr->ent.event == VP_EV_FORK &&
	    pr->ent.ppid != pr->ent.tgid)
		pr = vp_lookup_tgid(p, pr->ent.ppid) ?: pr;
	if (pr)
		m = find_map(pr, rip);
	if (mapp)
		*mapp = m;
	if (!m)
		return NULL;
	foff = rip - m->start + m->pgoff;
	if (off)
		*off = foff;
	o = m->build_id_len ? find_object(p, m->build_id, m->build_id_len) :
			      NULL;
	s = o ? symtab_find(&o->tab, foff) : NULL;
	if (!s || (s->size && foff - s->offset >= s->size))
		return NULL;
	if (off)
		*off = foff - s->offset;
	return s;
}
