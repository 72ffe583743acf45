// SPDX-License-Identifier: GPL-2.0
/*
 * Sched records in time order with bounded memory.  The steal walk needs
 * every sched record in (time, file order) order.  Sorting them all at the
 * end costs memory and time in proportion to the recording; but a pCPU's
 * records are read in the order it wrote them, and records of different
 * pCPUs reach the file at most about one collector drain apart (a poll
 * period, 100 ms, plus the drain).  So each pCPU gets a queue, appended to
 * in the common case, the queues are merged by a heap of their first
 * records, and a record is walked once the file has gone SCHED_LAG_NS past
 * it: memory holds a few seconds of records, time is linear.
 *
 * The file format promises none of this.  A record that would move far
 * back in its queue makes the window keep everything and sort it at the
 * end, as before; a record older than one already walked sets
 * w->disorder, and analysis_load() then walks all sched records again from
 * the file.  The report never depends on the order the records came in.
 */
#include <stdlib.h>
#include <string.h>

#include "../../include/uapi/kvm_profile.h"
#include "analysis.h"

/* Twenty collector poll periods: a record later than this is disorder. */
#define SCHED_LAG_NS (2 * NSEC_PER_SEC)
/* A pCPU's records run back only by an NMI or so: more is no order. */
#define MAX_MOVES 64

static bool ev_before(const struct sched_ev *x, const struct sched_ev *y)
{
	return x->time != y->time ? x->time < y->time : x->seq < y->seq;
}

static int ev_cmp(const void *x, const void *y)
{
	return ev_before(x, y) ? -1 : ev_before(y, x);
}

static struct sched_ev *q_at(const struct ring *q, size_t i)
{
	return ring_at(q, i, sizeof(struct sched_ev));
}

static bool h_before(const struct sched_window *w, u32 i, u32 j)
{
	const struct sched_head *x = &w->heap[i], *y = &w->heap[j];

	return x->time != y->time ? x->time < y->time : x->seq < y->seq;
}

static void heap_swap(struct sched_window *w, u32 i, u32 j)
{
	struct sched_head t = w->heap[i];

	w->heap[i] = w->heap[j];
	w->heap[j] = t;
}

/* Heap entry : queue , keyed by its first record. */
static void heap_set(struct sched_window *w, u32 i, u32 id)
{
	const struct sched_ev *ev = q_at(w->q[id], 0);

	w->heap[i] = (struct sched_head){ ev->time, ev->seq, id };
}

static void heap_up(struct sched_window *w, u32 i)
{
	while (i && h_before(w, i, (i - 1) / 2)) {
		heap_swap(w, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void heap_down(struct sched_window *w, u32 i)
{
	u32 l, m;

	for (;;) {
		l = 2 * i + 1;
		m = i;
		if (l < w->nheap && h_before(w, l, m))
			m = l;
		if (l + 1 < w->nheap && h_before(w, l + 1, m))
			m = l + 1;
		if (m == i)
			return;
		heap_swap(w, i, m);
		i = m;
	}
}

static struct ring *queue_of(struct sched_window *w, u32 cpu)
{
	if (!w->heap)
		w->heap = xcalloc(MAX_CPUS + 1, sizeof(*w->heap));
	return rings_get(&w->q, MAX_CPUS + 1, cpu < MAX_CPUS ? cpu : MAX_CPUS);
}

static void all_add(struct sched_window *w, const struct sched_ev *ev)
{
	GROW_ARRAY(w->all, w->nall + 1, w->capall, 1024);
	w->all[w->nall++] = *ev;
}

/* Insert in (time, seq) order; false if it belongs too far back. */
static bool q_insert(struct sched_window *w, struct ring *q, u32 id,
		     const struct sched_ev *ev)
{
	size_t i = q->n, j;

	while (i && ev_before(ev, q_at(q, i - 1)))
		if (q->n - --i >= MAX_MOVES)
			return false;
	ring_insert(q, i, ev, sizeof(*ev));
	if (q->n == 1) {
		heap_set(w, w->nheap, id);
		heap_up(w, w->nheap++);
	} else if (!i) {
		/* rare: a new first record; find the queue's entry */
		for (j = 0; w->heap[j].id != id; j++)
			;
		heap_set(w, j, id);
		heap_up(w, j);
	}
	return true;
}

/* Move what is queued to w->all, to be sorted at the end with the rest. */
static void queues_to_all(struct sched_window *w)
{
	struct ring *q;
	u32 i;

	for (i = 0; i < w->nheap; i++) {
		q = w->q[w->heap[i].id];
		while (q->n) {
			all_add(w, q_at(q, 0));
			ring_pop(q);
		}
	}
	w->nheap = 0;
}

/*
 * Walking early needs everything the walk reads to be known already:
 * --from/--to without a recorded start are relative to the earliest
 * record of the whole file.  (Host samples a walked interval is split by
 * are all read by then: host_stamps.c.)
 */
static bool must_keep_all(const struct analysis *a)
{
	return (a->f.has_from || a->f.has_to) && !a->have_start;
}

void sched_window_keep_all(struct analysis *a)
{
	if (a->sw.keep_all)
		return;
	a->sw.keep_all = true;
	queues_to_all(&a->sw);
}

u64 sched_window_horizon(const struct analysis *a)
{
	const struct sched_window *w = &a->sw;
	u64 h = a->last_ns > SCHED_LAG_NS ? a->last_ns - SCHED_LAG_NS : 0;

	if (w->any_walked)
		return w->walked;
	return w->nheap && w->heap[0].time < h ? w->heap[0].time : h;
}

static void walk_min(struct analysis *a)
{
	struct sched_window *w = &a->sw;
	struct ring *q = w->q[w->heap[0].id];
	struct sched_ev ev = *q_at(q, 0);

	ring_pop(q);
	if (q->n)
		heap_set(w, 0, w->heap[0].id);
	else
		w->heap[0] = w->heap[--w->nheap];
	heap_down(w, 0);
	w->walked = ev.time;
	w->any_walked = true;
	steal_walk_event(a, &ev);
}

void sched_window_push(struct analysis *a, const struct sched_ev *ev)
{
	struct sched_window *w = &a->sw;
	struct sched_ev e = *ev;
	struct ring *q;
	u32 id;

	e.seq = w->seq++;
	a->nsched++;
	/* or before host samples were dropped as too old for any interval */
	if ((w->any_walked && e.time < w->walked) || e.time < a->hs.floor)
		w->disorder = true;
	if (w->disorder) {
		/* analysis_load() walks them all again: keep nothing. */
		sched_window_free(w);
		host_stamps_free(&a->hs);
		return;
	}
	if (must_keep_all(a))
		sched_window_keep_all(a);
	if (w->keep_all) {
		all_add(w, &e);
		return;
	}
	q = queue_of(w, e.cpu);
	id = e.cpu < MAX_CPUS ? e.cpu : MAX_CPUS;
	if (!q_insert(w, q, id, &e)) {
		sched_window_keep_all(a);
		all_add(w, &e);
		return;
	}
	/* a->last_ns: the latest time of any record so far */
	while (w->nheap && w->heap[0].time + SCHED_LAG_NS < a->last_ns)
		walk_min(a);
}

void sched_window_finish(struct analysis *a)
{
	struct sched_window *w = &a->sw;
	size_t i;

	/* What is left is all later than what was walked: sort and walk. */
	queues_to_all(w);
	if (w->nall)
		qsort(w->all, w->nall, sizeof(*w->all), ev_cmp);
	for (i = 0; i < w->nall; i++)
		steal_walk_event(a, &w->all[i]);
	sched_window_free(w);
}

void sched_window_free(struct sched_window *w)
{
	rings_free(&w->q, MAX_CPUS + 1);
	free(w->heap);
	free(w->all);
	w->heap = NULL;
	w->all = NULL;
	w->nheap = 0;
	w->nall = w->capall = 0;
}
