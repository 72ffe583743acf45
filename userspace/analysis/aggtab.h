/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_AGGTAB_H
#define VMPROF_AGGTAB_H

#include "util.h"

/*
 * Open-addressing hash table of fixed keys to a counter; no per-sample heap
 * objects.  An entry is 32 bytes, one cache line holds two: the 10M-sample
 * report is bound by these lookups.  Key field a == AGG_EMPTY marks a free
 * slot, so callers never use that value (agg_get() folds it to AGG_EMPTY - 1).
 */
#define AGG_EMPTY 0xffffffffU

struct agg_key {
	u32 a;
	u32 b;
	u64 c;
	u64 d;
};

struct agg_entry {
	struct agg_key k;
	u64 v1;
};

struct agg_table {
	struct agg_entry *e;
	size_t cap;	/* power of two */
	size_t n;
	size_t max;	/* refuse new keys past this many */
	bool saturated;	/* still full after agg_fold_names(): see analysis.c */
};

void agg_init(struct agg_table *t, size_t max);
void agg_free(struct agg_table *t);
/*
 * agg_get() and agg_get_over() when agg_find() did not find k: inserts it
 * (and looks up a key whose a is AGG_EMPTY, which agg_find() leaves).
 */
struct agg_entry *agg_insert(struct agg_table *t, const struct agg_key *k,
			     bool over);

static inline u64 agg_mix64(u64 x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static inline u64 agg_hash(const struct agg_key *k)
{
	return agg_mix64(((u64)k->a << 32 | k->b) ^
			 agg_mix64(k->c ^ agg_mix64(k->d)));
}

/*
 * The entry of a key already in the table, else NULL.  Inline: a report
 * makes three lookups a sample, and out of line each key went through
 * memory, stored field by field and loaded back whole, a load the CPU
 * cannot forward from its store buffer: it waited for the stores.
 */
static inline struct agg_entry *agg_find(const struct agg_table *t,
					 const struct agg_key *k)
{
	size_t mask = t->cap - 1, i;
	struct agg_entry *e;

	if (!t->cap || k->a == AGG_EMPTY)
		return NULL;
	for (i = (size_t)agg_hash(k) & mask;; i = (i + 1) & mask) {
		e = &t->e[i];
		if (e->k.a == k->a && e->k.b == k->b && e->k.c == k->c &&
		    e->k.d == k->d)
			return e;
		if (e->k.a == AGG_EMPTY)
			return NULL;
	}
}

/* Returns the entry for k, inserting it; NULL when the table is full. */
static inline struct agg_entry *agg_get(struct agg_table *t,
					const struct agg_key *k)
{
	struct agg_entry *e = agg_find(t, k);

	return e ? e : agg_insert(t, k, false);
}

/* Like agg_get() but past max too (overflow and named keys), never NULL. */
static inline struct agg_entry *agg_get_over(struct agg_table *t,
					     const struct agg_key *k)
{
	struct agg_entry *e = agg_find(t, k);

	return e ? e : agg_insert(t, k, true);
}

/*
 * Start loading k's slot into the cache ahead of agg_get().  Out of line:
 * inlined into analysis_records(), gcc 12 dropped the prefetch, and a
 * table past the cache's size (1M distinct addresses) took 20% longer.
 */
void agg_prefetch(const struct agg_table *t, const struct agg_key *k);

#define agg_for_each(t, it) \
	for ((it) = (t)->e; (t)->e && (it) < (t)->e + (t)->cap; (it)++) \
		if ((it)->k.a != AGG_EMPTY)

/* String -> index map for interning comms and merging report rows. */
struct strmap {
	char **keys;
	u32 *vals;
	size_t cap;
	size_t n;
};

void strmap_init(struct strmap *m);
void strmap_free(struct strmap *m);
/* Returns the value for key, inserting val if absent; *found says which. */
u32 strmap_get(struct strmap *m, const char *key, u32 val, bool *found);

#endif
