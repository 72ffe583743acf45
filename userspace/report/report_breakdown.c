// SPDX-License-Identifier: GPL-2.0
/*
 * Breakdown view: where each vCPU's wall time went, as rows that add up
 * to it, the way illumos bhyve accounts vCPU microstates (issue 17).
 *
 * Time comes from intervals, not from sample counts: under emulation a
 * recording collects only part of the samples it should, so counting
 * samples as time would not add up.  The vCPU's sched records, walked in
 * time order (the sched hook), cut its wall time into intervals: running
 * in KVM_RUN (sched-in to sched-out), preempted, halted, blocked in
 * KVM_RUN, outside KVM_RUN (a USERSPACE sched-out to the next sched-in;
 * with the host's context switches, the parts its thread was switched
 * out blocked are "blocked outside KVM_RUN").  The steal the steal walk
 * places (steal.c: PREEMPTED intervals and the run_delay waits, each
 * piece by the interval hook) is taken out of whichever interval it lies
 * in and shown by culprit class, as the steal view's table has it after
 * throttling moved its share.  Only the running time is apportioned: by
 * the vCPU's samples in KVM_RUN, each weighing the sampling periods it
 * stands for (sample_weight(): a late timer's sample, the periods it
 * skipped), to guest user, guest kernel, exit handling by exit reason
 * (vs_sample_state(), as the perfetto and html exports draw them), host
 * kernel without an exit, and steal by the class of a host interrupt the
 * vCPU thread served (softirq, irq): the scheduler counts that as
 * running, so no sched record carves it out.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../include/uapi/kvm_profile.h"
#include "exit_names.h"
#include "report.h"

const struct table_kind breakdown_kind = {
	.name = "breakdown", .ncols = 6,
	.cols = { "State", "Detail", "Time(ms)", "%Wall", "Samples", "Source" },
	.keys = { "state", "detail", "time_ms", "wall_pct", "samples",
		  "source" },
	.numeric = { false, false, true, true, true, false },
	.perf = { [2] = "time" },
};

/* What the sched records say a vCPU was doing between two of them. */
enum bd_seg {
	SEG_RUN,	/* in KVM_RUN, on its pCPU */
	SEG_PREEMPT,	/* in KVM_RUN, preempted */
	SEG_HALT,	/* in KVM_RUN, halted */
	SEG_BLOCK,	/* in KVM_RUN, blocked (not halted) */
	SEG_OUT,	/* outside KVM_RUN: the VMM's user space */
	SEG_OUT_BLOCKED,	/* outside KVM_RUN, switched out blocked */
	SEG_BEFORE,	/* before its first record, off its pCPU in KVM_RUN */
	SEG_NONE,	/* no sched record at all */
	SEG_NR
};

static const char *const seg_state[SEG_NR] = {
	[SEG_RUN] = "running", [SEG_PREEMPT] = "preempted",
	[SEG_HALT] = "halted", [SEG_BLOCK] = "blocked in KVM_RUN",
	[SEG_OUT] = "VMM (outside KVM_RUN)",
	[SEG_OUT_BLOCKED] = "blocked outside KVM_RUN",
	[SEG_BEFORE] = "before the first sched record",
	[SEG_NONE] = "no sched record",
};

/*
 * What a sample in KVM_RUN says the running time went to; B_IRQ: a host
 * interrupt the vCPU thread served (key c: its enum irq_kind), steal.
 */
enum bd_bucket { B_USER, B_KERNEL, B_GUEST, B_EXIT, B_HOST, B_IRQ, B_OUTSIDE };

struct bd_seg_iv {
	u64 start, end;
	u8 state;
};

struct bd_piece {
	u64 start, end;
};

struct bd_vcpu {
	bool seen;		/* a sched record came */
	u8 state;
	u64 since;
	/* the time before @folded, summed per state (fold()) */
	u64 folded;
	u64 t[SEG_NR];
	struct bd_seg_iv *segs;
	size_t nsegs, capsegs;
	struct bd_piece *pieces;
	size_t npieces, cappieces;
	/*
	 * KVM's halt_wait_ns grows when a halt ends, by the whole halt
	 * (kvm_vcpu_halt(): from the end of halt-polling until the thread
	 * runs again).  Like with like: the HALTED intervals, sched-out to
	 * the sched-in that ends them (the runqueue wait at their end
	 * included), that end between the two reads bracketing the window.
	 */
	bool hb;		/* the bracket is known */
	u64 hlo, hhi;		/* the times of those two reads */
	u64 halt_span;
};

struct breakdown {
	struct bd_vcpu *v;
	u32 nv;
	/* (vcpu, bucket, exit group) -> periods (sample_weight()) */
	struct agg_table buckets;
};

static struct bd_vcpu *bd_vcpu(struct breakdown *b, u32 vcpu)
{
	u32 n;

	if (vcpu >= MAX_VCPUS)
		return NULL;
	if (vcpu >= b->nv) {
		n = vcpu + 1;
		b->v = xrealloc(b->v, n * sizeof(*b->v));
		memset(b->v + b->nv, 0, (n - b->nv) * sizeof(*b->v));
		b->nv = n;
	}
	return &b->v[vcpu];
}

static void add_seg(struct bd_vcpu *v, u64 start, u64 end, u8 state)
{
	if (end <= start)
		return;
	if (state == SEG_HALT && v->hb && end > v->hlo && end <= v->hhi)
		v->halt_span += end - start;
	GROW_ARRAY(v->segs, v->nsegs + 1, v->capsegs, 64);
	v->segs[v->nsegs++] = (struct bd_seg_iv){ start, end, state };
}

/*
 * Close the time outside KVM_RUN [since, end): the parts the host's
 * context switches say the thread was switched out blocked are blocked
 * outside KVM_RUN; the rest is the VMM (a preemption there is steal,
 * taken out later).
 */
static void close_outside(struct analysis *a, struct bd_vcpu *v, u32 vcpu,
			  u64 since, u64 end)
{
	struct sw_off off[64];
	u32 tid = vcpu < a->nvcpus ? a->vcpus[vcpu].tid : 0;
	u64 cur = since, s, e;
	size_t n = 0, i;

	if (a->swh.state == SW_ON && tid && since)
		n = switch_hist_offcpu(a, tid, since, end, off, 64);
	for (i = 0; i < n; i++) {
		if (off[i].preempt)
			continue;
		s = off[i].out > cur ? off[i].out : cur;
		e = off[i].in < end ? off[i].in : end;
		if (e <= s)
			continue;
		add_seg(v, cur, s, SEG_OUT);
		add_seg(v, s, e, SEG_OUT_BLOCKED);
		cur = e;
	}
	add_seg(v, cur, end, SEG_OUT);
}

static u8 out_state(u32 reason)
{
	switch (reason) {
	case KVM_PROFILE_SCHED_PREEMPTED:
		return SEG_PREEMPT;
	case KVM_PROFILE_SCHED_HALTED:
		return SEG_HALT;
	case KVM_PROFILE_SCHED_USERSPACE:
		return SEG_OUT;
	default:
		return SEG_BLOCK;
	}
}

static void close_seg(struct analysis *a, struct bd_vcpu *v, u32 vcpu, u64 end)
{
	if (v->state == SEG_OUT)
		close_outside(a, v, vcpu, v->since, end);
	else
		add_seg(v, v->since, end, v->state);
}

static int seg_cmp(const void *x, const void *y)
{
	const struct bd_seg_iv *a = x, *b = y;

	return a->start < b->start ? -1 : a->start > b->start;
}

static int piece_cmp(const void *x, const void *y)
{
	const struct bd_piece *a = x, *b = y;

	return a->start < b->start ? -1 : a->start > b->start;
}

/*
 * Each state's time in [wb, we), less the steal that lies in it, added
 * to @t: the segments and the pieces, each sorted, walked together.
 */
static void state_times(struct bd_vcpu *v, u64 wb, u64 we, u64 *t)
{
	size_t i, j = 0, k;
	u64 s, e, ov, ps, pe;

	if (v->nsegs)
		qsort(v->segs, v->nsegs, sizeof(*v->segs), seg_cmp);
	if (v->npieces)
		qsort(v->pieces, v->npieces, sizeof(*v->pieces), piece_cmp);
	for (i = 0; i < v->nsegs; i++) {
		s = v->segs[i].start > wb ? v->segs[i].start : wb;
		e = v->segs[i].end < we ? v->segs[i].end : we;
		if (e <= s)
			continue;
		while (j < v->npieces && v->pieces[j].end <= s)
			j++;
		ov = 0;
		for (k = j; k < v->npieces && v->pieces[k].start < e; k++) {
			ps = v->pieces[k].start > s ? v->pieces[k].start : s;
			pe = v->pieces[k].end < e ? v->pieces[k].end : e;
			if (pe > ps)
				ov += pe - ps;
		}
		t[v->segs[i].state] += e - s - (ov < e - s ? ov : e - s);
	}
}

/*
 * Fold what lies before @upto into v->t and drop it: the segments and
 * pieces of a long recording would otherwise be kept to the end, 24
 * bytes per sched record.  No piece the steal walk places later reaches
 * back before @upto.
 */
static void fold(struct analysis *a, struct bd_vcpu *v, u64 upto)
{
	u64 lo = analysis_window_begin_ns(a), hi = analysis_window_to_ns(a);
	size_t i, n;

	if (upto <= v->folded)
		return;
	if (lo < v->folded)
		lo = v->folded;
	state_times(v, lo, upto < hi ? upto : hi, v->t);
	v->folded = upto;
	for (i = n = 0; i < v->nsegs; i++) {
		if (v->segs[i].end <= upto)
			continue;
		v->segs[n] = v->segs[i];
		if (v->segs[n].start < upto)
			v->segs[n].start = upto;
		n++;
	}
	v->nsegs = n;
	for (i = n = 0; i < v->npieces; i++) {
		if (v->pieces[i].end <= upto)
			continue;
		v->pieces[n] = v->pieces[i];
		if (v->pieces[n].start < upto)
			v->pieces[n].start = upto;
		n++;
	}
	v->npieces = n;
}

#define FOLD_SEGS 4096

/* KVM's halt_wait_ns of @vcpu: its own reads, else the VM's (debugfs). */
static const struct kstat_series *halt_series(const struct analysis *a,
					       u32 vcpu)
{
	const struct kstat_series *s = kvm_stat_series(a, vcpu);

	return s ? s : kvm_stat_series(a, DF_KVM_STAT_VM);
}

/* The reads the halt spans are counted between (read in the first pass). */
static void halt_bracket(struct analysis *a, struct bd_vcpu *v, u32 vcpu)
{
	struct kstat_read f, l;

	v->hb = kvm_stat_bracket(a, halt_series(a, vcpu), &f, &l) == 2;
	v->hlo = v->hb ? f.time : 0;
	v->hhi = v->hb ? l.time : 0;
}

static void bd_sched(struct analysis *a, const struct sched_ev *ev)
{
	struct breakdown *b = a->view;
	struct bd_vcpu *v = bd_vcpu(b, ev->vcpu);

	if (!v)
		return;
	if (!v->seen) {
		/* before its first record: what that record ends */
		v->seen = true;
		halt_bracket(a, v, ev->vcpu);
		v->since = 0;
		if (ev->is_out)
			v->state = SEG_RUN;
		else if (ev->reason == KVM_PROFILE_SCHED_IN_KVM_RUN)
			v->state = SEG_OUT;
		else
			v->state = SEG_BEFORE;
	}
	if (ev->time >= v->since) {
		/* this record's waits reach back to the last one, no further */
		if (v->nsegs >= FOLD_SEGS && v->since > SWITCH_SLACK_NS)
			fold(a, v, v->since - SWITCH_SLACK_NS);
		close_seg(a, v, ev->vcpu, ev->time);
		v->since = ev->time;
	}
	v->state = ev->is_out ? out_state(ev->reason) : SEG_RUN;
}

static void bd_interval(struct analysis *a, u32 vcpu, u32 cpu,
			const struct owner_ref *r, u64 start, u64 end)
{
	struct breakdown *b = a->view;
	struct bd_vcpu *v = bd_vcpu(b, vcpu);

	(void)cpu;
	if (!r || !v || end <= start)
		return;	/* halt: the sched records give it */
	GROW_ARRAY(v->pieces, v->npieces + 1, v->cappieces, 64);
	v->pieces[v->npieces++] = (struct bd_piece){ start, end };
}

static void bd_sample(struct analysis *a, const struct kvm_profile_sample *s,
		      u32 owner)
{
	struct breakdown *b = a->view;
	u32 cat = analysis_sample_cat(s);
	struct agg_key k = { .a = owner };

	if (owner & OWNER_COMM || owner >= MAX_VCPUS) {
		/*
		 * Outside KVM_RUN the kernel knows no running vCPU: a sample
		 * of a vCPU thread there has none, only the thread's id.
		 */
		k.a = analysis_vcpu_of_tid(a, s->tid);
		if (s->vcpu_id != NO_VCPU || k.a == NO_VCPU || k.a >= MAX_VCPUS)
			return;	/* another host task: its steal shows */
		k.b = B_OUTSIDE;
		agg_get(&b->buckets, &k)->v1 += sample_weight(s);
		return;
	}
	switch (vs_sample_state(a, s, cat)) {
	case VS_GUEST_USER:
		k.b = B_USER;
		break;
	case VS_GUEST_KERNEL:
		k.b = B_KERNEL;
		break;
	case VS_GUEST:
		k.b = B_GUEST;
		break;
	case VS_EXIT:
		k.b = s->flags & KVM_PROFILE_S_IN_KVM_RUN ? B_EXIT : B_OUTSIDE;
		k.c = exit_group(s->exit_isa, s->exit_reason);
		if (k.b == B_OUTSIDE)
			k.c = 0;
		break;
	case VS_HOST:
		k.b = s->flags & KVM_PROFILE_S_IN_KVM_RUN ? B_HOST : B_OUTSIDE;
		break;
	case VS_SOFTIRQ:
	case VS_IRQ:
		k.b = s->flags & KVM_PROFILE_S_IN_KVM_RUN ? B_IRQ : B_OUTSIDE;
		if (k.b == B_IRQ)
			k.c = analysis_sample_irq(s);
		break;
	default:
		k.b = B_OUTSIDE;
	}
	agg_get(&b->buckets, &k)->v1 += sample_weight(s);
}

/* The sched records are walked again: what the first walk gave is void. */
static void bd_sched_reset(struct analysis *a)
{
	struct breakdown *b = a->view;
	u32 i;

	for (i = 0; i < b->nv; i++) {
		free(b->v[i].segs);
		free(b->v[i].pieces);
	}
	free(b->v);
	b->v = NULL;
	b->nv = 0;
}

static void bd_free(struct analysis *a)
{
	struct breakdown *b = a->view;

	if (!b)
		return;
	bd_sched_reset(a);
	agg_free(&b->buckets);
	free(b);
	a->view = NULL;
}

static const struct analysis_hooks breakdown_hooks = {
	.sample = bd_sample,
	.interval = bd_interval,
	.sched = bd_sched,
	.sched_reset = bd_sched_reset,
	.free = bd_free,
};

int breakdown_prepare(struct analysis *a, const struct report_opts *o)
{
	struct breakdown *b = xcalloc(1, sizeof(*b));

	(void)o;
	agg_init(&b->buckets, 0);
	a->hooks = &breakdown_hooks;
	a->view = b;
	return 0;
}

/* A row of a vCPU's breakdown, to print and to sum into the VM's. */
struct bd_row {
	char state[48];
	char detail[256];
	u64 ns;
	u64 samples;
	bool apportioned;
};

struct bd_rows {
	struct bd_row *r;
	size_t n, cap;
};

static void row_add(struct bd_rows *rs, const char *state, const char *detail,
		    u64 ns, u64 samples, bool apportioned)
{
	struct bd_row *r;
	size_t i;

	for (i = 0; i < rs->n; i++) {
		r = &rs->r[i];
		if (!strcmp(r->state, state) && !strcmp(r->detail, detail) &&
		    r->apportioned == apportioned) {
			r->ns += ns;
			r->samples += samples;
			return;
		}
	}
	GROW_ARRAY(rs->r, rs->n + 1, rs->cap, 16);
	r = &rs->r[rs->n++];
	memset(r, 0, sizeof(*r));
	snprintf(r->state, sizeof(r->state), "%s", state);
	snprintf(r->detail, sizeof(r->detail), "%s", detail);
	r->ns = ns;
	r->samples = samples;
	r->apportioned = apportioned;
}

static const char *const bucket_state[] = {
	[B_USER] = "guest user", [B_KERNEL] = "guest kernel",
	[B_GUEST] = "guest", [B_EXIT] = "exit handling",
	[B_HOST] = "host kernel", [B_IRQ] = "steal",
};

/* The running time @run split by the periods of the vCPU's KVM_RUN samples. */
static void running_rows(struct breakdown *b, u32 vcpu,
			 u64 run, struct bd_rows *rs, u64 *in_run, u64 *outside)
{
	const struct agg_entry *e;
	char detail[64], buf[48];
	u64 total = 0, given = 0, ns, seen = 0, n = 0;

	agg_for_each(&b->buckets, e) {
		if (e->k.a != vcpu)
			continue;
		if (e->k.b == B_OUTSIDE)
			*outside += e->v1;
		else {
			total += e->v1;
			n++;
		}
	}
	*in_run = total;
	if (!total) {
		row_add(rs, "running in KVM_RUN", "not sampled", run, 0, false);
		return;
	}
	agg_for_each(&b->buckets, e) {
		if (e->k.a != vcpu || e->k.b == B_OUTSIDE)
			continue;
		ns = ++seen == n ? run - given : (u64)((double)run * e->v1 / total);
		given += ns;
		switch (e->k.b) {
		case B_EXIT:
			snprintf(detail, sizeof(detail), "%s",
				 exit_reason_str((u8)(e->k.c >> 28),
						 e->k.c & 0x0fffffff, buf,
						 sizeof(buf)));
			break;
		case B_GUEST:
			snprintf(detail, sizeof(detail), "state not readable");
			break;
		case B_HOST:
			snprintf(detail, sizeof(detail), "no exit reason");
			break;
		case B_IRQ:
			/* the class, as the measured steal rows have theirs */
			snprintf(detail, sizeof(detail), "%s",
				 irq_class((u32)e->k.c));
			break;
		default:
			detail[0] = 0;
		}
		row_add(rs, bucket_state[e->k.b], detail, ns, e->v1, true);
	}
}

/* The steal of @vcpu by culprit class, and the throttled share by cgroup. */
static void steal_rows(struct analysis *a, u32 vcpu, struct bd_rows *rs)
{
	const struct agg_entry *e;
	char cls[32], ident[1024];

	agg_for_each(&a->steal_agg, e) {
		if (e->k.a != vcpu || !e->v1)
			continue;
		culprit_class(a, (u32)e->k.b, cls, sizeof(cls), ident,
			      sizeof(ident));
		if (!strcmp(cls, "throttled"))
			row_add(rs, "throttled", ident, e->v1, 0, false);
		else
			row_add(rs, "steal", cls, e->v1, 0, false);
	}
}

static int row_order(const void *x, const void *y)
{
	const struct bd_row *a = x, *b = y;

	if (a->ns != b->ns)
		return a->ns > b->ns ? -1 : 1;
	return strcmp(a->state, b->state);
}

static void put_rows(struct table *t, const struct bd_rows *rs, u64 wall)
{
	char ms[32];
	size_t i, r;

	for (i = 0; i < rs->n; i++) {
		r = table_row(t);
		table_set(t, r, 0, "%s", rs->r[i].state);
		table_set(t, r, 1, "%s", rs->r[i].detail);
		table_set(t, r, 2, "%s", fmt_ms(rs->r[i].ns, ms, sizeof(ms)));
		table_set(t, r, 3, "%.2f", pct(rs->r[i].ns, wall));
		table_set(t, r, 4, "%" PRIu64, rs->r[i].samples);
		table_set(t, r, 5, "%s", rs->r[i].apportioned ?
			  "apportioned" : "measured");
	}
}

static double signed_pct(u64 a, u64 b, u64 wall)
{
	return wall ? ((double)a - (double)b) * 100.0 / (double)wall : 0;
}

struct bd_sum {
	u64 wall, sum, measured, apportioned;
};

static void sum_rows(const struct bd_rows *rs, u64 wall, struct bd_sum *s)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	s->wall = wall;
	for (i = 0; i < rs->n; i++) {
		s->sum += rs->r[i].ns;
		if (rs->r[i].apportioned)
			s->apportioned += rs->r[i].ns;
		else
			s->measured += rs->r[i].ns;
	}
}

static void sum_attrs(struct table *t, const struct bd_sum *s)
{
	char m[4][32];

	attr_add(&t->attrs, "wall_ms", true, "%s", fmt_ms(s->wall, m[0], 32));
	attr_add(&t->attrs, "sum_ms", true, "%s", fmt_ms(s->sum, m[1], 32));
	attr_add(&t->attrs, "sum_wall_pct", true, "%.2f", pct(s->sum, s->wall));
	attr_add(&t->attrs, "measured_ms", true, "%s",
		 fmt_ms(s->measured, m[2], 32));
	attr_add(&t->attrs, "apportioned_ms", true, "%s",
		 fmt_ms(s->apportioned, m[3], 32));
}

static void vcpu_rows(struct analysis *a, struct breakdown *b, u32 vcpu,
		      u64 wb, u64 we, struct bd_rows *rs, u64 *in_run,
		      u64 *outside)
{
	struct bd_vcpu none = { 0 }, *v = vcpu < b->nv ? &b->v[vcpu] : &none;
	u64 t[SEG_NR] = { 0 };
	int s;

	if (!v->seen) {
		add_seg(v, wb, we, SEG_NONE);
	} else {
		close_seg(a, v, vcpu, UINT64_MAX);
		v->seen = false;	/* closed: output runs once */
	}
	state_times(v, wb > v->folded ? wb : v->folded, we, t);
	for (s = 0; s < SEG_NR; s++)
		t[s] += v->t[s];
	running_rows(b, vcpu, t[SEG_RUN], rs, in_run, outside);
	for (s = SEG_PREEMPT; s < SEG_NR; s++)
		if (t[s] || s == SEG_HALT || s == SEG_OUT)
			row_add(rs, seg_state[s], "", t[s], 0, false);
	steal_rows(a, vcpu, rs);
	if (v == &none) {
		free(none.segs);
		free(none.pieces);
	}
}

/* What the cross-check with KVM's halt_wait_ns found. */
enum hw_state {
	HW_NONE,	/* not recorded */
	HW_SHORT,	/* fewer than two reads in the window */
	HW_BACK,	/* it went back between them (cleared in debugfs) */
	HW_VM,		/* the VM's alone, for a VM of several vCPUs */
	HW_ONE,		/* the VM's, for one vCPU of several (--vcpu) */
	HW_OK,
};

static const char *const hw_text[] = {
	[HW_NONE] = "not recorded",
	[HW_SHORT] = "not read twice in the window",
	[HW_BACK] = "went back between its reads",
	[HW_VM] = "recorded for the VM only (vm table)",
	[HW_ONE] = "recorded for the whole VM only",
};

struct halt_check {
	enum hw_state st;
	u64 wait;	/* halt_wait_ns growth between the bracketing reads */
	u64 span;	/* the HALTED intervals that ended between them, whole */
};

static void halt_check(struct analysis *a, const struct kstat_series *s,
		       u64 span, struct halt_check *h)
{
	struct kstat_read f, l;
	int st = kvm_stat_bracket(a, s, &f, &l);

	memset(h, 0, sizeof(*h));
	h->st = st == 0 ? HW_NONE : st == 1 ? HW_SHORT :
		l.value < f.value ? HW_BACK : HW_OK;
	if (h->st != HW_OK)
		return;
	h->wait = l.value - f.value;
	h->span = span;
}

/* The attributes of @h, and the summary's words in @txt. */
static void halt_attrs(struct table *t, const struct halt_check *h, u64 wall,
		       char *txt, size_t len)
{
	char m1[32], m2[32];

	if (h->st != HW_OK) {
		attr_add(&t->attrs, "halt_wait_ms", false, "%s", hw_text[h->st]);
		snprintf(txt, len, "KVM halt_wait_ns %s", hw_text[h->st]);
		return;
	}
	fmt_ms(h->wait, m1, sizeof(m1));
	fmt_ms(h->span, m2, sizeof(m2));
	attr_add(&t->attrs, "halt_wait_ms", true, "%s", m1);
	attr_add(&t->attrs, "halt_span_ms", true, "%s", m2);
	attr_add(&t->attrs, "halt_minus_halt_wait_wall_pct", true, "%.2f",
		 signed_pct(h->span, h->wait, wall));
	snprintf(txt, len, "KVM halt_wait_ns grew %s ms, HALTED intervals whole %s ms (%+.2f%% of wall)",
		 m1, m2, signed_pct(h->span, h->wait, wall));
}

/*
 * The vm table's: the VM's own reads (debugfs) against every vCPU's
 * HALTED intervals, when no vCPU has reads of its own; else the sum of
 * the vCPUs' checks in @h, if each of them could be made.
 */
static void vm_halt_check(struct analysis *a, const struct kstat_series *vm_ks,
			  bool own, u64 vm_nv, u64 spans, struct halt_check *h)
{
	if (own || !vm_ks) {
		h->span = spans;
		return;
	}
	halt_check(a, vm_ks, spans, h);
	/* the VM's value against one vCPU of several (--vcpu) */
	if (h->st == HW_OK && a->f.vcpu >= 0 && vm_nv > 1)
		h->st = HW_ONE;
}

void report_breakdown(struct analysis *a, struct doc *d)
{
	struct breakdown *b = a->hooks == &breakdown_hooks ? a->view : NULL;
	u64 wb = analysis_window_begin_ns(a), we = analysis_end_ns(a), wall;
	struct bd_rows rs = { 0 }, vm = { 0 };
	struct bd_vcpu *bv;
	struct bd_sum sum;
	u64 in_run, outside, nv = 0;
	char title[64], m1[32], m2[32], m3[32], rd[160], w[4][32], hw[200];
	const struct kstat_series *ks, *vm_ks = kvm_stat_series(a, DF_KVM_STAT_VM);
	struct halt_check hc, vm_hc = { .st = HW_OK };
	u64 span, spans = 0, vm_nv = 0;
	bool own = false;
	struct vcpu_stat *vs;
	struct table *t;
	size_t i;
	u32 v;

	if (!b) {
		pr_warn("the breakdown view needs its own pass: no table");
		return;
	}
	wall = we > wb ? we - wb : 0;
	for (v = 0; v < a->nvcpus; v++)
		vm_nv += a->vcpus[v].present;
	for (v = 0; v < a->nvcpus; v++) {
		vs = &a->vcpus[v];
		if (!vs->present || (a->f.vcpu >= 0 && v != a->f.vcpu))
			continue;
		nv++;
		rs.n = 0;
		in_run = outside = 0;
		vcpu_rows(a, b, v, wb, we, &rs, &in_run, &outside);
		for (i = 0; i < rs.n; i++)
			row_add(&vm, rs.r[i].state, rs.r[i].detail, rs.r[i].ns,
				rs.r[i].samples, rs.r[i].apportioned);
		qsort(rs.r, rs.n, sizeof(*rs.r), row_order);
		sum_rows(&rs, wall, &sum);
		snprintf(title, sizeof(title), "vcpu%u", v);
		t = doc_table(d, &breakdown_kind, title);
		attr_add(&t->attrs, "vcpu", true, "%u", v);
		attr_add(&t->attrs, "tid", true, "%u", vs->tid);
		sum_attrs(t, &sum);
		attr_add(&t->attrs, "samples_in_kvm_run", true, "%" PRIu64, in_run);
		attr_add(&t->attrs, "samples_outside_kvm_run", true, "%" PRIu64,
			 outside);
		/* the kernel's own counters beside what the rows say */
		attr_add(&t->attrs, "steal_ms", true, "%s",
			 fmt_ms(vs->steal_ns, m1, sizeof(m1)));
		snprintf(rd, sizeof(rd), "run_delay not recorded");
		if (vs->has_run_delay) {
			attr_add(&t->attrs, "run_delay_ms", true, "%s",
				 fmt_ms(vs->run_delay_ns, m2, sizeof(m2)));
			attr_add(&t->attrs, "steal_minus_run_delay_wall_pct",
				 true, "%.2f",
				 signed_pct(vs->steal_ns, vs->run_delay_ns, wall));
			snprintf(rd, sizeof(rd), "run_delay %s ms (steal %+.2f%% of wall)",
				 m2, signed_pct(vs->steal_ns, vs->run_delay_ns,
						wall));
		}
		attr_add(&t->attrs, "halt_ms", true, "%s",
			 fmt_ms(vs->halt_ns, m3, sizeof(m3)));
		bv = v < b->nv ? &b->v[v] : NULL;
		span = bv ? bv->halt_span : 0;
		spans += span;
		ks = kvm_stat_series(a, v);
		own |= ks != NULL;
		halt_check(a, ks ? ks : vm_ks, span, &hc);
		/* the VM's value is one vCPU's only when it has one */
		if (!ks && vm_ks && vm_nv > 1)
			hc.st = HW_VM;
		if (hc.st != HW_OK)
			vm_hc.st = hc.st;
		vm_hc.wait += hc.wait;
		halt_attrs(t, &hc, wall, hw, sizeof(hw));
		fmt_ms(sum.wall, w[0], sizeof(w[0]));
		fmt_ms(sum.sum, w[1], sizeof(w[1]));
		fmt_ms(sum.measured, w[2], sizeof(w[2]));
		fmt_ms(sum.apportioned, w[3], sizeof(w[3]));
		t->summary = xasprintf("wall %s ms, rows sum %s ms (%.2f%%): %s ms measured from sched records, %s ms running in KVM_RUN apportioned by %" PRIu64 " samples; steal %s ms, %s; halt %s ms, %s",
			w[0], w[1], pct(sum.sum, sum.wall), w[2], w[3], in_run,
			m1, rd, m3, hw);
		put_rows(t, &rs, wall);
	}
	if (nv) {
		qsort(vm.r, vm.n, sizeof(*vm.r), row_order);
		sum_rows(&vm, wall * nv, &sum);
		t = doc_table(d, &breakdown_kind, "vm");
		attr_add(&t->attrs, "vcpus", true, "%" PRIu64, nv);
		sum_attrs(t, &sum);
		vm_halt_check(a, vm_ks, own, vm_nv, spans, &vm_hc);
		halt_attrs(t, &vm_hc, wall * nv, hw, sizeof(hw));
		t->summary = xasprintf("%" PRIu64 " vCPUs x wall %s ms, rows sum %s ms (%.2f%%); %s",
			nv, fmt_ms(wall, m1, sizeof(m1)),
			fmt_ms(sum.sum, m2, sizeof(m2)), pct(sum.sum, sum.wall),
			hw);
		put_rows(t, &vm, wall * nv);
	}
	free(rs.r);
	free(vm.r);
}
