// SPDX-License-Identifier: GPL-2.0
/*
 * Steal and halt intervals from time-sorted sched records.  A vCPU steals
 * from a PREEMPTED sched-out to its next sched-in; halt is the same for
 * HALTED.  Culprits: with host samples, the interval is split among the
 * tasks sampled on that pCPU during it; otherwise the next task named by
 * the sched-out record takes all of it.
 *
 * Records that carry the thread's run_delay also give the waits no
 * PREEMPTED sched-out opens: the runqueue wait after a wakeup (the tail of
 * a HALTED or BLOCKED interval) and preemptions outside KVM_RUN.  What
 * run_delay grew between two records of a vCPU, beyond the PREEMPTED
 * interval between them, is steal placed just before the later record.
 * Its culprit, without host samples, is who last got that pCPU from a
 * vCPU in the meantime, if no vCPU got it back since: the vCPU that
 * handed it to this one, or the task a sched-out named as next (say, the
 * hog that took the pCPU when this vCPU blocked); else "unknown".
 * With host samples, such a wait is split by the samples of at most its
 * last WAIT_KEEP_NS: the wait's place is a guess, and a vCPU that runs
 * long between two records would otherwise keep every host sample since
 * in memory (host_stamps.c).
 *
 * With the host's context switches (SWITCH chunks, switch_hist.c), such
 * a wait is placed where they say: the intervals the vCPU thread was
 * switched out preempted and in again between the two records, exactly;
 * then the waits after a wakeup, each just before its switch-in; then
 * what is left as above (where the switches show the thread running
 * there, before the first of those pieces: early_wait()); and each piece
 * is split by who held its pCPU (switched_wait()).  A PREEMPTED interval
 * stays with the KVM record's culprit: no switch interval looked at
 * reaches into it.
 *
 * The walk runs while the file is read (sched_window.c), but a culprit's
 * name depends on what the whole file says: which vCPU a thread id is, and
 * a vCPU's thread id.  Charges to a task are therefore kept under the
 * task (an owner_ref) and turned into owners by steal_walk_finish().
 *
 * A task is named by the class the recorder found for its thread id
 * (culprits.c): another VM's vCPU, a task and its cgroup, a kernel
 * thread; and once all are named, the steal that the vCPU's cgroup
 * throttling covers moves to "throttled" (throttled.c).
 */
#include <stdlib.h>
#include <string.h>

#include "../../include/uapi/kvm_profile.h"
#include "analysis.h"

#define MAX_SPLIT 64
/* Below this, run_delay growth is clock skew between the two counters. */
#define MIN_WAIT_NS 10000
/* The host samples a wait is split by reach back this far at most. */
#define WAIT_KEEP_NS (10 * NSEC_PER_SEC)

struct open_iv {
	bool open;
	u8 reason;
	u32 cpu;
	u64 start;
	u32 next_tid;
	u32 next_comm;
};

/* A vCPU's run_delay at its last sched record. */
struct run_delay_mark {
	bool valid;
	u64 run_delay;
	u64 time;
};

/* The last sched-out on a pCPU, and the last sched-in there. */
struct handoff {
	bool valid;
	u32 vcpu;
	u32 next_tid;
	u32 next_comm;		/* comm id */
	u64 time;
	u64 last_in;
};

struct walk {
	struct open_iv ivs[MAX_VCPUS];
	struct run_delay_mark marks[MAX_VCPUS];
	struct handoff handoffs[MAX_CPUS];
};

struct owner_count {
	u32 owner;
	u64 count;
};

static struct owner_ref owner_ref(u32 owner)
{
	return (struct owner_ref){ .kind = REF_OWNER, .owner = owner };
}

static void charge_owner(struct analysis *a, u32 vcpu, u32 owner, u64 ns,
			 u64 ivs)
{
	struct agg_key k = { .a = vcpu, .b = owner };

	agg_get(&a->steal_agg, &k)->v1 += ns;
	agg_get(&a->steal_ivs, &k)->v1 += ivs;
}

static void charge(struct analysis *a, u32 vcpu, const struct owner_ref *r,
		   u64 ns, u64 ivs)
{
	struct agg_key k = {
		.a = vcpu, .b = r->kind, .c = (u64)r->tid << 32 | r->comm,
		.d = r->hvcpu,
	};
	struct vcpu_stat *v = analysis_vcpu(a, vcpu);

	if (r->kind == REF_OWNER) {
		charge_owner(a, vcpu, r->owner, ns, ivs);
	} else {
		agg_get(&a->steal_pend, &k)->v1 += ns;
		agg_get(&a->ivs_pend, &k)->v1 += ivs;
	}
	if (v)
		v->steal_ns += ns;
}

static size_t count_owners(const struct analysis *a, u32 cpu, u64 start,
			   u64 end, u32 self, struct owner_count *oc)
{
	size_t i, j, n = 0;
	const struct ring *q = host_stamps_from(a, cpu, start, &i);

	for (; q && i < q->n && hs_at(q, i)->time < end; i++) {
		u32 owner = hs_at(q, i)->owner;

		if (owner == self)
			continue;	/* stale sample of the preempted vCPU */
		for (j = 0; j < n && oc[j].owner != owner; j++)
			;
		if (j == n) {
			if (n == MAX_SPLIT)
				j = n - 1;	/* fold the tail into the last owner */
			else
				oc[n++] = (struct owner_count){ owner, 0 };
		}
		oc[j].count += hs_at(q, i)->weight;
	}
	return n;
}

/* A task a sched-out named as next: a vCPU of this VM, or a host comm. */
static u32 task_owner(const struct analysis *a, u32 tid, u32 comm)
{
	u32 vcpu = analysis_vcpu_of_tid(a, tid);

	if (vcpu != NO_VCPU)
		return vcpu;
	return culprits_task_owner(a, tid, comm);
}

static struct owner_ref next_owner(const struct open_iv *iv)
{
	return (struct owner_ref){
		.kind = REF_TASK, .tid = iv->next_tid, .comm = iv->next_comm,
	};
}

u32 steal_owner(const struct analysis *a, u32 vcpu, const struct owner_ref *r)
{
	u32 tid;

	switch (r->kind) {
	case REF_TASK:
		return task_owner(a, r->tid, r->comm);
	case REF_WAIT:
		tid = vcpu < a->nvcpus ? a->vcpus[vcpu].tid : 0;
		if (!tid)
			return OWNER_COMM;	/* comm id 0: "unknown" */
		if (r->tid != tid)
			return task_owner(a, r->tid, r->comm);
		return r->hvcpu != vcpu ? r->hvcpu : OWNER_COMM;
	default:
		return r->owner;
	}
}

/* Charge [start, end) on @cpu: to the sampled tasks, else to @owner. */
static void steal_interval(struct analysis *a, u32 vcpu, u32 cpu,
			   const struct owner_ref *r, u64 start, u64 end)
{
	struct owner_count oc[MAX_SPLIT];
	struct owner_ref r1;
	u64 len = end - start, total = 0, given = 0, ns;
	size_t n = 0, i;

	if (a->config_flags & KVM_PROFILE_F_HOST_SAMPLES)
		n = count_owners(a, cpu, start, end, vcpu, oc);
	if (!n) {
		charge(a, vcpu, r, len, 1);
		culprits_note_piece(a, vcpu, r, start, end);
		if (a->hooks && a->hooks->steal)
			a->hooks->steal(a, vcpu, cpu, r, start, end);
		if (a->hooks && a->hooks->interval)
			a->hooks->interval(a, vcpu, cpu, r, start, end);
		return;
	}
	for (i = 0; i < n; i++)
		total += oc[i].count;
	for (i = 0; i < n; i++) {
		/* counts of periods: their product with len may pass 64 bits */
		ns = i + 1 == n ? len - given :
		     (u64)((unsigned __int128)len * oc[i].count / total);
		r1 = owner_ref(oc[i].owner);
		charge(a, vcpu, &r1, ns, 1);
		culprits_note_piece(a, vcpu, &r1, start + given,
				    start + given + ns);
		/* in the order each culprit was first sampled in the interval */
		if (a->hooks && a->hooks->interval)
			a->hooks->interval(a, vcpu, cpu, &r1, start + given,
					   start + given + ns);
		given += ns;
	}
}

/*
 * Clip [*start, *end) to the window: the recording start (a wait the first
 * records report began before it) or --from, and --to.  False if nothing
 * is left.
 */
static bool clip(const struct analysis *a, u64 *start, u64 *end)
{
	u64 from = analysis_window_begin_ns(a), to = analysis_window_to_ns(a);

	if (analysis_clips_begin(a) && *start < from)
		*start = from;
	if (*end > to)
		*end = to;
	return *end > *start;
}

static void close_interval(struct analysis *a, u32 vcpu, struct open_iv *iv,
			   u64 end)
{
	struct owner_ref r = next_owner(iv);
	u64 start = iv->start;
	struct vcpu_stat *v;

	iv->open = false;
	if (!clip(a, &start, &end))
		return;
	v = analysis_vcpu(a, vcpu);
	if (iv->reason == KVM_PROFILE_SCHED_HALTED) {
		v->halt_ns += end - start;
		v->halt_intervals++;
		if (a->hooks && a->hooks->interval)
			a->hooks->interval(a, vcpu, iv->cpu, NULL, start, end);
	} else {
		v->steal_intervals++;
		steal_interval(a, vcpu, iv->cpu, &r, start, end);
	}
}

/*
 * What run_delay grew since the vCPU's last record, at most the time
 * between the two records (a damaged file may say more, or go back).
 */
static u64 run_delay_growth(const struct run_delay_mark *m,
			    const struct sched_ev *ev)
{
	u64 grew, span;

	if (!ev->has_run_delay || !m->valid || ev->run_delay <= m->run_delay ||
	    ev->time <= m->time)
		return 0;
	grew = ev->run_delay - m->run_delay;
	span = ev->time - m->time;
	return grew < span ? grew : span;
}

/*
 * The runqueue wait ending at @ev that no PREEMPTED interval covers: the
 * run_delay growth less the PREEMPTED interval @ev closes.
 */
static u64 uncovered_wait(const struct run_delay_mark *m,
			  const struct sched_ev *ev, u64 covered)
{
	u64 grew = run_delay_growth(m, ev);

	return grew >= covered + MIN_WAIT_NS ? grew - covered : 0;
}

/*
 * Who held @cpu while @vcpu waited since @since: the last task a vCPU
 * left @cpu to, after @since and with no vCPU on @cpu since then; when
 * that task is @vcpu itself, the vCPU that handed @cpu over.  The idle
 * task is no culprit: a wait means someone else got the pCPU after it.
 * The vCPU's thread id is the one the whole file ends with: steal_owner().
 */
static struct owner_ref wait_owner(const struct walk *w, u32 cpu, u64 since)
{
	const struct handoff *h;

	if (cpu >= MAX_CPUS)
		return owner_ref(OWNER_COMM);	/* comm id 0: "unknown" */
	h = &w->handoffs[cpu];
	if (!h->valid || h->time < since || h->last_in > h->time ||
	    !h->next_tid)
		return owner_ref(OWNER_COMM);
	return (struct owner_ref){
		.kind = REF_WAIT, .tid = h->next_tid, .comm = h->next_comm,
		.hvcpu = h->vcpu,
	};
}

/* Charge [start, end) on @cpu whole to @r; @split: a piece of a wait. */
static void charge_whole(struct analysis *a, u32 vcpu, u32 cpu,
			 const struct owner_ref *r, u64 start, u64 end,
			 bool split)
{
	charge(a, vcpu, r, end - start, 1);
	culprits_note_piece(a, vcpu, r, start, end);
	if (!split && a->hooks && a->hooks->steal)
		a->hooks->steal(a, vcpu, cpu, r, start, end);
	if (a->hooks && a->hooks->interval)
		a->hooks->interval(a, vcpu, cpu, r, start, end);
}

/*
 * A piece of a wait, [start, end) on @cpu: split by who held @cpu then,
 * as its context switches say; else as before (host samples, or @r).
 * Time the vCPU's own thread seems to hold it (the two clocks' hooks are
 * a few microseconds apart) goes to the holder before it, or after.
 */
static void switched_piece(struct analysis *a, u32 vcpu, u32 cpu,
			   const struct owner_ref *r, u64 start, u64 end)
{
	u64 starts[MAX_SPLIT], s, e;
	u32 tids[MAX_SPLIT], self;
	struct owner_ref ri;
	size_t n, i, j;

	if (!clip(a, &start, &end))
		return;
	analysis_vcpu(a, vcpu)->steal_intervals++;
	if (!switch_hist_covers(a, cpu, start)) {
		steal_interval(a, vcpu, cpu, r, start, end);
		return;
	}
	self = vcpu < a->nvcpus ? a->vcpus[vcpu].tid : 0;
	n = switch_hist_holders(a, cpu, start, end, starts, tids, MAX_SPLIT);
	/* fold the vCPU's own pieces into a neighbour */
	for (i = j = 0; i < n; i++) {
		if (self && tids[i] == self && (j || i + 1 < n)) {
			if (!j)
				starts[i + 1] = starts[i];
			continue;
		}
		if (j && tids[j - 1] == tids[i])
			continue;
		starts[j] = starts[i];
		tids[j++] = tids[i];
	}
	for (i = 0; i < j; i++) {
		s = starts[i];
		e = i + 1 < j ? starts[i + 1] : end;
		if (e <= s)
			continue;
		if (tids[i] == SW_NOBODY || tids[i] == self)
			ri = *r;
		else
			ri = (struct owner_ref){ .kind = REF_TASK, .tid = tids[i] };
		charge_whole(a, vcpu, cpu, &ri, s, e, j > 1);
	}
}

/* True if the switches say @tid held @cpu over all of [start, end). */
static bool held_by(const struct analysis *a, u32 cpu, u32 tid, u64 start,
		    u64 end)
{
	u64 starts[2];
	u32 tids[2];

	return tid && switch_hist_covers(a, cpu, start) &&
	       switch_hist_holders(a, cpu, start, end, starts, tids, 2) == 1 &&
	       tids[0] == tid;
}

/* Keep the earliest piece of a wait placed by the switches. */
static void note_first(u64 *first, u32 *first_cpu, u64 at, u32 cpu)
{
	if (at < *first) {
		*first = at;
		*first_cpu = cpu;
	}
}

/*
 * What run_delay says beyond the switches, where they show the thread
 * running: the kernel's wait began before the switches show one.  A
 * preempted thread's wait starts at the runqueue clock's last update,
 * which wakeup_preempt() lets __schedule() skip: when the task that
 * preempts it woke, before the switch-out.  A woken thread's starts at
 * its wakeup, which may come before an idle pCPU's switch to the first
 * task it runs.  (Microseconds on hardware, a tenth of a millisecond on
 * an emulated host.)  So it goes just before the wait's first piece, at
 * @at on @cpu, no earlier than @since, to the task that held the pCPU
 * there.  Returns how much was charged.
 */
static u64 early_wait(struct analysis *a, u32 vcpu, u32 cpu, u64 at,
		      u64 since, u64 ns)
{
	u64 starts[1], start, end;
	struct owner_ref r;
	u32 tids[1], self;

	self = vcpu < a->nvcpus ? a->vcpus[vcpu].tid : 0;
	if (!switch_hist_holders(a, cpu, at, at + 1, starts, tids, 1) ||
	    tids[0] == SW_NOBODY || tids[0] == self)
		return 0;
	start = at > since + ns ? at - ns : since;
	end = start + ns;
	r = (struct owner_ref){ .kind = REF_TASK, .tid = tids[0] };
	if (clip(a, &start, &end)) {
		analysis_vcpu(a, vcpu)->steal_intervals++;
		charge_whole(a, vcpu, cpu, &r, start, end, false);
	}
	return ns;
}

/*
 * The wait @ns of @ev's vCPU between its record at @since and @end, from
 * the host's context switches: the intervals its thread was switched out
 * preempted and in again (exact), then the waits after a wakeup, each
 * just before its switch-in and after its pCPU was last idle, then what
 * run_delay says beyond them, before @end as without switches (or, where
 * the switches show the thread running there, before the first of those
 * pieces: early_wait()); each piece split by who held its pCPU.
 */
static void switched_wait(struct analysis *a, const struct sched_ev *ev,
			  u64 since, u64 ns, u64 end, const struct owner_ref *r)
{
	u32 tid = ev->vcpu < a->nvcpus ? a->vcpus[ev->vcpu].tid : 0;
	u64 left = ns, len, idle, first = UINT64_MAX;
	struct sw_off off[MAX_SPLIT];
	u32 first_cpu = 0;
	size_t n, i;

	n = switch_hist_offcpu(a, tid, since > SWITCH_SLACK_NS ?
			       since - SWITCH_SLACK_NS : 0, end, off, MAX_SPLIT);
	for (i = 0; i < n && left; i++) {
		if (!off[i].preempt || off[i].in <= since)
			continue;
		len = off[i].in - off[i].out < left ? off[i].in - off[i].out : left;
		switched_piece(a, ev->vcpu, off[i].out_cpu, r, off[i].out,
			       off[i].out + len);
		note_first(&first, &first_cpu, off[i].out, off[i].out_cpu);
		left -= len;
	}
	for (i = n; i-- && left;) {
		if (off[i].preempt || off[i].in <= since)
			continue;
		/* runnable, it would have run while its pCPU was idle */
		idle = switch_hist_idle_end(a, off[i].in_cpu, off[i].out,
					    off[i].in);
		len = off[i].in - (idle ? idle : off[i].out);
		len = len < left ? len : left;
		if (!len)
			continue;
		switched_piece(a, ev->vcpu, off[i].in_cpu, r, off[i].in - len,
			       off[i].in);
		note_first(&first, &first_cpu, off[i].in - len, off[i].in_cpu);
		left -= len;
	}
	if (left && first != UINT64_MAX &&
	    held_by(a, ev->cpu, tid, end - left, end))
		left -= early_wait(a, ev->vcpu, first_cpu, first, since, left);
	if (left)
		switched_piece(a, ev->vcpu, ev->cpu, r, end - left, end);
}

/* Steal the wait @ns ending at @end, on the pCPU @ev ran on. */
static void wait_interval(struct analysis *a, const struct walk *w,
			  const struct sched_ev *ev, u64 since, u64 ns, u64 end)
{
	u64 start = end - ns;
	struct owner_ref r = wait_owner(w, ev->cpu, since);

	/* nobody named it: say why, when the recorder could not look */
	if (r.kind == REF_OWNER && r.owner == OWNER_COMM && a->swh.norec_owner)
		r.owner = a->swh.norec_owner;
	if (a->swh.state == SW_ON) {
		switched_wait(a, ev, since, ns, end, &r);
		return;
	}
	if (!clip(a, &start, &end))
		return;
	analysis_vcpu(a, ev->vcpu)->steal_intervals++;
	steal_interval(a, ev->vcpu, ev->cpu, &r, start, end);
}

static void open_interval(struct open_iv *iv, const struct sched_ev *ev)
{
	iv->open = true;
	iv->reason = ev->reason;
	iv->cpu = ev->cpu;
	iv->start = ev->time;
	iv->next_tid = ev->next_tid;
	iv->next_comm = ev->next_comm;
}

static void note_handoff(struct walk *w, const struct sched_ev *ev)
{
	struct handoff *h;

	if (ev->cpu >= MAX_CPUS)
		return;
	h = &w->handoffs[ev->cpu];
	if (!ev->is_out) {
		h->last_in = ev->time;
		return;
	}
	h->valid = true;
	h->vcpu = ev->vcpu;
	h->next_tid = ev->next_tid;
	h->next_comm = ev->next_comm;
	h->time = ev->time;
}

/*
 * The kernel's own count of the wait, between records inside the time
 * window, to set beside the steal the intervals add up to.
 */
static void count_run_delay(struct analysis *a, const struct run_delay_mark *m,
			    const struct sched_ev *ev)
{
	struct vcpu_stat *v = analysis_vcpu(a, ev->vcpu);
	u64 start = m->time, end = ev->time;

	if (!ev->has_run_delay || !m->valid || !v)
		return;
	v->has_run_delay = true;
	if (clip(a, &start, &end) && start == m->time && end == ev->time)
		v->run_delay_ns += run_delay_growth(m, ev);
}

void steal_walk_event(struct analysis *a, const struct sched_ev *ev)
{
	struct walk *w = a->walk ? a->walk : (a->walk = xcalloc(1, sizeof(*w)));
	struct open_iv *iv = &w->ivs[ev->vcpu];
	struct run_delay_mark *m = &w->marks[ev->vcpu];
	u64 covered = 0, wait;

	if (a->hooks && a->hooks->sched)
		a->hooks->sched(a, ev);
	if (iv->open && iv->reason == KVM_PROFILE_SCHED_PREEMPTED &&
	    ev->time > iv->start)
		covered = ev->time - iv->start;
	wait = uncovered_wait(m, ev, covered);
	count_run_delay(a, m, ev);
	if (iv->open)	/* sched-in lost, or this is it; halt ends at the wait */
		close_interval(a, ev->vcpu, iv,
			       iv->reason == KVM_PROFILE_SCHED_HALTED ?
			       ev->time - wait : ev->time);
	if (wait)
		wait_interval(a, w, ev, m->time, wait, ev->time - covered);
	if (ev->has_run_delay)
		*m = (struct run_delay_mark){ true, ev->run_delay, ev->time };
	note_handoff(w, ev);
	if (!ev->is_out)
		return;
	if (ev->reason == KVM_PROFILE_SCHED_PREEMPTED ||
	    ev->reason == KVM_PROFILE_SCHED_HALTED)
		open_interval(iv, ev);
}

/* Fold the charges kept under a task into its owner's rows. */
static void name_culprits(struct analysis *a)
{
	struct owner_ref r;
	struct agg_entry *e;

	culprits_prepare(a);
	agg_for_each(&a->steal_pend, e) {
		r = (struct owner_ref){
			.kind = e->k.b, .tid = (u32)(e->k.c >> 32),
			.comm = (u32)e->k.c, .hvcpu = (u32)e->k.d,
		};
		charge_owner(a, e->k.a, steal_owner(a, e->k.a, &r), e->v1,
			     agg_get(&a->ivs_pend, &e->k)->v1);
	}
	culprits_throttled(a);
	if (a->hooks && a->hooks->culprits_named)
		a->hooks->culprits_named(a);
	agg_free(&a->steal_pend);
	agg_free(&a->ivs_pend);
}

void steal_walk_finish(struct analysis *a)
{
	u64 end = analysis_end_ns(a);
	struct walk *w;
	u32 i;

	sched_window_finish(a);
	w = a->walk;
	for (i = 0; w && i < MAX_VCPUS; i++)
		if (w->ivs[i].open && end > w->ivs[i].start)
			close_interval(a, i, &w->ivs[i], end);
	free(a->walk);
	a->walk = NULL;
	name_culprits(a);
}

void steal_walk_reset(struct analysis *a)
{
	u32 i;

	free(a->walk);
	a->walk = NULL;
	sched_window_free(&a->sw);
	memset(&a->sw, 0, sizeof(a->sw));
	agg_free(&a->steal_agg);
	agg_free(&a->steal_ivs);
	agg_free(&a->steal_pend);
	agg_free(&a->ivs_pend);
	culprits_reset_pieces(a);
	if (a->hooks && a->hooks->sched_reset)
		a->hooks->sched_reset(a);
	for (i = 0; i < a->nvcpus; i++) {
		a->vcpus[i].steal_ns = a->vcpus[i].halt_ns = 0;
		a->vcpus[i].steal_intervals = a->vcpus[i].halt_intervals = 0;
		a->vcpus[i].has_run_delay = false;
		a->vcpus[i].run_delay_ns = 0;
	}
}

u64 steal_walk_horizon(const struct analysis *a, u32 cpu)
{
	const struct sched_window *sw = &a->sw;
	const struct walk *w = a->walk;
	const struct open_iv *iv;
	u64 h = UINT64_MAX, keep, t;
	u32 i;

	if (cpu > MAX_CPUS)
		cpu = MAX_CPUS;	/* the pCPUs host_stamps.c queues together */
	keep = sw->walked > WAIT_KEEP_NS ? sw->walked - WAIT_KEEP_NS : 0;
	for (i = 0; w && i < a->nvcpus && i < MAX_VCPUS; i++) {
		iv = &w->ivs[i];
		if (iv->open && iv->reason == KVM_PROFILE_SCHED_PREEMPTED &&
		    (iv->cpu < MAX_CPUS ? iv->cpu : MAX_CPUS) == cpu && iv->start < h)
			h = iv->start;
		t = w->marks[i].time > keep ? w->marks[i].time : keep;
		if (w->marks[i].valid && t < h)
			h = t;
	}
	return h;
}
