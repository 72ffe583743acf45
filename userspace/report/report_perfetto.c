// SPDX-License-Identifier: GPL-2.0
/*
 * --format perfetto: the vCPU timeline as Chrome Trace Event JSON, which
 * ui.perfetto.dev, chrome://tracing and Chrome DevTools all open, without
 * a protobuf library here or a converter there.
 *
 * One process per VM (pid: the VMM's), one thread per vCPU (tid: its host
 * thread), named by metadata events.  On each vCPU thread, complete events
 * ("X") say what the vCPU was doing: guest user or guest kernel, exit
 * handling (host kernel with the exit reason), VMM (host user space of the
 * VMM), halted, or stolen, named after the culprit ("steal: hostburn").
 * A sample stands for one sampling period from its time; steal and halt
 * are the sched walk's intervals (steal.c) and win where a sample's period
 * overlaps one.  Adjacent slices of one state merge, so the output grows
 * with the state changes, not with the samples.  Each sample is also an
 * instant event ("I": the phase Chrome writes and DevTools reads; Perfetto
 * and chrome://tracing read "i" and "I" alike) with its guest and host
 * symbols.  Timestamps are microseconds since the recording start.
 *
 * The pass feeds samples and intervals through struct analysis_hooks;
 * they are kept, 48 bytes a sample, and sorted per vCPU at the end: a
 * vCPU's samples come from several pCPUs' buffers, out of order.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../include/uapi/kvm_profile.h"
#include "exit_names.h"
#include "report.h"

/* Beyond this many instant events, slices only: a viewer loads ~1 GB. */
#define MAX_INSTANTS 1000000
/* vCPUs without a known host thread get a tid above any pid_max. */
#define SYNTHETIC_TID 0x40000000U

enum pf_state {
	PF_GUEST_USER,
	PF_GUEST_KERNEL,
	PF_GUEST,	/* guest state not readable (protected guest) */
	PF_EXIT,	/* host kernel on the vCPU thread, handling an exit */
	PF_HOST,	/* host kernel, no exit to name */
	PF_VMM,		/* host user space of the VMM (device emulation) */
	PF_HALT,
	PF_STEAL,
};

static const char *const state_names[] = {
	[PF_GUEST_USER] = "guest user", [PF_GUEST_KERNEL] = "guest kernel",
	[PF_GUEST] = "guest", [PF_EXIT] = "exit", [PF_HOST] = "host kernel",
	[PF_VMM] = "VMM", [PF_HALT] = "halted", [PF_STEAL] = "steal",
};

struct pf_sample {
	u64 time;
	u64 addr;		/* guest RIP, or host IP for host samples */
	u64 ctx;		/* resolve_addr()'s context */
	u64 host_ip;		/* of a guest sample, when the kernel gave one */
	u64 exit_reason;
	u32 vcpu;
	u8 cat;			/* enum sample_cat */
	u8 state;		/* enum pf_state */
	u8 exit_isa;
};

struct pf_interval {
	u64 start, end;
	u32 vcpu;
	bool halt;
	struct owner_ref culprit;
};

struct pf_slice {
	u64 start, end;
	u8 state;
	u64 arg;		/* PF_EXIT: isa << 32 | reason; PF_STEAL: owner */
	bool open;
};

struct perfetto {
	struct pf_sample *smp;
	size_t nsmp, capsmp;
	struct pf_interval *ivs;
	size_t nivs, capivs;
};

/* Where a track's events go, and the slice still growing on it. */
struct pf_track {
	struct analysis *a;
	FILE *out;
	u64 base;
	u32 pid, tid;
	struct pf_slice pend;
	u64 nslices;
};

static u8 sample_state(const struct analysis *a,
		       const struct kvm_profile_sample *s, u32 cat)
{
	switch (cat) {
	case CAT_GUEST_USER:
		return PF_GUEST_USER;
	case CAT_GUEST_OS:
		return PF_GUEST_KERNEL;
	case CAT_GUEST_PROT:
		return PF_GUEST;
	}
	if (s->flags & KVM_PROFILE_S_HOST_USER)
		return a->vmm_pid && s->pid == a->vmm_pid ? PF_VMM : PF_HOST;
	return s->flags & KVM_PROFILE_S_EXIT_VALID ? PF_EXIT : PF_HOST;
}

static void pf_sample_hook(struct analysis *a, const struct kvm_profile_sample *s,
			   u32 owner)
{
	struct perfetto *p = a->view;
	u32 cat = analysis_sample_cat(s);
	struct pf_sample *ps;

	if (owner & OWNER_COMM)	/* another host task: its steal shows */
		return;
	GROW_ARRAY(p->smp, p->nsmp + 1, p->capsmp, 4096);
	ps = &p->smp[p->nsmp++];
	memset(ps, 0, sizeof(*ps));
	ps->time = s->hdr.time_ns;
	ps->vcpu = s->vcpu_id;
	ps->cat = (u8)cat;
	ps->state = sample_state(a, s, cat);
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

static void pf_interval_hook(struct analysis *a, u32 vcpu, u32 cpu,
			     const struct owner_ref *r, u64 start, u64 end)
{
	struct perfetto *p = a->view;
	struct pf_interval *iv;

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
static void pf_sched_reset(struct analysis *a)
{
	struct perfetto *p = a->view;

	p->nivs = 0;
}

static void pf_free(struct analysis *a)
{
	struct perfetto *p = a->view;

	if (!p)
		return;
	free(p->smp);
	free(p->ivs);
	free(p);
	a->view = NULL;
}

static const struct analysis_hooks perfetto_hooks = {
	.sample = pf_sample_hook,
	.interval = pf_interval_hook,
	.sched_reset = pf_sched_reset,
	.free = pf_free,
};

void perfetto_attach(struct analysis *a)
{
	a->hooks = &perfetto_hooks;
	a->view = xcalloc(1, sizeof(struct perfetto));
}

static int smp_cmp(const void *x, const void *y)
{
	const struct pf_sample *a = x, *b = y;

	if (a->vcpu != b->vcpu)
		return a->vcpu < b->vcpu ? -1 : 1;
	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	return 0;
}

static int iv_cmp(const void *x, const void *y)
{
	const struct pf_interval *a = x, *b = y;

	if (a->vcpu != b->vcpu)
		return a->vcpu < b->vcpu ? -1 : 1;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return 0;
}

/* Microseconds since the recording start, to the nanosecond. */
static void put_us(FILE *out, const char *key, u64 ns)
{
	fprintf(out, ",\"%s\":%" PRIu64 ".%03" PRIu64, key, ns / 1000, ns % 1000);
}

static u64 rel(const struct pf_track *t, u64 ns)
{
	return ns > t->base ? ns - t->base : 0;
}

static void put_head(const struct pf_track *t, const char *ph)
{
	fprintf(t->out, ",\n{\"ph\":\"%s\",\"pid\":%u,\"tid\":%u", ph, t->pid,
		t->tid);
}

static void culprit_name(struct analysis *a, u32 owner, char *buf, size_t len)
{
	const char *comm;

	if (!(owner & OWNER_COMM)) {
		snprintf(buf, len, "vcpu%u", owner);
		return;
	}
	comm = analysis_comm(a, owner & ~OWNER_COMM);
	snprintf(buf, len, "%s", *comm ? comm : "unknown");
}

static void write_slice(struct pf_track *t, const struct pf_slice *s)
{
	char name[160], who[128], buf[48];
	const char *reason;
	u64 start_us, end_us;
	u8 isa = (u8)(s->arg >> 32);

	/*
	 * Whole microseconds: a viewer adds ts and dur in floating point, and
	 * 1.001 + 2.002 is not 3.003 there, which nests one slice in the next.
	 */
	start_us = (rel(t, s->start) + 500) / 1000;
	end_us = (rel(t, s->end) + 500) / 1000;
	if (end_us == start_us)
		return;	/* under a microsecond: not to be seen */
	put_head(t, "X");
	fprintf(t->out, ",\"ts\":%" PRIu64 ",\"dur\":%" PRIu64, start_us,
		end_us - start_us);
	fprintf(t->out, ",\"cat\":\"%s\",\"name\":",
		s->state == PF_STEAL ? "steal" : s->state == PF_HALT ? "halt" :
		s->state <= PF_GUEST ? "guest" : "host");
	switch (s->state) {
	case PF_EXIT:
		reason = exit_reason_str(isa, (u32)s->arg, buf, sizeof(buf));
		snprintf(name, sizeof(name), "exit: %s", reason);
		json_str(t->out, name);
		fputs(",\"args\":{\"reason\":", t->out);
		json_str(t->out, reason);
		fprintf(t->out, ",\"isa\":\"%s\",\"code\":%u}}", exit_isa_name(isa),
			(u32)s->arg);
		break;
	case PF_STEAL:
		culprit_name(t->a, (u32)s->arg, who, sizeof(who));
		snprintf(name, sizeof(name), "steal: %s", who);
		json_str(t->out, name);
		fputs(",\"args\":{\"culprit\":", t->out);
		json_str(t->out, who);
		fputs("}}", t->out);
		break;
	default:
		json_str(t->out, state_names[s->state]);
		fputs("}", t->out);
	}
	t->nslices++;
}

/*
 * Grow the pending slice with @s when it is the same state and starts
 * within @gap of its end, else write the pending one and start @s.
 */
static void add_slice(struct pf_track *t, const struct pf_slice *s, u64 gap)
{
	struct pf_slice *p = &t->pend;

	if (s->end <= s->start)
		return;
	if (p->open && p->state == s->state && p->arg == s->arg &&
	    s->start <= p->end + gap) {
		if (s->end > p->end)
			p->end = s->end;
		return;
	}
	if (p->open && p->end > p->start)
		write_slice(t, p);
	*p = *s;
	p->open = true;
}

static void flush_slice(struct pf_track *t, u64 until)
{
	if (!t->pend.open)
		return;
	if (t->pend.end > until)
		t->pend.end = until;
	if (t->pend.end > t->pend.start)
		write_slice(t, &t->pend);
	t->pend.open = false;
}

static void write_instant(struct pf_track *t, const struct pf_sample *s)
{
	char func[256], mod[256], both[520];
	bool guest = s->cat == CAT_GUEST_OS || s->cat == CAT_GUEST_USER;

	resolve_addr(t->a, s->cat, s->addr, s->ctx, func, sizeof(func), mod,
		     sizeof(mod));
	put_head(t, "I");
	fputs(",\"s\":\"t\"", t->out);
	put_us(t->out, "ts", rel(t, s->time));
	fprintf(t->out, ",\"cat\":\"sample\",\"name\":");
	json_str(t->out, func);
	snprintf(both, sizeof(both), "%s %s", func, mod);
	fprintf(t->out, ",\"args\":{\"%s\":", guest ? "guest" : "host");
	json_str(t->out, both);
	if (guest && s->host_ip) {
		resolve_addr(t->a, CAT_HOST, s->host_ip, 0, func, sizeof(func),
			     mod, sizeof(mod));
		snprintf(both, sizeof(both), "%s %s", func, mod);
		fputs(",\"host\":", t->out);
		json_str(t->out, both);
	}
	fputs("}}", t->out);
}

static struct pf_slice sample_slice(const struct analysis *a,
				    const struct pf_sample *s, u64 from)
{
	struct pf_slice sl = {
		.start = s->time > from ? s->time : from,
		.end = s->time + a->period_ns, .state = s->state,
	};

	if (s->state == PF_EXIT)
		sl.arg = (u64)s->exit_isa << 32 | (u32)s->exit_reason;
	return sl;
}

static struct pf_slice interval_slice(struct analysis *a,
				      const struct pf_interval *iv, u64 from)
{
	struct pf_slice sl = {
		.start = iv->start > from ? iv->start : from, .end = iv->end,
		.state = iv->halt ? PF_HALT : PF_STEAL,
	};

	if (!iv->halt)
		sl.arg = steal_owner(a, iv->vcpu, &iv->culprit);
	return sl;
}

/*
 * One vCPU's samples and intervals, each sorted by time, as slices that
 * never overlap: an interval cuts the sample slice before it short, a
 * sample in an interval's time (a few microseconds of clock skew) starts
 * after it.
 */
static void write_vcpu(struct pf_track *t, const struct pf_sample *smp,
		       size_t ns, const struct pf_interval *ivs, size_t ni,
		       u64 *ninstants)
{
	struct analysis *a = t->a;
	u64 done = 0;		/* the end of the last interval written */
	size_t i = 0, j = 0;
	struct pf_slice sl;

	while (i < ni || j < ns) {
		if (i < ni && (j == ns || ivs[i].start <= smp[j].time)) {
			if (t->pend.open && t->pend.state < PF_HALT &&
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
		if (*ninstants < MAX_INSTANTS)
			write_instant(t, &smp[j]);
		(*ninstants)++;
		j++;
	}
	flush_slice(t, UINT64_MAX);
}

static void write_meta(FILE *out, u32 pid, u32 tid, const char *what,
		       const char *key, const char *name, u64 index)
{
	fprintf(out, ",\n{\"ph\":\"M\",\"pid\":%u,\"tid\":%u,\"ts\":0,\"name\":\"%s\",\"args\":{\"%s\":",
		pid, tid, what, key);
	if (name)
		json_str(out, name);
	else
		fprintf(out, "%" PRIu64, index);
	fputs("}}", out);
}

int print_perfetto(struct analysis *a, FILE *out)
{
	struct perfetto *p = a->view;
	struct pf_track t = {
		.a = a, .out = out, .base = analysis_begin_ns(a),
		.pid = a->vmm_pid ? a->vmm_pid : 1,
	};
	size_t i = 0, j = 0, i1, j1;
	u64 ninstants = 0;
	char name[32];
	u32 v;

	qsort(p->smp, p->nsmp, sizeof(*p->smp), smp_cmp);
	qsort(p->ivs, p->nivs, sizeof(*p->ivs), iv_cmp);
	fputs("{\"displayTimeUnit\":\"ms\",\"otherData\":{\"vm\":", out);
	json_str(out, a->vm_name[0] ? a->vm_name : "guest");
	fprintf(out, ",\"sample_period_ns\":%" PRIu64 "},\n\"traceEvents\":[\n",
		a->period_ns);
	fprintf(out, "{\"ph\":\"M\",\"pid\":%u,\"tid\":0,\"ts\":0,\"name\":\"process_name\",\"args\":{\"name\":",
		t.pid);
	json_str(out, a->vm_name[0] ? a->vm_name : "guest");
	fputs("}}", out);
	write_meta(out, t.pid, 0, "process_sort_index", "sort_index", NULL, 0);
	for (v = 0; v < a->nvcpus; v++) {
		if (!a->vcpus[v].present || (a->f.vcpu >= 0 && v != a->f.vcpu))
			continue;
		t.tid = a->vcpus[v].tid ? a->vcpus[v].tid : SYNTHETIC_TID + v;
		snprintf(name, sizeof(name), "vcpu%u", v);
		write_meta(out, t.pid, t.tid, "thread_name", "name", name, 0);
		write_meta(out, t.pid, t.tid, "thread_sort_index", "sort_index",
			   NULL, v);
		while (i < p->nsmp && p->smp[i].vcpu < v)
			i++;
		while (j < p->nivs && p->ivs[j].vcpu < v)
			j++;
		for (i1 = i; i1 < p->nsmp && p->smp[i1].vcpu == v; i1++)
			;
		for (j1 = j; j1 < p->nivs && p->ivs[j1].vcpu == v; j1++)
			;
		t.pend.open = false;
		write_vcpu(&t, p->smp + i, i1 - i, p->ivs + j, j1 - j, &ninstants);
		i = i1;
		j = j1;
	}
	fputs("\n]}\n", out);
	if (ninstants > MAX_INSTANTS)
		pr_warn("%" PRIu64 " samples: the first %u, by vCPU and time, are instant events, the slices count them all; narrow the window with --time-from/--time-to or --vcpu",
			ninstants, MAX_INSTANTS);
	return 0;
}
