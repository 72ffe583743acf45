// SPDX-License-Identifier: GPL-2.0
/*
 * The address tables are keyed by raw address, the fast path for the usual
 * few thousand addresses.  Past AGG_MAX_ENTRIES keys (a large guest binary,
 * many vCPUs) a table is folded by what the report shows: every key whose
 * address a symbol covers becomes one key per (group, function, module),
 * so symbolized rows never depend on how many addresses were sampled.
 * Only addresses no symbol covers can still overflow, and that is counted
 * and warned about.
 */
#include <stdio.h>
#include <string.h>

#include "analysis.h"

/* The CAT_NAMED key of k's row, if k's address resolves to a name. */
static bool named_key(struct analysis *a, const struct agg_key *k,
		      struct agg_key *out)
{
	char func[256], mod[128], key[400];
	bool found;
	u32 id;

	if (k->b != CAT_GUEST_OS && k->b != CAT_GUEST_USER && k->b != CAT_HOST)
		return false;
	resolve_addr(a, k->b, k->c, k->d, func, sizeof(func), mod, sizeof(mod));
	if (!strncmp(func, "[unknown]", 9))
		return false;
	snprintf(key, sizeof(key), "%s\x1f%s", func, mod);
	id = strmap_get(&a->name_ids, key, (u32)a->nnames, &found);
	if (!found) {
		a->names = xrealloc(a->names, (a->nnames + 1) * sizeof(char *));
		a->names[a->nnames++] = xstrdup(key);
	}
	/* the interrupt a host sample was taken in stays: a pprof label */
	*out = (struct agg_key){ .a = k->a, .b = CAT_NAMED, .c = id,
				 .d = k->b == CAT_HOST ? k->d & CTX_IRQ_MASK : 0 };
	return true;
}

/*
 * Symbols known now name the same rows at the end of the pass: the tables
 * only grow (the agent adds processes and symbols, it does not move them).
 */
static void fold_names(struct analysis *a, struct agg_table *t)
{
	struct agg_entry *e, *ne;
	struct agg_table nt;
	struct agg_key k;

	agg_init(&nt, t->max);
	agg_for_each(t, e) {
		if (!named_key(a, &e->k, &k))
			k = e->k;
		ne = agg_get_over(&nt, &k);
		ne->v1 += e->v1;
	}
	agg_free(t);
	*t = nt;
}

struct agg_entry *agg_full(struct analysis *a, struct agg_table *t,
			   const struct agg_key *k)
{
	struct agg_entry *e;
	struct agg_key nk;

	if (!t->saturated) {
		fold_names(a, t);
		/*
		 * Folding freed at least half the keys, or new keys are
		 * resolved one by one from now on: either way the folds cost
		 * O(1) resolutions per sample.
		 */
		t->saturated = t->n > t->max / 2;
		e = agg_get(t, k);
		if (e)
			return e;
	}
	if (named_key(a, k, &nk))
		return agg_get_over(t, &nk);
	a->overflowed = true;
	a->overflow_cap = t->max;
	nk = (struct agg_key){ .a = k->a, .b = CAT_OVERFLOW };
	return agg_get_over(t, &nk);
}
