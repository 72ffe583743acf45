// SPDX-License-Identifier: GPL-2.0
/* Streaming pass over a data file: metadata, records, per-sample counters. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../../include/uapi/kvm_profile.h"
#include "analysis.h"

#define DEFAULT_PERIOD_NS NSEC_PER_MSEC

void analysis_init(struct analysis *a, const struct filter *f)
{
	memset(a, 0, sizeof(*a));
	if (f)
		a->f = *f;
	else
		a->f.vcpu = a->f.pid = -1;
	a->period_ns = DEFAULT_PERIOD_NS;
	symtab_init(&a->host_syms);
	guest_info_init(&a->guest);
	agg_init(&a->vcpu_agg, AGG_MAX_ENTRIES);
	agg_init(&a->host_agg, AGG_MAX_ENTRIES);
	agg_init(&a->exit_agg, 0);
	agg_init(&a->exit_func_agg, AGG_MAX_ENTRIES);
	agg_init(&a->steal_agg, 0);
	agg_init(&a->steal_ivs, 0);
	agg_init(&a->lost_agg, 0);
	strmap_init(&a->comm_ids);
	strmap_init(&a->name_ids);
	analysis_comm_id(a, "", 0);
}

void analysis_free(struct analysis *a)
{
	size_t i;

	symtab_free(&a->host_syms);
	host_maps_free(&a->vmm_maps);
	guest_info_free(&a->guest);
	agg_free(&a->vcpu_agg);
	agg_free(&a->host_agg);
	agg_free(&a->exit_agg);
	agg_free(&a->exit_func_agg);
	agg_free(&a->steal_agg);
	agg_free(&a->steal_ivs);
	agg_free(&a->lost_agg);
	strmap_free(&a->comm_ids);
	for (i = 0; i < a->ncomms; i++)
		free(a->comms[i]);
	free(a->comms);
	strmap_free(&a->name_ids);
	for (i = 0; i < a->nnames; i++)
		free(a->names[i]);
	free(a->names);
	free(a->vcpus);
	sched_window_free(&a->sw);
	free(a->walk);
	agg_free(&a->steal_pend);
	agg_free(&a->ivs_pend);
	host_stamps_free(&a->hs);
	switch_hist_free(&a->swh);
	free(a->tids);
	kvm_stat_free(a);
	agent_free(a);
	culprits_free(a);
	if (a->hooks && a->hooks->free)
		a->hooks->free(a);
}

u32 analysis_comm_id(struct analysis *a, const char *comm, size_t len)
{
	char tmp[32];
	bool found;
	u32 id;

	copy_comm(tmp, sizeof(tmp), comm, len);
	id = strmap_get(&a->comm_ids, tmp, (u32)a->ncomms, &found);
	if (!found) {
		a->comms = xrealloc(a->comms, (a->ncomms + 1) * sizeof(char *));
		a->comms[a->ncomms++] = xstrdup(tmp);
	}
	return id;
}

const char *analysis_comm(const struct analysis *a, u32 id)
{
	return id < a->ncomms ? a->comms[id] : "";
}

struct vcpu_stat *analysis_vcpu(struct analysis *a, u32 vcpu)
{
	u32 n;

	if (vcpu >= MAX_VCPUS)
		return NULL;
	if (vcpu >= a->nvcpus) {
		n = vcpu + 1;
		a->vcpus = xrealloc(a->vcpus, n * sizeof(*a->vcpus));
		memset(a->vcpus + a->nvcpus, 0,
		       (n - a->nvcpus) * sizeof(*a->vcpus));
		a->nvcpus = n;
	}
	a->vcpus[vcpu].present = true;
	return &a->vcpus[vcpu];
}

static void learn_tid(struct analysis *a, u32 tid, u32 vcpu)
{
	struct vcpu_stat *v = analysis_vcpu(a, vcpu);
	size_t i;

	if (!v || !tid || v->tid == tid)
		return;
	v->tid = tid;
	for (i = 0; i < a->ntids; i++) {
		if (a->tids[i].tid == tid) {
			a->tids[i].vcpu = vcpu;
			return;
		}
	}
	GROW_ARRAY(a->tids, a->ntids + 1, a->captids, 16);
	a->tids[a->ntids].tid = tid;
	a->tids[a->ntids++].vcpu = vcpu;
}

u32 analysis_vcpu_of_tid(const struct analysis *a, u32 tid)
{
	size_t i;

	for (i = 0; tid && i < a->ntids; i++)
		if (a->tids[i].tid == tid)
			return a->tids[i].vcpu;
	return NO_VCPU;
}

u64 analysis_begin_ns(const struct analysis *a)
{
	return a->have_start ? a->start_ns : a->first_ns;
}

u64 analysis_window_begin_ns(const struct analysis *a)
{
	u64 begin = analysis_begin_ns(a);

	return a->f.has_from ? begin + (u64)(a->f.from_s * 1e9) : begin;
}

bool analysis_clips_begin(const struct analysis *a)
{
	return a->f.has_from || a->have_start;
}

u64 analysis_window_to_ns(const struct analysis *a)
{
	return a->f.has_to ? analysis_begin_ns(a) + (u64)(a->f.to_s * 1e9) :
			     UINT64_MAX;
}

u64 analysis_end_ns(const struct analysis *a)
{
	u64 end = a->have_stop && a->stop_ns > a->last_ns ? a->stop_ns : a->last_ns;
	u64 to = analysis_window_to_ns(a);

	return to < end ? to : end;
}

u64 ns_to_samples(const struct analysis *a, u64 ns)
{
	return (ns + a->period_ns / 2) / a->period_ns;
}

static bool time_passes(struct analysis *a, u64 t)
{
	if (analysis_clips_begin(a) && t < analysis_window_begin_ns(a))
		return false;
	if (a->f.has_to && t >= analysis_window_to_ns(a))
		return false;
	return true;
}

static bool comm_passes(const struct analysis *a, const char *comm)
{
	return !a->f.comm || !strncmp(comm, a->f.comm, 16);
}

static void note_time(struct analysis *a, u64 t)
{
	if (!a->have_first || t < a->first_ns)
		a->first_ns = t;
	if (t > a->last_ns)
		a->last_ns = t;
	a->have_first = true;
}

/*
 * perf's cpu-clock timer, when it fires late, skips the periods it missed
 * and overflows once: the kernel counts them into periods, so that the
 * sample stands for them.  Summed in u64, a u16 cannot overflow a count.
 */
u32 sample_weight(const struct kvm_profile_sample *s)
{
	return s->periods ? s->periods : 1;
}

u32 analysis_sample_cat(const struct kvm_profile_sample *s)
{
	if (!(s->flags & KVM_PROFILE_S_IN_GUEST))
		return CAT_HOST;
	if (s->flags & KVM_PROFILE_S_GUEST_PROTECTED ||
	    !(s->flags & KVM_PROFILE_S_GUEST_VALID))
		return CAT_GUEST_PROT;
	if (s->flags & KVM_PROFILE_S_GUEST_USER || s->guest_cpl == 3)
		return CAT_GUEST_USER;
	return CAT_GUEST_OS;
}

/*
 * The kernel sets HOST_HARDIRQ and HOST_SOFTIRQ from the interrupted host
 * context; on a guest or a host user sample they cannot be true, so such
 * a record is garbled and keeps the class its other flags give.
 */
u32 analysis_sample_irq(const struct kvm_profile_sample *s)
{
	if (s->vcpu_id == NO_VCPU ||
	    s->flags & (KVM_PROFILE_S_IN_GUEST | KVM_PROFILE_S_HOST_USER))
		return IRQ_NONE;
	if (s->flags & KVM_PROFILE_S_HOST_HARDIRQ)
		return IRQ_HARD;
	return s->flags & KVM_PROFILE_S_HOST_SOFTIRQ ? IRQ_SOFT : IRQ_NONE;
}

u64 analysis_irq_ns(const struct analysis *a, const struct vcpu_stat *v,
		    u32 irq)
{
	return irq < IRQ_NR ? v->irq[irq] * a->period_ns : 0;
}

/* Count @w periods under (a, b, c, d) in an address table. */
static void agg_add_addr(struct analysis *an, struct agg_table *t, u32 a,
			 u32 b, u64 c, u64 d, u64 w)
{
	struct agg_key k = { a, b, c, d };
	struct agg_entry *e = agg_get(t, &k);

	if (!e)
		e = agg_full(an, t, &k);
	e->v1 += w;
}

static void agg_add(struct agg_table *t, u32 a, u32 b, u64 c, u64 d, u64 w)
{
	struct agg_key k = { a, b, c, d };
	struct agg_entry *e = agg_get(t, &k);

	if (!e) {
		/* Table full: count under one overflow row, never drop. */
		k.b = CAT_OVERFLOW;
		k.c = k.d = 0;
		e = agg_get_over(t, &k);
	}
	e->v1 += w;
}

static void add_sample_vcpu(struct analysis *a, const struct kvm_profile_sample *s,
			    u32 cat, u64 addr, u64 ctx, u64 w)
{
	struct vcpu_stat *v = analysis_vcpu(a, s->vcpu_id);
	u32 irq;

	if (!v)
		return;
	switch (cat) {
	case CAT_GUEST_OS:
		v->os += w;
		break;
	case CAT_GUEST_USER:
		v->user += w;
		break;
	case CAT_GUEST_PROT:
		v->prot += w;
		break;
	default:
		v->host += w;
		irq = analysis_sample_irq(s);
		v->irq[irq] += w;
		ctx |= (u64)irq << CTX_IRQ_SHIFT;
		break;
	}
	agg_add_addr(a, &a->vcpu_agg, s->vcpu_id, cat, addr, ctx, w);
}

static void add_sample_extras(struct analysis *a,
			      const struct kvm_profile_sample *s, u32 owner,
			      u32 cat, u64 addr, u64 ctx, u64 w)
{
	if (s->flags & KVM_PROFILE_S_EXIT_VALID && s->vcpu_id != NO_VCPU) {
		agg_add(&a->exit_agg, s->exit_isa,
			!!(s->flags & KVM_PROFILE_S_IN_GUEST), s->exit_reason, 0,
			w);
		/* Which host functions handle each exit reason. */
		if (cat == CAT_HOST)
			agg_add_addr(a, &a->exit_func_agg,
				exit_group(s->exit_isa, s->exit_reason),
				CAT_HOST, addr, ctx, w);
	}
	if (a->config_flags & KVM_PROFILE_F_HOST_SAMPLES)
		host_stamp_push(a, s->hdr.time_ns, s->hdr.cpu, owner, (u32)w);
	if (a->hooks && a->hooks->sample)
		a->hooks->sample(a, s, owner);
}

static bool sample_passes(struct analysis *a, const struct kvm_profile_sample *s)
{
	return (a->f.vcpu < 0 || s->vcpu_id == (u64)a->f.vcpu) &&
	       (a->f.pid < 0 || s->pid == (u64)a->f.pid) &&
	       comm_passes(a, s->comm) && time_passes(a, s->hdr.time_ns);
}

static void add_sample(struct analysis *a, const struct kvm_profile_sample *s)
{
	u32 cat = analysis_sample_cat(s), owner, comm_id = 0;
	u64 addr = 0, ctx = 0, w = sample_weight(s);

	a->st.samples++;
	note_time(a, s->hdr.time_ns);
	if (s->vcpu_id != NO_VCPU)
		learn_tid(a, s->tid, s->vcpu_id);
	if (!sample_passes(a, s)) {
		a->st.filtered++;
		return;
	}
	if (cat == CAT_GUEST_OS || cat == CAT_GUEST_USER)
		addr = s->guest_rip;
	if (cat == CAT_GUEST_USER)
		ctx = agent_sample_ctx(a, s->guest_cr3, s->hdr.time_ns);
	if (cat == CAT_HOST) {
		addr = s->host_ip;
		if (s->vcpu_id == NO_VCPU || s->flags & KVM_PROFILE_S_HOST_USER)
			comm_id = analysis_comm_id(a, s->comm, sizeof(s->comm));
		ctx = comm_id;
		if (s->flags & KVM_PROFILE_S_HOST_USER && a->vmm_pid &&
		    s->pid == a->vmm_pid)
			ctx |= CTX_VMM;
	}
	a->samples_total += w;
	a->sample_records++;
	a->overflowed = false;
	if (s->vcpu_id != NO_VCPU) {
		add_sample_vcpu(a, s, cat, addr, ctx, w);
		owner = s->vcpu_id;
	} else {
		if (!comm_id)
			comm_id = analysis_comm_id(a, s->comm, sizeof(s->comm));
		owner = culprits_task_owner(a, s->tid, comm_id);
	}
	if (cat == CAT_HOST) {
		a->samples_host += w;
		agg_add_addr(a, &a->host_agg, 0, CAT_HOST, addr, ctx, w);
	} else {
		a->samples_guest += w;
		agg_add(&a->host_agg, 0, CAT_VM, 0, 0, w);
	}
	add_sample_extras(a, s, owner, cat, addr, ctx, w);
	if (a->overflowed)
		a->overflow_samples += w;
}

/*
 * The sched walk again (analysis_load()): a sample counts for nothing but,
 * in a host-samples recording, the stamp steal is split by.
 */
static void restamp_sample(struct analysis *a, const struct kvm_profile_sample *s)
{
	u32 owner = s->vcpu_id;

	if (!(a->config_flags & KVM_PROFILE_F_HOST_SAMPLES) || !sample_passes(a, s))
		return;
	if (s->vcpu_id == NO_VCPU)
		owner = culprits_task_owner(a, s->tid,
			analysis_comm_id(a, s->comm, sizeof(s->comm)));
	host_stamp_push(a, s->hdr.time_ns, s->hdr.cpu, owner, sample_weight(s));
}

static void push_sched(struct analysis *a, const struct sched_ev *ev)
{
	sched_window_push(a, ev);
}

static bool sched_filtered(struct analysis *a, u32 vcpu, u32 pid)
{
	if (a->f.vcpu >= 0 && vcpu != (u64)a->f.vcpu)
		return true;
	return a->f.pid >= 0 && pid != (u64)a->f.pid;
}

/* Checks shared by SCHED_OUT and SCHED_IN; false drops the record. */
static bool accept_sched(struct analysis *a,
			 const struct kvm_profile_record_header *hdr,
			 u32 vcpu, u32 tid, u32 pid)
{
	note_time(a, hdr->time_ns);
	if (vcpu == NO_VCPU || vcpu >= MAX_VCPUS) {
		a->st.malformed++;
		return false;
	}
	learn_tid(a, tid, vcpu);
	if (sched_filtered(a, vcpu, pid)) {
		a->st.filtered++;
		return false;
	}
	return true;
}

/*
 * The kernel names the task that took a vCPU's pCPU only to an opener with
 * CAP_PERFMON, or when the task is the VMM's own (api.rst, SCHED_OUT).
 * Longer than any comm (15 bytes), so no host task can be named this.
 */
#define NEXT_HIDDEN_NAME "[hidden: needs CAP_PERFMON]"

static void add_sched_out(struct analysis *a, const struct kvm_profile_sched_out *r)
{
	struct sched_ev ev = { 0 };
	/* flags and run_delay_ns are past the end of an older, shorter record. */
	u32 flags = r->hdr.size >= sizeof(*r) ? r->flags : 0;

	a->st.sched_out++;
	if (!accept_sched(a, &r->hdr, r->vcpu_id, r->tid, r->pid))
		return;
	ev.time = r->hdr.time_ns;
	ev.vcpu = r->vcpu_id;
	ev.cpu = r->hdr.cpu;
	ev.is_out = 1;
	ev.reason = (u8)r->reason;
	ev.next_tid = r->next_tid;
	if (flags & KVM_PROFILE_S_NEXT_HIDDEN)
		ev.next_comm = analysis_comm_id(a, NEXT_HIDDEN_NAME,
						 strlen(NEXT_HIDDEN_NAME));
	else
		ev.next_comm = analysis_comm_id(a, r->next_comm,
						 sizeof(r->next_comm));
	if (flags & KVM_PROFILE_S_RUN_DELAY) {
		ev.has_run_delay = 1;
		ev.run_delay = r->run_delay_ns;
	}
	push_sched(a, &ev);
}

static void add_sched_in(struct analysis *a, const struct kvm_profile_sched_in *r)
{
	struct sched_ev ev = { 0 };

	a->st.sched_in++;
	if (!accept_sched(a, &r->hdr, r->vcpu_id, r->tid, r->pid))
		return;
	ev.time = r->hdr.time_ns;
	ev.vcpu = r->vcpu_id;
	ev.cpu = r->hdr.cpu;
	ev.reason = (u8)r->reason;
	if (r->hdr.size >= sizeof(*r) && r->flags & KVM_PROFILE_S_RUN_DELAY) {
		ev.has_run_delay = 1;
		ev.run_delay = r->run_delay_ns;
	}
	push_sched(a, &ev);
}

static void add_lost(struct analysis *a, const struct kvm_profile_lost *r)
{
	struct agg_key k = { .a = r->hdr.cpu };
	struct agg_entry *e = agg_get(&a->lost_agg, &k);

	a->st.lost_records++;
	a->lost_total += r->lost;
	if (e)
		e->v1 += r->lost;
}

/*
 * Sched records grew run_delay_ns (and SCHED_IN its flags) after the
 * first version of the series: accept the shorter ones, without it.
 */
static size_t record_min_size(u16 type)
{
	switch (type) {
	case KVM_PROFILE_RECORD_SAMPLE:
		return sizeof(struct kvm_profile_sample);
	case KVM_PROFILE_RECORD_LOST:
		return sizeof(struct kvm_profile_lost);
	case KVM_PROFILE_RECORD_SCHED_OUT:
		return offsetof(struct kvm_profile_sched_out, run_delay_ns);
	case KVM_PROFILE_RECORD_SCHED_IN:
		return offsetof(struct kvm_profile_sched_in, flags);
	default:
		return sizeof(struct kvm_profile_record_header);
	}
}

static void dispatch_record(struct analysis *a, const u8 *p, u16 type)
{
	/* A second pass over the file walks sched records (and host stamps). */
	if (a->sched_replay && type != KVM_PROFILE_RECORD_SCHED_OUT &&
	    type != KVM_PROFILE_RECORD_SCHED_IN) {
		if (type == KVM_PROFILE_RECORD_SAMPLE)
			restamp_sample(a, (const struct kvm_profile_sample *)p);
		return;
	}
	switch (type) {
	case KVM_PROFILE_RECORD_SAMPLE:
		add_sample(a, (const struct kvm_profile_sample *)p);
		break;
	case KVM_PROFILE_RECORD_LOST:
		add_lost(a, (const struct kvm_profile_lost *)p);
		break;
	case KVM_PROFILE_RECORD_SCHED_OUT:
		add_sched_out(a, (const struct kvm_profile_sched_out *)p);
		break;
	case KVM_PROFILE_RECORD_SCHED_IN:
		add_sched_in(a, (const struct kvm_profile_sched_in *)p);
		break;
	default:
		a->st.unknown++;
		break;
	}
}

/*
 * The pass is bound by random lookups in vcpu_agg: prefetch the slot of the
 * guest sample PREFETCH_DIST records ahead.  Only a hint; *pf walks the
 * same records as the main loop and stops at the first bad size.
 */
#define PREFETCH_DIST 16

static void prefetch_ahead(struct analysis *a, const u8 *p, size_t len,
			   size_t *pf)
{
	struct kvm_profile_record_header h;
	const struct kvm_profile_sample *s;
	struct agg_key k;

	if (*pf + sizeof(struct kvm_profile_sample) > len)
		return;
	memcpy(&h, p + *pf, sizeof(h));
	if (h.size < sizeof(h) || h.size > len - *pf) {
		*pf = len;
		return;
	}
	s = (const struct kvm_profile_sample *)(p + *pf);
	*pf += h.size;
	if (h.type != KVM_PROFILE_RECORD_SAMPLE || h.size < sizeof(*s) ||
	    ((uintptr_t)s & 7))
		return;
	k.a = s->vcpu_id;
	k.b = analysis_sample_cat(s);
	if (k.b != CAT_GUEST_OS && k.b != CAT_GUEST_USER)
		return;
	k.c = s->guest_rip;
	k.d = k.b == CAT_GUEST_USER ? guest_cr3_key(s->guest_cr3) : 0;
	agg_prefetch(&a->vcpu_agg, &k);
}

void analysis_records(struct analysis *a, const u8 *p, size_t len)
{
	struct kvm_profile_record_header h;
	union {
		struct kvm_profile_sample s;
		struct kvm_profile_sched_out o;
		u8 raw[256];
	} tmp;
	size_t off = 0, pf = 0;
	int i;

	for (i = 0; i < PREFETCH_DIST; i++)
		prefetch_ahead(a, p, len, &pf);
	while (off + sizeof(h) <= len) {
		prefetch_ahead(a, p, len, &pf);
		memcpy(&h, p + off, sizeof(h));
		if (h.size < sizeof(h) || h.size > len - off) {
			/* The size is the only way forward: stop this chunk. */
			a->st.malformed++;
			return;
		}
		a->st.records++;
		if (h.size < record_min_size(h.type)) {
			a->st.malformed++;
		} else if (((uintptr_t)(p + off) & 7) == 0) {
			dispatch_record(a, p + off, h.type);
		} else {
			memcpy(tmp.raw, p + off, h.size < sizeof(tmp) ? h.size : sizeof(tmp));
			dispatch_record(a, tmp.raw, h.type);
		}
		off += h.size;
	}
	if (off != len)
		a->st.malformed++;
}

void analysis_finish(struct analysis *a)
{
	if (a->finished)
		return;
	a->finished = true;
	host_stamps_finish(a);
	switch_hist_finish(a);
	steal_walk_finish(a);
	if (a->st.malformed)
		pr_warn("%llu malformed records skipped (bad size or type); the file may be damaged",
			(unsigned long long)a->st.malformed);
	if (!a->samples_total && !a->nsched && a->st.filtered)
		pr_warn("the filters matched none of the %llu samples and sched records; see 'vmprofctl report' without them",
			(unsigned long long)a->st.filtered);
	if (a->overflow_samples)
		pr_warn("%llu samples at addresses no symbol covers, past %zu distinct ones, are counted as [unknown] (too many distinct addresses); give the guest's symbols (agent or --guest-kallsyms)",
			(unsigned long long)a->overflow_samples, a->overflow_cap);
	if (a->lost_total)
		pr_warn("the kernel dropped %llu records (buffer full): counts are lower bounds; use a larger buffer or lower --freq",
			(unsigned long long)a->lost_total);
}
