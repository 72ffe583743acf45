// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPUs' states over time (vcpu_states.h), for the exports that draw
 * a timeline.  The pass feeds samples and intervals through struct
 * analysis_hooks; they are kept, 48 bytes a sample, and sorted per vCPU
 * at the end: a vCPU's samples come from several pCPUs' buffers, out of
 * order.
 */
#include <stdlib.h>
#include <string.h>

#include "../include/uapi/kvm_profile.h"
#include "exit_names.h"
#include "report.h"
#include "vcpu_states.h"

const char *const vs_state_names[VS_NR_STATES] = {
	[VS_GUEST_USER] = "guest user", [VS_GUEST_KERNEL] = "guest kernel",
	[VS_GUEST] = "guest", [VS_EXIT] = "exit", [VS_HOST] = "host kernel",
	[VS_VMM] = "VMM", [VS_SOFTIRQ] = "softirq", [VS_IRQ] = "irq",
	[VS_HALT] = "halted", [VS_STEAL] = "steal",
};

struct vs_interval {
	u64 start, end;
	u32 vcpu;
	bool halt;
	struct owner_ref culprit;
};

struct vcpu_states {
	struct vs_sample *smp;
	size_t nsmp, capsmp;
	struct vs_interval *ivs;
	size_t nivs, capivs;
};

/* The walk of one vCPU: the slice still growing, and where it goes. */
struct vs_track {
	const struct vs_ops *ops;
	void *ctx;
	struct vs_slice pend;
};

u8 vs_sample_state(const struct analysis *a,
		   const struct kvm_profile_sample *s, u32 cat)
{
	switch (cat) {
	case CAT_GUEST_USER:
		return VS_GUEST_USER;
	case CAT_GUEST_OS:
		return VS_GUEST_KERNEL;
	case CAT_GUEST_PROT:
		return VS_GUEST;
	}
	if (s->flags & KVM_PROFILE_S_HOST_USER)
		return a->vmm_pid && s->pid == a->vmm_pid ? VS_VMM : VS_HOST;
	/* interrupt work, not the exit it may have cut into */
	switch (analysis_sample_irq(s)) {
	case IRQ_SOFT:
		return VS_SOFTIRQ;
	case IRQ_HARD:
		return VS_IRQ;
	}
	return s->flags & KVM_PROFILE_S_EXIT_VALID ? VS_EXIT : VS_HOST;
}

static void vs_sample_hook(struct analysis *a,
			   const struct kvm_profile_sample *s, u32 owner)
{
	struct vcpu_states *p = a->view;
	u32 cat = analysis_sample_cat(s);
	struct vs_sample *ps;

	if (owner & OWNER_COMM)	/* another host task: its steal shows */
		return;
	GROW_ARRAY(p->smp, p->nsmp + 1, p->capsmp, 4096);
	ps = &p->smp[p->nsmp++];
	memset(ps, 0, sizeof(*ps));
	ps->time = s->hdr.time_ns;
	ps->vcpu = s->vcpu_id;
	ps->cat = (u8)cat;
	ps->state = vs_sample_state(a, s, cat);
	if (s->flags & KVM_PROFILE_S_EXIT_VALID) {
		ps->exit_isa = s->exit_isa;
		ps->exit_reason = s->exit_reason;
	}
	/* the same address and context as add_sample() aggregates */
	if (cat == CAT_GUEST_OS || cat == CAT_GUEST_USER) {
		ps->addr = s->guest_rip;
		ps->host_ip = s->host_ip;
	}
	if (cat == CAT_GUEST_USER)
		ps->ctx = agent_sample_ctx(a, s->guest_cr3, s->hdr.time_ns);
	if (cat == CAT_HOST) {
		ps->addr = s->host_ip;
		if (s->flags & KVM_PROFILE_S_HOST_USER) {
			ps->ctx = analysis_comm_id(a, s->comm, sizeof(s->comm));
			if (a->vmm_pid && s->pid == a->vmm_pid)
				ps->ctx |= CTX_VMM;
		}
	}
}

static void vs_interval_hook(struct analysis *a, u32 vcpu, u32 cpu,
			     const struct owner_ref *r, u64 start, u64 end)
{
	struct vcpu_states *p = a->view;
	struct vs_interval *iv;

	(void)cpu;
	GROW_ARRAY(p->ivs, p->nivs + 1, p->capivs, 1024);
	iv = &p->ivs[p->nivs++];
	memset(iv, 0, sizeof(*iv));
	iv->start = start;
	iv->end = end;
	iv->vcpu = vcpu;
	iv->halt = !r;
	if (r)
		iv->culprit = *r;
}

/* The sched records are walked again: what the first walk gave is void. */
static void vs_sched_reset(struct analysis *a)
{
	struct vcpu_states *p = a->view;

	p->nivs = 0;
}

static void vs_free(struct analysis *a)
{
	struct vcpu_states *p = a->view;

	if (!p)
		return;
	free(p->smp);
	free(p->ivs);
	free(p);
	a->view = NULL;
}

static const struct analysis_hooks vcpu_states_hooks = {
	.sample = vs_sample_hook,
	.interval = vs_interval_hook,
	.sched_reset = vs_sched_reset,
	.free = vs_free,
};

void vcpu_states_attach(struct analysis *a)
{
	a->hooks = &vcpu_states_hooks;
	a->view = xcalloc(1, sizeof(struct vcpu_states));
}

static int smp_cmp(const void *x, const void *y)
{
	const struct vs_sample *a = x, *b = y;

	if (a->vcpu != b->vcpu)
		return a->vcpu < b->vcpu ? -1 : 1;
	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	return 0;
}

static int iv_cmp(const void *x, const void *y)
{
	const struct vs_interval *a = x, *b = y;

	if (a->vcpu != b->vcpu)
		return a->vcpu < b->vcpu ? -1 : 1;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return 0;
}

void vs_slice_name(struct analysis *a, const struct vs_slice *s, char *name,
		   size_t len, char *what, size_t what_len)
{
	char buf[48];

	switch (s->state) {
	case VS_EXIT:
		snprintf(what, what_len, "%s",
			 exit_reason_str((u8)(s->arg >> 32), (u32)s->arg, buf,
					 sizeof(buf)));
		snprintf(name, len, "exit: %s", what);
		break;
	case VS_STEAL:
		culprit_name(a, (u32)s->arg, what, what_len);
		snprintf(name, len, "steal: %s", what);
		break;
	case VS_SOFTIRQ:
	case VS_IRQ:
		snprintf(what, what_len, "%s",
			 irq_class(s->state == VS_SOFTIRQ ? IRQ_SOFT : IRQ_HARD));
		snprintf(name, len, "steal: %s", what);
		break;
	default:
		snprintf(what, what_len, "%s", "");
		snprintf(name, len, "%s", vs_state_names[s->state]);
	}
}

/*
 * Grow the pending slice with @s when it is the same state and starts
 * within @gap of its end, else hand on the pending one and start @s.
 */
static void add_slice(struct vs_track *t, const struct vs_slice *s, u64 gap)
{
	struct vs_slice *p = &t->pend;

	if (s->end <= s->start)
		return;
	if (p->open && p->state == s->state && p->arg == s->arg &&
	    s->start <= p->end + gap) {
		if (s->end > p->end)
			p->end = s->end;
		return;
	}
	if (p->open && p->end > p->start)
		t->ops->slice(t->ctx, p);
	*p = *s;
	p->open = true;
}

static void flush_slice(struct vs_track *t)
{
	if (t->pend.open && t->pend.end > t->pend.start)
		t->ops->slice(t->ctx, &t->pend);
	t->pend.open = false;
}

static struct vs_slice sample_slice(const struct analysis *a,
				    const struct vs_sample *s, u64 from)
{
	struct vs_slice sl = {
		.start = s->time > from ? s->time : from,
		.end = s->time + a->period_ns, .state = s->state,
	};

	if (s->state == VS_EXIT)
		sl.arg = (u64)s->exit_isa << 32 | (u32)s->exit_reason;
	return sl;
}

static struct vs_slice interval_slice(struct analysis *a,
				      const struct vs_interval *iv, u64 from)
{
	struct vs_slice sl = {
		.start = iv->start > from ? iv->start : from, .end = iv->end,
		.state = iv->halt ? VS_HALT : VS_STEAL,
	};

	if (!iv->halt)
		sl.arg = steal_owner(a, iv->vcpu, &iv->culprit);
	return sl;
}

/*
 * One vCPU's samples and intervals, each sorted by time: an interval cuts
 * the sample slice before it short, a sample in an interval's time (a few
 * microseconds of clock skew) starts after it.
 */
static void walk_vcpu(struct analysis *a, struct vs_track *t,
		      const struct vs_sample *smp, size_t ns,
		      const struct vs_interval *ivs, size_t ni)
{
	u64 done = 0;		/* the end of the last interval handed on */
	size_t i = 0, j = 0;
	struct vs_slice sl;

	while (i < ni || j < ns) {
		if (i < ni && (j == ns || ivs[i].start <= smp[j].time)) {
			if (t->pend.open && t->pend.state < VS_HALT &&
			    t->pend.end > ivs[i].start)
				t->pend.end = ivs[i].start;
			sl = interval_slice(a, &ivs[i], done);
			add_slice(t, &sl, 0);
			if (ivs[i].end > done)
				done = ivs[i].end;
			i++;
			continue;
		}
		sl = sample_slice(a, &smp[j], done);
		add_slice(t, &sl, a->period_ns / 2);
		if (t->ops->sample)
			t->ops->sample(t->ctx, &smp[j]);
		j++;
	}
	flush_slice(t);
}

void vcpu_states_walk(struct analysis *a, const struct vs_ops *ops, void *ctx)
{
	struct vcpu_states *p = a->view;
	struct vs_track t = { .ops = ops, .ctx = ctx };
	size_t i = 0, j = 0, i1, j1;
	u32 v;

	if (p->nsmp)	/* a file without samples has no array at all */
		qsort(p->smp, p->nsmp, sizeof(*p->smp), smp_cmp);
	if (p->nivs)
		qsort(p->ivs, p->nivs, sizeof(*p->ivs), iv_cmp);
	for (v = 0; v < a->nvcpus; v++) {
		if (!a->vcpus[v].present || (a->f.vcpu >= 0 && v != a->f.vcpu))
			continue;
		ops->track(ctx, v, a->vcpus[v].tid);
		while (i < p->nsmp && p->smp[i].vcpu < v)
			i++;
		while (j < p->nivs && p->ivs[j].vcpu < v)
			j++;
		for (i1 = i; i1 < p->nsmp && p->smp[i1].vcpu == v; i1++)
			;
		for (j1 = j; j1 < p->nivs && p->ivs[j1].vcpu == v; j1++)
			;
		t.pend.open = false;
		walk_vcpu(a, &t, p->smp + i, i1 - i, p->ivs + j, j1 - j);
		i = i1;
		j = j1;
	}
}
