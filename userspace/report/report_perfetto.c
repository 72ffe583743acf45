// SPDX-License-Identifier: GPL-2.0
/*
 * --format perfetto: the vCPU timeline as Chrome Trace Event JSON, which
 * ui.perfetto.dev, chrome://tracing and Chrome DevTools all open, without
 * a protobuf library here or a converter there.
 *
 * One process per VM (pid: the VMM's), one thread per vCPU (tid: its host
 * thread), named by metadata events.  On each vCPU thread, complete events
 * ("X") are the slices of vcpu_states.c: guest user or guest kernel, exit
 * handling (host kernel with the exit reason), VMM (host user space of the
 * VMM), halted, or stolen, named after the culprit ("steal: hostburn", or
 * "steal: softirq" for the samples of a host interrupt the vCPU thread
 * served).
 * Each sample is also an instant event ("I": the phase Chrome writes and
 * DevTools reads; Perfetto and chrome://tracing read "i" and "I" alike)
 * with its guest and host symbols.  Timestamps are microseconds since the
 * recording start.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "exit_names.h"
#include "report.h"
#include "vcpu_states.h"

/* Beyond this many instant events, slices only: a viewer loads ~1 GB. */
#define MAX_INSTANTS 1000000
/* vCPUs without a known host thread get a tid above any pid_max. */
#define SYNTHETIC_TID 0x40000000U

/* Where a track's events go. */
struct pf_track {
	struct analysis *a;
	FILE *out;
	u64 base;
	u32 pid, tid;
	u64 ninstants;
};

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

static void pf_track(void *ctx, u32 vcpu, u32 tid)
{
	struct pf_track *t = ctx;
	char name[32];

	t->tid = tid ? tid : SYNTHETIC_TID + vcpu;
	snprintf(name, sizeof(name), "vcpu%u", vcpu);
	write_meta(t->out, t->pid, t->tid, "thread_name", "name", name, 0);
	write_meta(t->out, t->pid, t->tid, "thread_sort_index", "sort_index",
		   NULL, vcpu);
}

static void pf_slice(void *ctx, const struct vs_slice *s)
{
	struct pf_track *t = ctx;
	char name[160], what[128];
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
		vs_is_steal(s->state) ? "steal" : s->state == VS_HALT ? "halt" :
		s->state <= VS_GUEST ? "guest" : "host");
	vs_slice_name(t->a, s, name, sizeof(name), what, sizeof(what));
	json_str(t->out, name);
	switch (s->state) {
	case VS_EXIT:
		fputs(",\"args\":{\"reason\":", t->out);
		json_str(t->out, what);
		fprintf(t->out, ",\"isa\":\"%s\",\"code\":%u}}", exit_isa_name(isa),
			(u32)s->arg);
		break;
	case VS_STEAL:
	case VS_SOFTIRQ:
	case VS_IRQ:
		fputs(",\"args\":{\"culprit\":", t->out);
		json_str(t->out, what);
		fputs("}}", t->out);
		break;
	default:
		fputs("}", t->out);
	}
}

static void pf_instant(void *ctx, const struct vs_sample *s)
{
	struct pf_track *t = ctx;
	char func[256], mod[256], both[520];
	bool guest = s->cat == CAT_GUEST_OS || s->cat == CAT_GUEST_USER;

	if (t->ninstants++ >= MAX_INSTANTS)
		return;
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

static const struct vs_ops perfetto_ops = {
	.track = pf_track, .slice = pf_slice, .sample = pf_instant,
};

int print_perfetto(struct analysis *a, FILE *out)
{
	struct pf_track t = {
		.a = a, .out = out, .base = analysis_begin_ns(a),
		.pid = a->vmm_pid ? a->vmm_pid : 1,
	};

	fputs("{\"displayTimeUnit\":\"ms\",\"otherData\":{\"vm\":", out);
	json_str(out, a->vm_name[0] ? a->vm_name : "guest");
	fprintf(out, ",\"sample_period_ns\":%" PRIu64 "},\n\"traceEvents\":[\n",
		a->period_ns);
	fprintf(out, "{\"ph\":\"M\",\"pid\":%u,\"tid\":0,\"ts\":0,\"name\":\"process_name\",\"args\":{\"name\":",
		t.pid);
	json_str(out, a->vm_name[0] ? a->vm_name : "guest");
	fputs("}}", out);
	write_meta(out, t.pid, 0, "process_sort_index", "sort_index", NULL, 0);
	vcpu_states_walk(a, &perfetto_ops, &t);
	fputs("\n]}\n", out);
	if (t.ninstants > MAX_INSTANTS)
		pr_warn("%" PRIu64 " samples: the first %u, by vCPU and time, are instant events, the slices count them all; narrow the window with --time-from/--time-to or --vcpu",
			t.ninstants, MAX_INSTANTS);
	return 0;
}
