// SPDX-License-Identifier: GPL-2.0
/*
 * The samples of a --host-samples recording as stamps (time, owner,
 * periods) by pCPU: steal.c splits a steal interval among the tasks
 * sampled on its pCPU during it, by the periods their samples stand for.
 * Keeping every stamp to the end made the report's memory grow with the
 * recording (16 bytes a sample then: 318 MB at 10M).
 *
 * A pCPU's stamps come in time order, as its sched records do, and an
 * interval is split only once the walk reaches its end (sched_window.c),
 * by then all its stamps are read.  So a queue is cut, when full, to
 * what an interval not split yet can still reach: nothing older than
 * what the walk may still be given (sched_window_horizon()), than the
 * start of a steal interval open on that pCPU, or than where a wait the
 * next record of a vCPU reports may begin (steal_walk_horizon()).
 * Memory holds a few seconds of stamps, more only while an interval
 * stays open.
 *
 * A stamp older than the walk is disorder, as a sched record would be:
 * analysis_load() then walks both again, with everything kept.  When the
 * window keeps every sched record, every stamp is kept too, and a queue
 * that got one out of order is sorted at the end.
 */
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

/* A stamp further back in its queue than this: the file has no order. */
#define MAX_MOVES 64

static int hs_cmp(const void *x, const void *y)
{
	const struct hs_ev *a = x, *b = y;

	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static u32 queue_id(u32 cpu)
{
	return cpu < MAX_CPUS ? cpu : MAX_CPUS;
}

static struct ring *queue_of(struct host_stamps *h, u32 cpu)
{
	if (!h->unsorted)
		h->unsorted = xcalloc(MAX_CPUS + 1, sizeof(*h->unsorted));
	return rings_get(&h->q, MAX_CPUS + 1, queue_id(cpu));
}

/* Drop what no interval still to be split can reach; room for more. */
static void trim(struct analysis *a, struct ring *q, u32 cpu)
{
	u64 until = sched_window_horizon(a), open = steal_walk_horizon(a, cpu);
	struct host_stamps *h = &a->hs;

	if (open < until)
		until = open;
	while (q->n && hs_at(q, 0)->time < until) {
		ring_pop(q);
		h->held--;
	}
	if (until > h->floor)
		h->floor = until;
	/* Mostly still needed: grow now rather than cut again soon. */
	if (q->n > q->cap / 4 * 3)
		ring_grow(q, sizeof(struct hs_ev));
}

void host_stamp_push(struct analysis *a, u64 time, u32 cpu, u32 owner,
		     u32 weight)
{
	struct hs_ev e = { .time = time, .seq = a->hs.seq++, .owner = owner,
			   .weight = weight };
	struct sched_window *w = &a->sw;
	struct host_stamps *h = &a->hs;
	struct ring *q;
	size_t i;

	if (w->disorder)
		return;		/* analysis_load() reads them again */
	if (!w->keep_all && w->any_walked && time < w->walked) {
		/* An interval before it may be split already. */
		w->disorder = true;
		sched_window_free(w);
		host_stamps_free(h);
		return;
	}
	q = queue_of(h, cpu);
	if (q->n && q->n == q->cap && !w->keep_all)
		trim(a, q, cpu);
	i = q->n;
	while (i && time < hs_at(q, i - 1)->time) {
		if (w->keep_all || q->n - --i >= MAX_MOVES) {
			sched_window_keep_all(a);
			h->unsorted[queue_id(cpu)] = true;
			i = q->n;
			break;
		}
	}
	ring_insert(q, i, &e, sizeof(e));
	if (++h->held > h->peak)
		h->peak = h->held;
}

const struct ring *host_stamps_from(const struct analysis *a, u32 cpu, u64 t,
				    size_t *first)
{
	const struct ring *q = a->hs.q ? a->hs.q[queue_id(cpu)] : NULL;
	size_t lo = 0, hi = q ? q->n : 0, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (hs_at(q, mid)->time < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	return q;
}

void host_stamps_finish(struct analysis *a)
{
	struct host_stamps *h = &a->hs;
	u32 i;

	for (i = 0; h->q && i <= MAX_CPUS; i++) {
		if (!h->q[i] || !h->unsorted[i])
			continue;
		ring_linear(h->q[i], sizeof(struct hs_ev));
		qsort(h->q[i]->buf, h->q[i]->n, sizeof(struct hs_ev), hs_cmp);
		h->unsorted[i] = false;
	}
}

void host_stamps_free(struct host_stamps *h)
{
	rings_free(&h->q, MAX_CPUS + 1);
	free(h->unsorted);
	h->unsorted = NULL;
	h->held = 0;
}
