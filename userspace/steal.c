// SPDX-License-Identifier: GPL-2.0
/*
 * Steal and halt intervals from time-sorted sched records.  A vCPU steals
 * from a PREEMPTED sched-out to its next sched-in; halt is the same for
 * HALTED.  Culprits: with host samples, the interval is split among the
 * tasks sampled on that pCPU during it; otherwise the next task named by
 * the sched-out record takes all of it.
 */
#include <stdlib.h>
#include <string.h>

#include "../include/uapi/kvm_profile.h"
#include "analysis.h"

#define MAX_SPLIT 64

struct open_iv {
	bool open;
	u8 reason;
	u32 cpu;
	u64 start;
	u32 next_tid;
	u32 next_comm;
};

struct owner_count {
	u32 owner;
	u64 count;
};

static int sched_cmp(const void *x, const void *y)
{
	const struct sched_ev *a = x, *b = y;

	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int hs_cmp(const void *x, const void *y)
{
	const struct hs_ev *a = x, *b = y;

	if (a->cpu != b->cpu)
		return a->cpu < b->cpu ? -1 : 1;
	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	return 0;
}

static void charge(struct analysis *a, u32 vcpu, u32 owner, u64 ns, u64 ivs)
{
	struct agg_key k = { .a = vcpu, .b = owner };
	struct agg_entry *e = agg_get(&a->steal_agg, &k);
	struct vcpu_stat *v = analysis_vcpu(a, vcpu);

	e->v1 += ns;
	agg_get(&a->steal_ivs, &k)->v1 += ivs;
	if (v)
		v->steal_ns += ns;
}

static size_t hs_lower_bound(const struct analysis *a, u32 cpu, u64 t)
{
	size_t lo = 0, hi = a->nhs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct hs_ev *h = &a->hs[mid];

		if (h->cpu < cpu || (h->cpu == cpu && h->time < t))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t count_owners(const struct analysis *a, u32 cpu, u64 start,
			   u64 end, u32 self, struct owner_count *oc)
{
	size_t i, j, n = 0;

	for (i = hs_lower_bound(a, cpu, start);
	     i < a->nhs && a->hs[i].cpu == cpu && a->hs[i].time < end; i++) {
		u32 owner = a->hs[i].owner;

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
		oc[j].count++;
	}
	return n;
}

static u32 next_owner(const struct analysis *a, const struct open_iv *iv)
{
	u32 vcpu = analysis_vcpu_of_tid(a, iv->next_tid);

	if (vcpu != NO_VCPU)
		return vcpu;
	return OWNER_COMM | iv->next_comm;
}

/*
 * Show who held the pCPU during a steal interval in the timeline: the
 * next task, weighted as sample equivalents per bucket.  With host samples
 * the timeline already has them.
 */
static void timeline_interval(struct analysis *a, u32 cpu, u32 owner,
			      u64 start, u64 end)
{
	u64 col, b0, b1, lo, hi;
	struct agg_key k;

	if (!a->tl_width || cpu >= MAX_CPUS || end <= a->tl_base)
		return;
	if (start < a->tl_base)
		start = a->tl_base;
	for (col = (start - a->tl_base) / a->tl_width; col < a->tl_cols; col++) {
		b0 = a->tl_base + col * a->tl_width;
		b1 = b0 + a->tl_width;
		if (b0 >= end)
			break;
		lo = start > b0 ? start : b0;
		hi = end < b1 ? end : b1;
		k = (struct agg_key){ .a = cpu, .b = (u32)col, .c = owner };
		agg_get(&a->tl_agg, &k)->v1 += ns_to_samples(a, hi - lo);
	}
}

static void steal_interval(struct analysis *a, u32 vcpu,
			   const struct open_iv *iv, u64 start, u64 end)
{
	struct owner_count oc[MAX_SPLIT];
	u64 len = end - start, total = 0, given = 0, ns;
	size_t n = 0, i;

	if (a->config_flags & KVM_PROFILE_F_HOST_SAMPLES)
		n = count_owners(a, iv->cpu, start, end, vcpu, oc);
	if (!n) {
		charge(a, vcpu, next_owner(a, iv), len, 1);
		timeline_interval(a, iv->cpu, next_owner(a, iv), start, end);
		return;
	}
	for (i = 0; i < n; i++)
		total += oc[i].count;
	for (i = 0; i < n; i++) {
		ns = i + 1 == n ? len - given : len * oc[i].count / total;
		given += ns;
		charge(a, vcpu, oc[i].owner, ns, 1);
	}
}

static void close_interval(struct analysis *a, u32 vcpu, struct open_iv *iv,
			   u64 end)
{
	u64 start = iv->start, base = analysis_begin_ns(a);
	struct vcpu_stat *v;

	iv->open = false;
	if (a->f.has_from && start < base + (u64)(a->f.from_s * 1e9))
		start = base + (u64)(a->f.from_s * 1e9);
	if (a->f.has_to && end > base + (u64)(a->f.to_s * 1e9))
		end = base + (u64)(a->f.to_s * 1e9);
	if (end <= start)
		return;
	v = analysis_vcpu(a, vcpu);
	if (iv->reason == KVM_PROFILE_SCHED_HALTED) {
		v->halt_ns += end - start;
		v->halt_intervals++;
	} else {
		v->steal_intervals++;
		steal_interval(a, vcpu, iv, start, end);
	}
}

static void walk_sched(struct analysis *a)
{
	struct open_iv *ivs = xcalloc(MAX_VCPUS, sizeof(*ivs));
	u64 end = analysis_end_ns(a);
	size_t i;

	for (i = 0; i < a->nsched; i++) {
		const struct sched_ev *ev = &a->sched[i];
		struct open_iv *iv = &ivs[ev->vcpu];

		if (iv->open)	/* sched-in lost, or this is it */
			close_interval(a, ev->vcpu, iv, ev->time);
		if (!ev->is_out)
			continue;
		if (ev->reason != KVM_PROFILE_SCHED_PREEMPTED &&
		    ev->reason != KVM_PROFILE_SCHED_HALTED)
			continue;
		iv->open = true;
		iv->reason = ev->reason;
		iv->cpu = ev->cpu;
		iv->start = ev->time;
		iv->next_tid = ev->next_tid;
		iv->next_comm = ev->next_comm;
	}
	for (i = 0; i < MAX_VCPUS; i++)
		if (ivs[i].open && end > ivs[i].start)
			close_interval(a, (u32)i, &ivs[i], end);
	free(ivs);
}

void analysis_finish(struct analysis *a)
{
	if (a->finished)
		return;
	a->finished = true;
	if (a->nsched)
		qsort(a->sched, a->nsched, sizeof(*a->sched), sched_cmp);
	if (a->nhs)
		qsort(a->hs, a->nhs, sizeof(*a->hs), hs_cmp);
	walk_sched(a);
	if (a->st.malformed)
		pr_warn("%llu malformed records skipped (bad size or type); the file may be damaged",
			(unsigned long long)a->st.malformed);
	if (a->lost_total)
		pr_warn("the kernel dropped %llu records (buffer full): counts are lower bounds; use a larger buffer or lower --freq",
			(unsigned long long)a->lost_total);
}
