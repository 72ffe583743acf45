// SPDX-License-Identifier: GPL-2.0
/*
 * The report does not depend on the order sched records come in.  A
 * sched-heavy recording (halts, preemptions by a host task and by other
 * vCPUs, migrations, run_delay, timestamps shared across pCPUs) is written
 * in several orders: as the collector writes it (per-pCPU buffers drained
 * in rounds, a bounded read buffer, a rotating first pCPU), with small
 * inversions inside a pCPU (an NMI's record before the one it
 * interrupted), with one pCPU's records all at the end, and backwards.
 * For each file, every view (text and JSON) is compared with what the
 * same file gives when all sched records are kept and sorted at the end
 * (the walk as it was before the window), unfiltered and with --vcpu,
 * --from/--to; and each file must take the path it was written for.
 * Then all again as a --host-samples recording, where the hog is sampled
 * on the pCPU it takes, and steal is split by those samples: the same
 * window walks it, and holds only a few seconds of the samples.
 */
#include <unistd.h>

#include "test_common.h"

#define FILE_S "test_sched_order.data"
#define NCPU 4
#define NVCPU 6
#define STEPS 1400		/* 10 ms each: 14 s, several windows */
#define HOG_TID 9000
#define MAX_RECS 40000

struct rec {
	u64 time;
	u32 cpu;
	u32 order;		/* generation order: ties within a pCPU */
	union {
		struct kvm_profile_record_header h;
		struct kvm_profile_sample s;
		struct kvm_profile_sched_out o;
		struct kvm_profile_sched_in i;
	} r;
};

static struct rec recs[MAX_RECS];
static size_t nrecs;
static u32 rng = 12345;
static bool host_samples;	/* the recording's: the hog sampled */
static const char *shape = "";

static u32 rnd(u32 n)
{
	rng = rng * 1103515245 + 12345;
	return (rng >> 16) % n;
}

static struct rec *new_rec(u16 type, u16 size, u32 cpu, u64 t)
{
	struct rec *r = &recs[nrecs];

	memset(r, 0, sizeof(*r));
	r->time = t;
	r->cpu = cpu;
	r->order = (u32)nrecs++;
	r->r.h.type = type;
	r->r.h.size = size;
	r->r.h.cpu = cpu;
	r->r.h.time_ns = t;
	return r;
}

static void sample(u32 cpu, u32 v, u64 t)
{
	struct kvm_profile_sample *s =
		&new_rec(KVM_PROFILE_RECORD_SAMPLE, sizeof(*s), cpu, t)->r.s;

	s->vcpu_id = v;
	s->pid = 100;
	s->tid = 7000 + v;
	s->flags = KVM_PROFILE_S_IN_GUEST | KVM_PROFILE_S_GUEST_VALID |
		   KVM_PROFILE_S_IN_KVM_RUN;
	s->guest_rip = 0xffffffff81000000ULL + rnd(8) * 0x100;
	memcpy(s->comm, "qemu-system-x86", 15);
}

/* The hog on @cpu in [t, end), sampled each ms from t + 0.5 ms (host samples). */
static void hog_samples(u32 cpu, u64 t, u64 end)
{
	struct kvm_profile_sample *s;

	for (t += MS / 2; host_samples && t < end; t += MS) {
		s = &new_rec(KVM_PROFILE_RECORD_SAMPLE, sizeof(*s), cpu, t)->r.s;
		s->vcpu_id = KVM_PROFILE_NO_VCPU;
		s->pid = s->tid = HOG_TID;
		s->host_ip = 0xffffffff81200010ULL;
		memcpy(s->comm, "hog", 3);
	}
}

static void sched_out(u32 cpu, u32 v, u64 t, u32 reason, u32 next_tid,
		      const char *comm, u64 run_delay)
{
	struct kvm_profile_sched_out *o =
		&new_rec(KVM_PROFILE_RECORD_SCHED_OUT, sizeof(*o), cpu, t)->r.o;

	o->vcpu_id = v;
	o->reason = reason;
	o->pid = 100;
	o->tid = 7000 + v;
	o->next_pid = o->next_tid = next_tid;
	memcpy(o->next_comm, comm, strnlen(comm, 15));
	if (run_delay) {
		o->flags = KVM_PROFILE_S_RUN_DELAY;
		o->run_delay_ns = run_delay;
	}
}

static void sched_in(u32 cpu, u32 v, u64 t, u64 run_delay)
{
	struct kvm_profile_sched_in *i =
		&new_rec(KVM_PROFILE_RECORD_SCHED_IN, sizeof(*i), cpu, t)->r.i;

	i->vcpu_id = v;
	i->reason = KVM_PROFILE_SCHED_IN_SCHEDULED;
	i->prev_cpu = cpu;
	i->pid = 100;
	i->tid = 7000 + v;
	if (run_delay) {
		i->flags = KVM_PROFILE_S_RUN_DELAY;
		i->run_delay_ns = run_delay;
	}
}

/*
 * Each vCPU, every 10 ms: runs (a sample), halts, or is preempted by the
 * hog or by the next vCPU, and may come back on another pCPU.  Even steps
 * share one timestamp across all vCPUs, so ties are walked in file order.
 */
static void scenario(void)
{
	u64 rd[NVCPU] = { 0 }, t, back;
	u32 cpu[NVCPU], v, step, r, nv;

	for (v = 0; v < NVCPU; v++)
		cpu[v] = v % NCPU;
	for (step = 0; step < STEPS; step++) {
		for (v = 0; v < NVCPU; v++) {
			t = T0 + step * 10 * MS + (step % 2 ? v * 1000 : 0);
			r = rnd(10);
			back = t + (2 + rnd(6)) * MS;
			nv = (v + 1) % NVCPU;
			if (r < 5) {
				sample(cpu[v], v, t);
			} else if (r < 7) {
				sched_out(cpu[v], v, t, KVM_PROFILE_SCHED_HALTED,
					  0, "swapper/x", r == 6 ? rd[v] + 1 : 0);
				cpu[v] = rnd(NCPU);
				rd[v] += r == 6 ? 1 + rnd(3) * 400000 : 0;
				sched_in(cpu[v], v, back, r == 6 ? rd[v] + 1 : 0);
			} else if (r < 9) {
				sched_out(cpu[v], v, t, KVM_PROFILE_SCHED_PREEMPTED,
					  r == 7 ? HOG_TID : 7000 + nv,
					  r == 7 ? "hog" : "qemu-system-x86",
					  rd[v] + 1);
				rd[v] += back - t + rnd(2) * 300000;
				sched_in(cpu[v], v, back, rd[v] + 1);
				if (r == 7)
					hog_samples(cpu[v], t, back);
			} else {
				/* blocked, not halted: no interval, run_delay only */
				sched_out(cpu[v], v, t, KVM_PROFILE_SCHED_BLOCKED,
					  HOG_TID, "hog", rd[v] + 1);
				rd[v] += 500000;
				sched_in(cpu[v], v, back, rd[v] + 1);
				hog_samples(cpu[v], t, back);
			}
		}
	}
}

static int by_cpu_time(const void *x, const void *y)
{
	const struct rec *a = x, *b = y;

	if (a->cpu != b->cpu)
		return a->cpu < b->cpu ? -1 : 1;
	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

enum order { COLLECTOR, NMI, LATE_CPU, BACKWARDS };

static const char *const order_names[] = {
	"collector order", "collector order, NMI inversions",
	"one pCPU's records last", "backwards",
};

static void put(struct synth *s, const struct rec *r)
{
	synth_raw(s, &r->r, r->r.h.size);
}

/*
 * Rounds every 100 ms, as the collector polls: read() copies whole
 * records of one pCPU after another, from a first pCPU that moves on at
 * each call, into a buffer of a few records; each call is a chunk.
 */
static void write_collector(struct synth *s, size_t *first, const size_t *end,
			    u32 skip_cpu)
{
	u64 round = T0;
	u32 next = 0, c, i;
	size_t budget;
	bool more;

	for (;;) {
		round += 100 * MS;
		do {
			more = false;
			budget = 7;
			for (i = 0; i < NCPU; i++) {
				c = (next + i) % NCPU;
				while (c != skip_cpu && budget &&
				       first[c] < end[c] &&
				       recs[first[c]].time < round) {
					put(s, &recs[first[c]++]);
					budget--;
				}
				more |= c != skip_cpu && first[c] < end[c] &&
					recs[first[c]].time < round;
			}
			next = (next + 1) % NCPU;
			synth_flush(s);
		} while (more);
		for (c = 0; c < NCPU; c++)
			if (c != skip_cpu && first[c] < end[c])
				break;
		if (c == NCPU)
			break;
	}
	if (skip_cpu < NCPU)
		while (first[skip_cpu] < end[skip_cpu])
			put(s, &recs[first[skip_cpu]++]);
}

static int write_file(enum order o)
{
	u32 tid[NVCPU], v, c;
	struct synth_vm vm = {
		.name = "schedvm", .pid = 100, .period_ns = MS, .start_ns = T0,
		.flags = KVM_PROFILE_F_SAMPLES | KVM_PROFILE_F_SCHED,
		.nvcpus = NVCPU, .vcpu_tids = tid,
	};
	size_t first[NCPU + 1], end[NCPU], i;
	struct synth s;

	if (host_samples)
		vm.flags |= KVM_PROFILE_F_HOST_SAMPLES;
	for (v = 0; v < NVCPU; v++)
		tid[v] = 7000 + v;
	if (synth_open(&s, FILE_S, &vm))
		return -1;
	/* a pCPU's records in the order it wrote them */
	qsort(recs, nrecs, sizeof(*recs), by_cpu_time);
	for (c = 0, i = 0; c <= NCPU; c++) {
		while (i < nrecs && recs[i].cpu < c)
			i++;
		first[c] = i;
	}
	for (c = 0; c < NCPU; c++)
		end[c] = first[c + 1];
	if (o == NMI) {
		/* an interrupt's record written before the one it cut in on */
		for (i = 0; i + 1 < nrecs; i += 37) {
			struct rec tmp = recs[i];

			if (recs[i + 1].cpu != tmp.cpu)
				continue;
			recs[i] = recs[i + 1];
			recs[i + 1] = tmp;
		}
	}
	if (o == BACKWARDS) {
		for (i = nrecs; i-- > 0;)
			put(&s, &recs[i]);
	} else {
		write_collector(&s, first, end, o == LATE_CPU ? NCPU - 1 : NCPU);
	}
	return synth_close(&s, T0 + (STEPS + 1) * 10 * MS);
}

struct variant {
	const char *name;
	struct filter f;
};

static char *render(struct analysis *a)
{
	static const char *const views[] = { "unified", "steal", "host", "timeline" };
	struct buf b = { 0 };
	struct doc d;
	char *s;
	size_t v;
	int fmt;

	for (v = 0; v < 4; v++) {
		for (fmt = FMT_TEXT; fmt <= FMT_JSON; fmt++) {
			memset(&d, 0, sizeof(d));
			doc_header(a, &d, FILE_S, views[v]);
			if (v == 0)
				report_unified(a, &d);
			else if (v == 1)
				report_steal(a, &d);
			else if (v == 2)
				report_host(a, &d);
			else
				report_timeline(a, &d);
			s = doc_string(&d, (enum out_format)fmt);
			buf_append(&b, s, strlen(s));
			free(s);
			doc_free(&d);
		}
	}
	buf_append(&b, "", 1);
	return (char *)b.data;
}

/* Report FILE_S; keep_all: every sched record kept and sorted at the end. */
static char *report(const struct filter *f, bool keep_all,
		    struct sched_window *sw)
{
	struct analysis a;
	char *s;

	analysis_init(&a, f);
	a.sw.keep_all = keep_all;
	timeline_attach(&a, T0, 200 * MS, 70);
	analysis_load(&a, FILE_S);
	s = render(&a);
	*sw = a.sw;
	analysis_free(&a);
	return s;
}

static void test_order(enum order o)
{
	struct variant vs[] = {
		{ "all", { .vcpu = -1, .pid = -1 } },
		{ "--vcpu 2", { .vcpu = 2, .pid = -1 } },
		{ "--from 1.5 --to 9.25", { .vcpu = -1, .pid = -1,
		  .has_from = true, .has_to = true, .from_s = 1.5, .to_s = 9.25 } },
	};
	const char *on = order_names[o];
	struct sched_window sw, ref_sw;
	char *got, *want;
	size_t i;

	ok(write_file(o) == 0, "%s%s: file written", shape, on);
	for (i = 0; i < sizeof(vs) / sizeof(vs[0]); i++) {
		want = report(&vs[i].f, true, &ref_sw);
		got = report(&vs[i].f, false, &sw);
		ok(strstr(want, "[steal] (outside: hog)") &&
		   strstr(want, "[halt]") && strstr(want, "run_delay"),
		   "%s%s, %s: the report has steal, halt and run_delay",
		   shape, on, vs[i].name);
		ok(!strcmp(got, want),
		   "%s%s, %s: every view as when all sched records are sorted",
		   shape, on, vs[i].name);
		if (o == COLLECTOR || o == NMI)
			ok(sw.any_walked && !sw.keep_all && !sw.replayed,
			   "%s%s, %s: walked in the window, none kept",
			   shape, on, vs[i].name);
		else if (o == LATE_CPU)
			ok(sw.replayed, "%s%s, %s: disorder found, walked again",
			   shape, on, vs[i].name);
		else
			ok(sw.keep_all, "%s%s, %s: no order, all kept",
			   shape, on, vs[i].name);
		free(got);
		free(want);
	}
}

static void test_orders(void)
{
	nrecs = 0;
	rng = 12345;
	scenario();
	test_order(COLLECTOR);
	test_order(NMI);
	test_order(LATE_CPU);
	test_order(BACKWARDS);
}

#define FILE_L "test_sched_order_long.data"

/*
 * A --host-samples recording of @seconds: a vCPU on each pCPU, sampled
 * every ms, and each second a hog that holds one of their pCPUs for
 * 100 ms, sampled there instead.  Returns the most samples its report
 * held at once; *n, the samples; *steal, the steal charged to the hog.
 */
static size_t stamps_held(u64 seconds, u64 *n, u64 *steal)
{
	struct synth_sample g = {
		.flags = KVM_PROFILE_S_IN_GUEST | KVM_PROFILE_S_GUEST_VALID |
			 KVM_PROFILE_S_IN_KVM_RUN,
		.rip = 0xffffffff81001000ULL,
	};
	struct synth_sample h = {
		.vcpu = KVM_PROFILE_NO_VCPU, .tid = HOG_TID,
		.host_ip = 0xffffffff81200010ULL, .comm = "hog",
	};
	u32 tid[NCPU], c, victim;
	struct synth_vm vm = {
		.name = "longvm", .pid = 100, .period_ns = MS, .start_ns = T0,
		.flags = KVM_PROFILE_F_SAMPLES | KVM_PROFILE_F_SCHED |
			 KVM_PROFILE_F_HOST_SAMPLES,
		.nvcpus = NCPU, .vcpu_tids = tid,
	};
	struct agg_entry *e;
	struct analysis a;
	struct synth s;
	size_t held;
	u64 ms, t;

	for (c = 0; c < NCPU; c++)
		tid[c] = 7000 + c;
	if (synth_open(&s, FILE_L, &vm))
		return 0;
	for (ms = 0; ms < seconds * 1000; ms++) {
		t = T0 + ms * MS;
		victim = (u32)(ms / 1000 % NCPU);
		if (ms % 1000 == 0)
			synth_sched_out(&s, t, victim, victim, tid[victim],
					KVM_PROFILE_SCHED_PREEMPTED, HOG_TID, "hog");
		for (c = 0; c < NCPU; c++) {
			if (c == victim && ms % 1000 < 100) {
				h.time = t + MS / 2;
				h.cpu = c;
				synth_sample(&s, &h);
				continue;
			}
			g.time = t;
			g.cpu = g.vcpu = c;
			g.tid = tid[c];
			synth_sample(&s, &g);
		}
		if (ms % 1000 == 99)
			synth_sched_in(&s, t + MS, victim, victim, tid[victim]);
	}
	synth_close(&s, T0 + seconds * NSEC_PER_SEC);
	analysis_init(&a, NULL);
	analysis_load(&a, FILE_L);
	*n = a.samples_total;
	*steal = 0;
	agg_for_each(&a.steal_agg, e)
		if (e->k.b == (OWNER_COMM | analysis_comm_id(&a, "hog", 3)))
			*steal += e->v1;
	held = a.sw.keep_all ? 0 : a.hs.peak;
	analysis_free(&a);
	unlink(FILE_L);
	return held;
}

/*
 * What a --host-samples report holds does not grow with the recording:
 * twice the seconds, the same samples held, a small part of them.
 */
static void test_stamps_bound(void)
{
	u64 n20, n40, steal20, steal40;
	size_t held20 = stamps_held(20, &n20, &steal20);
	size_t held40 = stamps_held(40, &n40, &steal40);

	ok(steal20 == 20 * 100 * MS && steal40 == 40 * 100 * MS,
	   "long host-samples recordings: the hog's steal, 100 ms a second (%llu, %llu ms)",
	   (unsigned long long)(steal20 / MS), (unsigned long long)(steal40 / MS));
	ok(held20 && held40 <= held20 && held40 * 8 < n40,
	   "host samples held at once: %zu of %llu in 20 s, %zu of %llu in 40 s",
	   held20, (unsigned long long)n20, held40, (unsigned long long)n40);
}

int main(void)
{
	test_orders();
	host_samples = true;
	shape = "host samples, ";
	test_orders();
	unlink(FILE_S);
	test_stamps_bound();
	printf("%d passed, %d failed\n", tap_n - tap_failed, tap_failed);
	return tap_failed ? 1 : 0;
}
