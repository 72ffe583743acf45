// SPDX-License-Identifier: GPL-2.0
/* Hash tables used by the report aggregation. */
#include <stdlib.h>
#include <string.h>

#include "aggtab.h"

static bool key_eq(const struct agg_key *x, const struct agg_key *y)
{
	return x->a == y->a && x->b == y->b && x->c == y->c && x->d == y->d;
}

void agg_init(struct agg_table *t, size_t max)
{
	memset(t, 0, sizeof(*t));
	t->max = max;
}

void agg_free(struct agg_table *t)
{
	free(t->e);
	memset(t, 0, sizeof(*t));
}

static struct agg_entry *agg_slot(struct agg_entry *e, size_t cap,
				  const struct agg_key *k)
{
	size_t i = (size_t)agg_hash(k) & (cap - 1);

	while (e[i].k.a != AGG_EMPTY && !key_eq(&e[i].k, k))
		i = (i + 1) & (cap - 1);
	return &e[i];
}

static void agg_grow(struct agg_table *t)
{
	size_t ncap = t->cap ? t->cap * 2 : 1024, i;
	struct agg_entry *ne = xmalloc(ncap * sizeof(*ne));

	memset(ne, 0xff, ncap * sizeof(*ne));
	for (i = 0; i < t->cap; i++)
		if (t->e[i].k.a != AGG_EMPTY)
			*agg_slot(ne, ncap, &t->e[i].k) = t->e[i];
	free(t->e);
	t->e = ne;
	t->cap = ncap;
}

struct agg_entry *agg_insert(struct agg_table *t, const struct agg_key *key,
			     bool over)
{
	struct agg_key kk = *key, *k = &kk;
	bool full = t->max && t->n >= t->max;
	struct agg_entry *s;

	/*
	 * agg_find() has looked for every other key: a second probe would
	 * double the cache misses of each sample past a full table's cap.
	 */
	if (kk.a == AGG_EMPTY) {
		kk.a = AGG_EMPTY - 1;
		s = agg_find(t, k);
		if (s)
			return s;
	}
	if (full && !over)
		return NULL;
	/*
	 * agg_get_over() grows the table too: the keys past max are few
	 * (overflow rows) or bounded by the symbols (agg_fold.c), and a
	 * table without a free slot would make agg_slot() loop.
	 */
	if ((t->n + 1) * 2 > t->cap)
		agg_grow(t);
	s = agg_slot(t->e, t->cap, k);
	s->k = *k;
	s->v1 = 0;
	t->n++;
	return s;
}

void agg_prefetch(const struct agg_table *t, const struct agg_key *k)
{
	if (t->cap)
		__builtin_prefetch(&t->e[(size_t)agg_hash(k) & (t->cap - 1)]);
}

static u64 str_hash(const char *s)
{
	u64 h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

void strmap_init(struct strmap *m)
{
	memset(m, 0, sizeof(*m));
}

void strmap_free(struct strmap *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

static size_t strmap_slot(char **keys, size_t cap, const char *key)
{
	size_t i = (size_t)str_hash(key) & (cap - 1);

	while (keys[i] && strcmp(keys[i], key))
		i = (i + 1) & (cap - 1);
	return i;
}

static void strmap_grow(struct strmap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64, i, j;
	char **nk = xcalloc(ncap, sizeof(*nk));
	u32 *nv = xcalloc(ncap, sizeof(*nv));

	for (i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		j = strmap_slot(nk, ncap, m->keys[i]);
		nk[j] = m->keys[i];
		nv[j] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	m->keys = nk;
	m->vals = nv;
	m->cap = ncap;
}

u32 strmap_get(struct strmap *m, const char *key, u32 val, bool *found)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap)
		strmap_grow(m);
	i = strmap_slot(m->keys, m->cap, key);
	if (m->keys[i]) {
		if (found)
			*found = true;
		return m->vals[i];
	}
	m->keys[i] = xstrdup(key);
	m->vals[i] = val;
	m->n++;
	if (found)
		*found = false;
	return val;
}
