// SPDX-License-Identifier: GPL-2.0
/*
 * The throttled share of steal.  While a cgroup is throttled its tasks
 * wait in the runqueue (their run_delay grows) whatever else the pCPU
 * does, even nothing: the sched-out then names the idle task or whoever
 * happened to run.  cpu.stat says how long the cgroup was throttled
 * between two reads (throttled_usec), not when; so in each such window a
 * vCPU's steal is charged to "throttled (cgroup PATH)" up to that time,
 * taken first from steal nobody could be named for, then from the other
 * culprits in proportion.  Of the cgroup and its ancestors, the one
 * throttled longest in the window is named.
 *
 * The timeline and html exports draw the sched records' culprits; only
 * the steal and unified views and their exports carry this move.
 */
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

#define MAX_OWNERS 64

struct window {
	u64 start, end;
	u64 budget;		/* ns the cgroup was throttled in it */
	u32 vcpu;
	u32 owner;		/* the throttled label */
};

struct share {
	u32 owner;
	u64 ns;
};

static int sample_cmp(const void *x, const void *y)
{
	const struct thr_sample *a = x, *b = y;

	if (a->vcpu != b->vcpu)
		return a->vcpu < b->vcpu ? -1 : 1;
	if (a->depth != b->depth)
		return a->depth < b->depth ? -1 : 1;
	return a->time < b->time ? -1 : a->time > b->time;
}

/* By vCPU, start, and the longest throttled first. */
static int window_cmp(const void *x, const void *y)
{
	const struct window *a = x, *b = y;

	if (a->vcpu != b->vcpu)
		return a->vcpu < b->vcpu ? -1 : 1;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return a->budget > b->budget ? -1 : a->budget < b->budget;
}

static int piece_cmp(const void *x, const void *y)
{
	const struct steal_piece *a = x, *b = y;

	if (a->vcpu != b->vcpu)
		return a->vcpu < b->vcpu ? -1 : 1;
	return a->start < b->start ? -1 : a->start > b->start;
}

/*
 * throttled_usec sums the time each of the cgroup's per-pCPU runqueues
 * was throttled (kernel/sched/fair.c, unthrottle_cfs_rq()): with k of
 * the recorded vCPUs in one cgroup, each is given a k-th of it.
 */
static void count_sharers(const struct analysis *a, struct agg_table *k)
{
	struct agg_key key = { 0 };
	size_t i;

	for (i = 0; i < a->cul.nthr; i++) {
		key.a = a->cul.thr[i].owner & ~OWNER_COMM;
		key.c = a->cul.thr[i].time;
		agg_get(k, &key)->v1++;
	}
}

static u64 sharers(const struct agg_table *k, const struct thr_sample *s)
{
	struct agg_key key = { .a = s->owner & ~OWNER_COMM, .c = s->time };
	const struct agg_entry *e = agg_find(k, &key);

	return e && e->v1 ? e->v1 : 1;
}

/* Windows between consecutive reads of one cgroup, one per vCPU and time. */
static size_t make_windows(struct analysis *a, struct window **out)
{
	struct thr_sample *s = a->cul.thr;
	size_t i, n = 0, kept = 0;
	struct window *w;
	u64 d;
	struct agg_table k;

	agg_init(&k, 0);
	count_sharers(a, &k);
	qsort(s, a->cul.nthr, sizeof(*s), sample_cmp);
	w = xcalloc(a->cul.nthr + 1, sizeof(*w));
	for (i = 0; i + 1 < a->cul.nthr; i++) {
		if (s[i].vcpu != s[i + 1].vcpu || s[i].depth != s[i + 1].depth ||
		    s[i + 1].time <= s[i].time ||
		    s[i + 1].throttled_ns <= s[i].throttled_ns)
			continue;	/* none, or a cgroup made anew: no count */
		d = (s[i + 1].throttled_ns - s[i].throttled_ns) / sharers(&k, &s[i + 1]);
		if (d > s[i + 1].time - s[i].time)
			d = s[i + 1].time - s[i].time;
		w[n++] = (struct window){
			.start = s[i].time, .end = s[i + 1].time, .budget = d,
			.vcpu = s[i].vcpu, .owner = s[i + 1].owner,
		};
	}
	agg_free(&k);
	qsort(w, n, sizeof(*w), window_cmp);
	/* the ancestors' windows cover the same time: keep the longest */
	for (i = 0; i < n; i++)
		if (!kept || w[i].vcpu != w[kept - 1].vcpu ||
		    w[i].start >= w[kept - 1].end)
			w[kept++] = w[i];
	*out = w;
	return kept;
}

static void add_share(struct share *sh, size_t *n, u32 owner, u64 ns)
{
	size_t i;

	for (i = 0; i < *n && sh[i].owner != owner; i++)
		;
	if (i == *n) {
		if (*n == MAX_OWNERS)
			i = *n - 1;	/* fold the tail into the last one */
		else
			sh[(*n)++] = (struct share){ owner, 0 };
	}
	sh[i].ns += ns;
}

static void move_steal(struct analysis *a, u32 vcpu, u32 from, u32 to, u64 ns)
{
	struct agg_key kf = { .a = vcpu, .b = from }, kt = { .a = vcpu, .b = to };
	struct agg_entry *e = agg_get(&a->steal_agg, &kf);

	if (!ns || !e)
		return;
	if (ns > e->v1)
		ns = e->v1;
	e->v1 -= ns;
	agg_get(&a->steal_agg, &kt)->v1 += ns;
}

/* Charge up to w->budget of the steal in @sh to the window's cgroup. */
static u64 charge_window(struct analysis *a, const struct window *w,
			 struct share *sh, size_t n)
{
	u64 total = 0, known = 0, take, t, given = 0, moved = 0;
	size_t i, last = n;

	for (i = 0; i < n; i++)
		total += sh[i].ns;
	take = total < w->budget ? total : w->budget;
	/*
	 * A runnable vCPU thread that waited while its pCPU idled, in a window
	 * in which its cgroup was throttled, waited for the quota: throttled,
	 * or the pCPU waking up once unthrottled, which throttled_usec does
	 * not count.  All of that wait moves, whatever the budget.
	 */
	for (i = 0; i < n && w->budget; i++) {
		if (!(a->cul.idle_owner & OWNER_COMM) ||
		    sh[i].owner != a->cul.idle_owner)
			continue;
		move_steal(a, w->vcpu, sh[i].owner, w->owner, sh[i].ns);
		moved += sh[i].ns;
		take -= sh[i].ns < take ? sh[i].ns : take;
		sh[i].ns = 0;
	}
	for (i = 0; i < n && take; i++) {
		if (!culprit_unknown(a, sh[i].owner)) {
			known += sh[i].ns;
			last = i;
			continue;
		}
		t = sh[i].ns < take ? sh[i].ns : take;
		move_steal(a, w->vcpu, sh[i].owner, w->owner, t);
		take -= t;
		moved += t;
	}
	for (i = 0; i < n && take && known; i++) {
		if (culprit_unknown(a, sh[i].owner))
			continue;
		t = i == last ? take - given :
		    (u64)((unsigned __int128)take * sh[i].ns / known);
		move_steal(a, w->vcpu, sh[i].owner, w->owner, t);
		given += t;
	}
	return moved + given;
}

void culprits_throttled(struct analysis *a)
{
	struct steal_piece *p = a->cul.pieces;
	struct share sh[MAX_OWNERS];
	struct window *w = NULL;
	size_t nw, i, j = 0, k, n;
	struct agg_key ki;
	u64 s, e;

	if (!a->cul.nthr || !a->cul.npieces)
		return;
	nw = make_windows(a, &w);
	qsort(p, a->cul.npieces, sizeof(*p), piece_cmp);
	for (i = 0; i < nw; i++) {
		/* a vCPU's pieces do not overlap: sorted by start, by end too */
		while (j < a->cul.npieces && (p[j].vcpu < w[i].vcpu ||
		       (p[j].vcpu == w[i].vcpu && p[j].end <= w[i].start)))
			j++;
		n = 0;
		for (k = j; k < a->cul.npieces && p[k].vcpu == w[i].vcpu &&
		     p[k].start < w[i].end; k++) {
			s = p[k].start > w[i].start ? p[k].start : w[i].start;
			e = p[k].end < w[i].end ? p[k].end : w[i].end;
			if (e > s)
				add_share(sh, &n, steal_owner(a, p[k].vcpu, &p[k].r),
					  e - s);
		}
		if (charge_window(a, &w[i], sh, n)) {
			ki = (struct agg_key){ .a = w[i].vcpu, .b = w[i].owner };
			agg_get(&a->steal_ivs, &ki)->v1++;
		}
	}
	free(w);
}
