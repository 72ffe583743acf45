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
/* Returns the entry for k, inserting it; NULL when the table is full. */
struct agg_entry *agg_get(struct agg_table *t, const struct agg_key *k);
/* Like agg_get() but past max too (overflow and named keys), never NULL. */
struct agg_entry *agg_get_over(struct agg_table *t, const struct agg_key *k);
/* The entry for k, or NULL: looks, never inserts. */
const struct agg_entry *agg_find(const struct agg_table *t,
				 const struct agg_key *k);

/* Start loading k's slot into the cache ahead of agg_get(). */
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
