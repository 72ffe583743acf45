// SPDX-License-Identifier: GPL-2.0
/*
 * Sched records in time order with bounded memory.  The steal walk needs
 * every sched record in (time, file order) order.  Sorting them all at the
 * end costs memory and time in proportion to the recording; but records
 * of different pCPUs reach the file at most about one collector drain
 * apart (a poll period, 100 ms, plus the drain), so a min-heap that walks
 * a record once the file has gone SCHED_LAG_NS past it holds only a few
 * seconds of records.
 *
 * The file format promises no such order.  A record older than one
 * already walked sets w->disorder; analysis_load() then walks all sched
 * records again from the file, kept and sorted as a whole, so the report
 * never depends on the order the records came in.
 */
#include <stdlib.h>

#include "../include/uapi/kvm_profile.h"
#include "analysis.h"

/* Twenty collector poll periods: a record later than this is disorder. */
#define SCHED_LAG_NS (2 * NSEC_PER_SEC)

static bool ev_before(const struct sched_ev *x, const struct sched_ev *y)
{
	return x->time != y->time ? x->time < y->time : x->seq < y->seq;
}

static int ev_cmp(const void *x, const void *y)
{
	return ev_before(x, y) ? -1 : ev_before(y, x);
}

static void heap_push(struct sched_window *w, const struct sched_ev *ev)
{
	struct sched_ev tmp;
	size_t i, up;

	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 1024;
		w->ev = xrealloc(w->ev, w->cap * sizeof(*w->ev));
	}
	i = w->n++;
	w->ev[i] = *ev;
	while (i && ev_before(&w->ev[i], &w->ev[up = (i - 1) / 2])) {
		tmp = w->ev[up];
		w->ev[up] = w->ev[i];
		w->ev[i] = tmp;
		i = up;
	}
}

static void heap_pop(struct sched_window *w)
{
	struct sched_ev tmp;
	size_t i = 0, l, m;

	w->ev[0] = w->ev[--w->n];
	for (;;) {
		l = 2 * i + 1;
		m = i;
		if (l < w->n && ev_before(&w->ev[l], &w->ev[m]))
			m = l;
		if (l + 1 < w->n && ev_before(&w->ev[l + 1], &w->ev[m]))
			m = l + 1;
		if (m == i)
			return;
		tmp = w->ev[m];
		w->ev[m] = w->ev[i];
		w->ev[i] = tmp;
		i = m;
	}
}

/*
 * Walking early needs everything the walk reads to be known already:
 * with host samples it splits intervals by samples that may come later,
 * and --from/--to without a recorded start are relative to the earliest
 * record of the whole file.
 */
static bool must_keep_all(const struct analysis *a)
{
	return a->sw.keep_all || a->config_flags & KVM_PROFILE_F_HOST_SAMPLES ||
	       ((a->f.has_from || a->f.has_to) && !a->have_start);
}

static void walk_min(struct analysis *a)
{
	struct sched_window *w = &a->sw;
	struct sched_ev ev = w->ev[0];

	heap_pop(w);
	w->walked = ev.time;
	w->any_walked = true;
	steal_walk_event(a, &ev);
}

void sched_window_push(struct analysis *a, const struct sched_ev *ev)
{
	struct sched_window *w = &a->sw;
	struct sched_ev e = *ev;

	e.seq = w->seq++;
	a->nsched++;
	if (w->any_walked && e.time < w->walked)
		w->disorder = true;
	if (w->disorder) {
		/* analysis_load() walks them all again: keep nothing. */
		sched_window_free(w);
		return;
	}
	heap_push(w, &e);
	if (must_keep_all(a))
		return;
	/* a->last_ns: the latest time of any record so far */
	while (w->n && w->ev[0].time + SCHED_LAG_NS < a->last_ns)
		walk_min(a);
}

void sched_window_finish(struct analysis *a)
{
	struct sched_window *w = &a->sw;
	size_t i;

	/* What is left is all later than what was walked: sort and walk. */
	if (w->n)
		qsort(w->ev, w->n, sizeof(*w->ev), ev_cmp);
	for (i = 0; i < w->n; i++)
		steal_walk_event(a, &w->ev[i]);
	sched_window_free(w);
}

void sched_window_free(struct sched_window *w)
{
	free(w->ev);
	w->ev = NULL;
	w->n = w->cap = 0;
}
