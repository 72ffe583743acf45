// SPDX-License-Identifier: GPL-2.0
/*
 * The host's context switches on the vCPU threads' pCPUs (SWITCH chunks,
 * since 1.2): steal.c asks them who held a pCPU over a wait no KVM
 * record names, and when a vCPU thread was switched out and in again
 * outside KVM_RUN.
 *
 * Memory stays bounded as host_stamps.c's does: a pCPU's switches come in
 * time order, a wait is asked about only once the walk reaches its end,
 * so a full queue is cut to what a wait not walked yet can still reach
 * (sched_window_horizon(), steal_walk_horizon(): at most WAIT_KEEP_NS
 * before the walk), keeping who held the pCPU at the cut.  A switch older
 * than the walk is disorder: analysis_load() reads them all again.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

#define MAX_MOVES 64
/* A thread's switches one wait may look at; more fall to the guess. */
#define MAX_EVENTS 512

static u32 queue_id(u32 cpu)
{
	return cpu < MAX_CPUS ? cpu : MAX_CPUS;
}

static int sw_cmp(const void *x, const void *y)
{
	const struct sw_ev *a = x, *b = y;

	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static const char *refusal(u32 err)
{
	switch (err) {
	case EACCES:
	case EPERM:
		return "switch records need CAP_PERFMON";
	case ESRCH:
		return "no vCPU thread's pCPUs were known to record switches on";
	default:
		return "no switch records: the host kernel refused them";
	}
}

void switch_hist_meta(struct analysis *a, const u8 *p, u32 len)
{
	struct switch_hist *h = &a->swh;
	u32 v[2], cpu, i;
	char *s;

	if (len < sizeof(v))
		return;
	memcpy(v, p, sizeof(v));
	if (v[0] != DF_SWITCHES_ON) {
		h->state = SW_REFUSED;
		h->err = v[1];
		s = xasprintf("unknown (no record named who held the pCPU; %s)",
			      refusal(v[1]));
		h->norec_owner = OWNER_COMM | analysis_label_id(a, s);
		free(s);
		return;
	}
	h->state = SW_ON;
	if (!h->cpus)
		h->cpus = xcalloc(MAX_CPUS / 8, 1);
	for (i = sizeof(v); len - i >= sizeof(u32); i += sizeof(u32)) {
		memcpy(&cpu, p + i, sizeof(cpu));
		if (cpu < MAX_CPUS)
			h->cpus[cpu / 8] |= (u8)(1U << (cpu % 8));
	}
}

static struct ring *queue_of(struct switch_hist *h, u32 id)
{
	if (!h->unsorted) {
		h->unsorted = xcalloc(MAX_CPUS + 1, sizeof(*h->unsorted));
		h->holder = xcalloc(MAX_CPUS + 1, sizeof(*h->holder));
		h->floor = xcalloc(MAX_CPUS + 1, sizeof(*h->floor));
		h->used = xcalloc(MAX_CPUS + 1, sizeof(*h->used));
	}
	if (!h->q || !h->q[id]) {
		h->holder[id] = SW_NOBODY;
		h->used[h->nused++] = id;
	}
	return rings_get(&h->q, MAX_CPUS + 1, id);
}

static u32 next_of(const struct sw_ev *e)
{
	return e->flags & DF_SWITCH_LOST ? SW_NOBODY : e->next;
}

/* Drop what no wait still to be named can reach; room for more. */
static void trim(struct analysis *a, struct ring *q, u32 id)
{
	u64 until = sched_window_horizon(a), open = steal_walk_horizon(a, id);
	struct switch_hist *h = &a->swh;

	if (open < until)
		until = open;
	/* a wait's thread switches may be asked for from a little earlier */
	until = until > SWITCH_SLACK_NS ? until - SWITCH_SLACK_NS : 0;
	while (q->n && sw_at(q, 0)->time < until) {
		h->holder[id] = next_of(sw_at(q, 0));
		h->floor[id] = sw_at(q, 0)->time;
		ring_pop(q);
		h->held--;
	}
	if (q->n > q->cap / 4 * 3)
		ring_grow(q, sizeof(struct sw_ev));
}

static void push(struct analysis *a, const struct df_switch *d)
{
	struct sw_ev e = {
		.time = d->time_ns, .seq = a->swh.seq++, .prev = d->prev_tid,
		.next = d->next_tid, .flags = d->flags,
	};
	struct sched_window *w = &a->sw;
	struct switch_hist *h = &a->swh;
	u32 id = queue_id(d->cpu);
	struct ring *q;
	size_t i;

	if (w->disorder)
		return;		/* analysis_load() reads them again */
	if (!w->keep_all && w->any_walked && e.time < w->walked) {
		/* a wait before it may be named already */
		w->disorder = true;
		sched_window_free(w);
		host_stamps_free(&a->hs);
		switch_hist_reset(h);
		return;
	}
	if (e.flags & DF_SWITCH_LOST)
		h->lost += d->next_tid;
	else
		h->entries++;
	q = queue_of(h, id);
	if (q->n && q->n == q->cap && !w->keep_all)
		trim(a, q, id);
	i = q->n;
	while (i && sw_cmp(&e, sw_at(q, i - 1)) < 0) {
		if (w->keep_all || q->n - --i >= MAX_MOVES) {
			sched_window_keep_all(a);
			h->unsorted[id] = true;
			i = q->n;
			break;
		}
	}
	ring_insert(q, i, &e, sizeof(e));
	if (++h->held > h->peak)
		h->peak = h->held;
}

void switch_hist_chunk(struct analysis *a, const u8 *p, size_t len)
{
	struct df_switch d;
	size_t off;

	if (a->swh.state != SW_ON)
		return;		/* no META said what they are: not ours */
	for (off = 0; len - off >= sizeof(d); off += sizeof(d)) {
		memcpy(&d, p + off, sizeof(d));
		push(a, &d);
	}
	if (off != len)
		a->st.malformed++;
}

/* The first entry of @q later than @t. */
static size_t first_after(const struct ring *q, u64 t)
{
	size_t lo = 0, hi = q->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (sw_at(q, mid)->time <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct ring *queue(const struct switch_hist *h, u32 id)
{
	return h->q ? h->q[id] : NULL;
}

bool switch_hist_covers(const struct analysis *a, u32 cpu, u64 t)
{
	const struct switch_hist *h = &a->swh;
	const struct ring *q;
	size_t i;

	if (h->state != SW_ON || cpu >= MAX_CPUS ||
	    !h->cpus || !(h->cpus[cpu / 8] & (1U << (cpu % 8))))
		return false;
	q = queue(h, cpu);
	if (!q)
		return false;
	i = first_after(q, t);
	if (i)
		return next_of(sw_at(q, i - 1)) != SW_NOBODY;
	return t >= h->floor[cpu] && h->holder[cpu] != SW_NOBODY;
}

size_t switch_hist_holders(const struct analysis *a, u32 cpu, u64 start,
			   u64 end, u64 *starts, u32 *tids, size_t max)
{
	const struct switch_hist *h = &a->swh;
	const struct ring *q = cpu < MAX_CPUS ? queue(h, cpu) : NULL;
	size_t i, n = 0;
	u32 cur;

	if (!q || !max)
		return 0;
	i = first_after(q, start);
	cur = i ? next_of(sw_at(q, i - 1)) : h->holder[cpu];
	starts[n] = start;
	tids[n++] = cur;
	for (; i < q->n && sw_at(q, i)->time < end; i++) {
		cur = next_of(sw_at(q, i));
		if (cur == tids[n - 1])
			continue;
		if (n == max)
			break;	/* the last holder keeps the rest */
		starts[n] = sw_at(q, i)->time;
		tids[n++] = cur;
	}
	return n;
}

u64 switch_hist_idle_end(const struct analysis *a, u32 cpu, u64 after,
			 u64 until)
{
	const struct ring *q = cpu < MAX_CPUS ? queue(&a->swh, cpu) : NULL;
	size_t i, end;
	u64 t = 0;

	if (!q)
		return 0;
	end = first_after(q, until);
	for (i = first_after(q, after); i < end; i++)
		if (!sw_at(q, i)->prev && !(sw_at(q, i)->flags & DF_SWITCH_LOST))
			t = sw_at(q, i)->time;
	return t;
}

struct tev {
	u64 time;
	u32 seq;
	u32 cpu;
	bool in;
	bool preempt;
};

static int tev_cmp(const void *x, const void *y)
{
	const struct tev *a = x, *b = y;

	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

size_t switch_hist_offcpu(const struct analysis *a, u32 tid, u64 after,
			  u64 until, struct sw_off *out, size_t max)
{
	const struct switch_hist *h = &a->swh;
	struct tev *ev, *open = NULL;
	const struct sw_ev *e;
	const struct ring *q;
	size_t i, nev = 0, n = 0;
	u32 k;

	if (h->state != SW_ON || !tid || !h->nused)
		return 0;
	ev = xmalloc(MAX_EVENTS * sizeof(*ev));
	for (k = 0; k < h->nused; k++) {
		q = queue(h, h->used[k]);
		for (i = first_after(q, after); i < q->n && nev < MAX_EVENTS; i++) {
			e = sw_at(q, i);
			if (e->time > until)
				break;
			if (e->flags & DF_SWITCH_LOST)
				continue;
			if (e->prev == tid)
				ev[nev++] = (struct tev){ e->time, e->seq, h->used[k],
							  false, e->flags & DF_SWITCH_PREEMPT };
			if (e->next == tid && nev < MAX_EVENTS)
				ev[nev++] = (struct tev){ e->time, e->seq, h->used[k],
							  true, false };
		}
	}
	qsort(ev, nev, sizeof(*ev), tev_cmp);
	for (i = 0; i < nev && n < max; i++) {
		if (!ev[i].in) {
			open = &ev[i];
			continue;
		}
		if (open && ev[i].time > open->time)
			out[n++] = (struct sw_off){
				.out = open->time, .in = ev[i].time,
				.out_cpu = open->cpu, .in_cpu = ev[i].cpu,
				.preempt = open->preempt,
			};
		open = NULL;
	}
	free(ev);
	return n;
}

void switch_hist_finish(struct analysis *a)
{
	struct switch_hist *h = &a->swh;
	u32 k, id;

	for (k = 0; h->unsorted && k < h->nused; k++) {
		id = h->used[k];
		if (!h->unsorted[id])
			continue;
		ring_linear(h->q[id], sizeof(struct sw_ev));
		qsort(h->q[id]->buf, h->q[id]->n, sizeof(struct sw_ev), sw_cmp);
		h->unsorted[id] = false;
	}
	if (h->lost)
		pr_warn("perf dropped %llu context switch records of the host (buffer full): some waits outside KVM_RUN may be named wrongly or unknown",
			(unsigned long long)h->lost);
}

void switch_hist_reset(struct switch_hist *h)
{
	rings_free(&h->q, MAX_CPUS + 1);
	free(h->unsorted);
	free(h->holder);
	free(h->floor);
	free(h->used);
	h->unsorted = NULL;
	h->holder = NULL;
	h->floor = NULL;
	h->used = NULL;
	h->nused = 0;
	h->held = 0;
	h->entries = h->lost = 0;
}

void switch_hist_free(struct switch_hist *h)
{
	switch_hist_reset(h);
	free(h->cpus);
	memset(h, 0, sizeof(*h));
}
