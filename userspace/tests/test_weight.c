// SPDX-License-Identifier: GPL-2.0
/*
 * Samples weighted by the sampling periods they stand for (a sample's
 * periods: perf's cpu-clock timer, when it fires late, skips the periods
 * it missed and overflows once).  Synthetic recordings whose samples say
 * 1, 2 or 3 periods: every view counts periods, the header shows the
 * sample records beside them, and a recording of a kernel before the
 * field (periods 0) reports exactly as one whose samples say 1.
 */
#include <unistd.h>

#include "test_common.h"
#include "top.h"

#define FILE_W "test_weight.data"
#define FILE_B "test_weight_b.data"
#define FILE_H "test_weight_h.data"

#define TID_V0 101
#define TID_HOG 301
#define TID_X 401
#define TID_Y 402
#define VMX_EPT 48	/* EXIT_REASON_EPT_VIOLATION */

static const char guest_kallsyms[] =
	"ffffffff81001000 T func_a\n"
	"ffffffff81002000 T func_b\n";

static const u32 tids[] = { TID_V0 };

/* @n samples like @in, @step apart. */
static void samples(struct synth *s, int n, struct synth_sample in, u64 step)
{
	for (; n > 0; n--, in.time += step)
		synth_sample(s, &in);
}

static struct synth_vm vm_of(u32 flags)
{
	return (struct synth_vm){
		.name = "wvm", .pid = 100, .period_ns = MS, .start_ns = T0,
		.flags = KVM_PROFILE_F_SAMPLES | KVM_PROFILE_F_SCHED | flags,
		.nvcpus = 1, .vcpu_tids = tids,
	};
}

/*
 * vCPU 0, no sched record: 10 guest kernel samples in func_a standing
 * for @pa periods each, then 5 in func_b standing for @pb each, all
 * after an EPT violation.
 */
static int write_w(u16 pa, u16 pb)
{
	struct synth_vm vm = vm_of(0);
	struct synth_sample g = {
		.time = T0 + MS, .vcpu = 0, .tid = TID_V0,
		.flags = KVM_PROFILE_S_IN_GUEST | KVM_PROFILE_S_GUEST_VALID |
			 KVM_PROFILE_S_IN_KVM_RUN | KVM_PROFILE_S_EXIT_VALID,
		.rip = 0xffffffff81001010ULL, .isa = KVM_PROFILE_ISA_VMX,
		.exit = VMX_EPT, .periods = pa,
	};
	struct synth s;

	if (synth_open(&s, FILE_W, &vm))
		return -1;
	samples(&s, 10, g, MS);
	g.time = T0 + 11 * MS;
	g.rip = 0xffffffff81002010ULL;
	g.periods = pb;
	samples(&s, 5, g, MS);
	return synth_close(&s, T0 + 20 * MS);
}

static void load(struct analysis *a, const char *file)
{
	analysis_init(a, NULL);
	symtab_load_kallsyms(&a->guest.kernel, guest_kallsyms,
			     strlen(guest_kallsyms));
	ok(analysis_load(a, file) == 0, "%s loads", file);
}

static void check_fn(const struct table *t, const char *func, u64 want,
		     const char *ratio)
{
	long r = find_row2(t, 2, func, -1, NULL);
	char what[128];

	snprintf(what, sizeof(what), "unified: %s %llu periods", func,
		 (unsigned long long)want);
	is_u64(row_num(t, r, 0), want, what);
	snprintf(what, sizeof(what), "unified: %s %s%% of the vCPU's periods",
		 func, ratio);
	is_str(row_str(t, r, 1), ratio, what);
}

/* The unified view and the header of FILE_W made with periods 1 and 3. */
static void test_unified(void)
{
	struct analysis a;
	struct doc d = { 0 };
	struct table *t;
	char *s;

	ok(write_w(1, 3) == 0,
	   "write 10 samples of func_a of 1 period, 5 of func_b of 3");
	load(&a, FILE_W);
	is_u64(a.samples_total, 25, "samples_total: 25 periods");
	is_u64(a.sample_records, 15, "sample_records: 15 samples");
	is_u64(a.samples_guest, 25, "samples_guest: 25 periods");
	is_u64(a.vcpus[0].os, 25, "vcpu0 guest kernel: 25 periods");
	doc_header(&a, &d, FILE_W, "unified");
	report_unified(&a, &d);
	t = find_table(&d, "vcpu0");
	check_fn(t, "func_a", 10, "40.00");
	check_fn(t, "func_b", 15, "60.00");
	is_str(row_str(t, 0, 2), "func_b", "rows sorted by periods: func_b first");
	is_str(attr_of(t, "total"), "25", "vcpu0 total 25");
	is_str(attr_of(t, "os"), "25", "vcpu0 os 25");
	ok(d.text_header &&
	   strstr(d.text_header, ", 15 samples (25 periods), sampling every 1.000 ms,"),
	   "text header: 15 samples (25 periods)");
	is_str(header_of(&d, "samples"), "15", "header samples: the records");
	is_str(header_of(&d, "periods"), "25", "header periods: what they stand for");
	s = doc_string(&d, FMT_FOLDED);
	ok(s && strstr(s, "wvm;vcpu0;[guest.kernel];func_b 15\n") &&
	   strstr(s, "wvm;vcpu0;[guest.kernel];func_a 10\n"),
	   "folded (and so pprof): func_b 15, func_a 10");
	free(s);
	s = doc_string(&d, FMT_JSON);
	ok(s && strstr(s, "\"samples\":15,\"periods\":25,") &&
	   strstr(s, "{\"samples\":15,\"ratio\":60.00,\"function\":\"func_b\""),
	   "json: header samples 15, periods 25; func_b's row 15");
	free(s);
	doc_free(&d);
	analysis_free(&a);
}

/* The host, exits and timeline views, and top's counts, of the same file. */
static void test_views(void)
{
	struct analysis a;
	struct doc d = { 0 };
	struct top_screen scr = { .view = TOP_VCPUS, .source = "test" };
	struct top_frame f = { 0 };
	struct top_data *td;
	struct agg_entry *e;
	struct table *t;
	size_t i;
	u64 n = 0;

	load(&a, FILE_W);
	report_host(&a, &d);
	t = find_table(&d, "host");
	is_str(attr_of(t, "total"), "25", "host view: total 25 periods");
	is_u64(row_num(t, find_row2(t, 3, "(VM)", -1, NULL), 0), 25,
	       "host view: the VM's row 25");
	report_exits(&a, &d);
	t = find_table(&d, "exit reasons");
	is_u64(row_num(t, find_row2(t, 1, "EPT_VIOLATION", -1, NULL), 6), 25,
	       "exits view: 25 guest periods after EPT_VIOLATION");
	doc_free(&d);
	analysis_free(&a);

	analysis_init(&a, NULL);
	timeline_attach(&a, T0, 10 * MS, 2);
	ok(analysis_load(&a, FILE_W) == 0, "timeline: loads");
	memset(&d, 0, sizeof(d));
	report_timeline(&a, &d);
	t = find_table(&d, "legend");
	is_u64(row_num(t, find_row2(t, 0, "0", 2, "(on vcpu0)"), 3), 25,
	       "timeline legend: vcpu0 25 periods on pCPU 0");
	doc_free(&d);
	analysis_free(&a);

	analysis_init(&a, NULL);
	top_attach(&a);
	ok(analysis_load(&a, FILE_W) == 0, "top: loads");
	td = a.view;
	is_u64(td && td->nvcpus ? td->vcpus[0][TOP_KERNEL] : 0, 25,
	       "top: vcpu0 guest kernel 25 periods");
	agg_for_each(&td->procs, e)
		n += e->v1;
	is_u64(n, 25, "top: guest periods by process 25");
	top_frame_build(&a, &scr, &f);
	for (i = 0; i < f.n; i++)
		if (strstr(f.lines[i], "15 samples (25 periods),"))
			break;
	ok(i < f.n, "top: the window line says 15 samples (25 periods)");
	top_frame_free(&f);
	analysis_free(&a);
}

/* The unified view's text of FILE_W made with @pa and @pb. */
static char *unified_text(u16 pa, u16 pb)
{
	struct analysis a;
	struct doc d = { 0 };
	char *s;

	write_w(pa, pb);
	load(&a, FILE_W);
	doc_header(&a, &d, FILE_W, "unified");
	report_unified(&a, &d);
	s = doc_string(&d, FMT_TEXT);
	doc_free(&d);
	analysis_free(&a);
	return s;
}

/*
 * A kernel before the field wrote 0: one period, the report unchanged
 * (FILE_W is left with periods 0).
 */
static void test_unweighted(void)
{
	char *one = unified_text(1, 1), *zero = unified_text(0, 0);
	struct analysis a;
	struct doc d = { 0 };

	ok(zero && one && !strcmp(zero, one),
	   "periods 0 reports exactly as periods 1");
	ok(zero && strstr(zero, ", 15 samples, sampling every 1.000 ms,") &&
	   !strstr(zero, "periods"),
	   "periods 0: the header has no (N periods)");
	ok(zero && strstr(zero, "Total samples:15 ") &&
	   strstr(zero, "     10 |  66.67 | func_a") &&
	   strstr(zero, "      5 |  33.33 | func_b"),
	   "periods 0: func_a 10, func_b 5 of 15, one period each");
	free(zero);
	free(one);
	load(&a, FILE_W);
	doc_header(&a, &d, FILE_W, "unified");
	is_str(header_of(&d, "periods"), "15",
	       "periods 0: the JSON header's periods are the records (15)");
	is_u64(a.samples_total, 15, "periods 0: samples_total 15");
	doc_free(&d);
	analysis_free(&a);
}

/*
 * vCPU 0 runs 0-80 ms, is preempted by hostburn 80-90 ms, runs to the
 * stop at 100 ms: 90 ms running, sampled in KVM_RUN by 22 guest user
 * samples of 1 period, 20 guest kernel samples of 3 and 4 host samples
 * in softirq of 2: 90 periods, a millisecond each.
 */
static int write_b(void)
{
	struct synth_vm vm = vm_of(0);
	struct synth_sample u = {
		.time = T0 + MS, .vcpu = 0, .tid = TID_V0,
		.flags = KVM_PROFILE_S_IN_GUEST | KVM_PROFILE_S_GUEST_VALID |
			 KVM_PROFILE_S_GUEST_USER | KVM_PROFILE_S_IN_KVM_RUN,
		.cpl = 3, .rip = 0x400000, .periods = 1,
	}, k = u, q = u;
	struct synth s;

	if (synth_open(&s, FILE_B, &vm))
		return -1;
	samples(&s, 22, u, MS);
	k.time = T0 + 30 * MS;
	k.flags &= ~KVM_PROFILE_S_GUEST_USER;
	k.cpl = 0;
	k.rip = 0xffffffff81001010ULL;
	k.periods = 3;
	samples(&s, 20, k, MS);
	q.time = T0 + 60 * MS;
	q.flags = KVM_PROFILE_S_IN_KVM_RUN | KVM_PROFILE_S_HOST_SOFTIRQ;
	q.cpl = 0;
	q.rip = 0;
	q.host_ip = 0xffffffff81200010ULL;
	q.periods = 2;
	samples(&s, 4, q, MS);
	synth_sched_out(&s, T0 + 80 * MS, 0, 0, TID_V0,
			KVM_PROFILE_SCHED_PREEMPTED, TID_HOG, "hostburn");
	synth_sched_in(&s, T0 + 90 * MS, 0, 0, TID_V0);
	return synth_close(&s, T0 + 100 * MS);
}

static void check_bd(const struct table *t, const char *state,
		     const char *detail, const char *ms, u64 periods)
{
	long r = find_row2(t, 0, state, 1, detail);
	char what[128];

	snprintf(what, sizeof(what), "breakdown: %s%s%s %s ms", state,
		 *detail ? " " : "", detail, ms);
	is_str(row_str(t, r, 2), ms, what);
	snprintf(what, sizeof(what), "breakdown: %s%s%s by %llu periods", state,
		 *detail ? " " : "", detail, (unsigned long long)periods);
	is_u64(row_num(t, r, 4), periods, what);
}

/* Running time apportioned by periods; the steal view's softirq row. */
static void test_breakdown_steal(void)
{
	struct analysis a;
	struct doc d = { 0 };
	struct table *t;
	long r;

	ok(write_b() == 0, "write 90 ms running, sampled by 90 periods");
	analysis_init(&a, NULL);
	ok(breakdown_prepare(&a, NULL) == 0, "breakdown: prepare");
	ok(analysis_load(&a, FILE_B) == 0, "breakdown: loads");
	report_breakdown(&a, &d);
	t = find_table(&d, "vcpu0");
	check_bd(t, "guest user", "", "22.000", 22);
	check_bd(t, "guest kernel", "", "60.000", 60);
	check_bd(t, "steal", "softirq", "8.000", 8);
	is_str(attr_of(t, "samples_in_kvm_run"), "90",
	       "breakdown: 90 periods in KVM_RUN");
	doc_free(&d);
	analysis_free(&a);

	load(&a, FILE_B);
	memset(&d, 0, sizeof(d));
	report_steal(&a, &d);
	t = find_table(&d, "vcpu0");
	r = find_row2(t, 0, "[steal] (softirq)", -1, NULL);
	is_str(row_str(t, r, 2), "8.000",
	       "steal view: softirq 8.000 ms, 4 samples of 2 periods of 1 ms");
	is_u64(row_num(t, r, 4), 8, "steal view: softirq 8 samples-eq");
	is_str(attr_of(t, "softirq_ms"), "8.000", "steal view: softirq_ms 8.000");
	r = find_row2(t, 0, "[steal] (outside: hostburn)", -1, NULL);
	is_str(row_str(t, r, 2), "10.000", "steal view: hostburn's 10 ms unchanged");
	doc_free(&d);
	analysis_free(&a);
}

/*
 * A --host-samples recording: vCPU 0 waits 10-110 ms on pCPU 0, where
 * taskx is sampled 25 times for 1 period and tasky 25 times for 3.
 */
static int write_h(void)
{
	struct synth_vm vm = vm_of(KVM_PROFILE_F_HOST_SAMPLES);
	struct synth_sample x = {
		.time = T0 + 10 * MS + MS / 2, .vcpu = KVM_PROFILE_NO_VCPU,
		.tid = TID_X, .host_ip = 0xffffffff81200010ULL,
		.comm = "taskx", .periods = 1,
	}, y = x;
	struct synth s;

	if (synth_open(&s, FILE_H, &vm))
		return -1;
	synth_sched_out(&s, T0 + 10 * MS, 0, 0, TID_V0,
			KVM_PROFILE_SCHED_PREEMPTED, TID_HOG, "hostburn");
	samples(&s, 25, x, 2 * MS);
	y.time += MS;
	y.tid = TID_Y;
	y.comm = "tasky";
	y.periods = 3;
	samples(&s, 25, y, 2 * MS);
	synth_sched_in(&s, T0 + 110 * MS, 0, 0, TID_V0);
	return synth_close(&s, T0 + 120 * MS);
}

/* Steal split among the host tasks sampled on the pCPU, by their periods. */
static void test_host_samples(void)
{
	struct analysis a;
	struct doc d = { 0 };
	struct table *t;
	long r;

	ok(write_h() == 0, "write a host-samples wait of 100 ms, 25 + 75 periods");
	load(&a, FILE_H);
	report_steal(&a, &d);
	t = find_table(&d, "vcpu0");
	r = find_row2(t, 0, "[steal] (outside: taskx)", -1, NULL);
	is_str(row_str(t, r, 2), "25.000",
	       "host samples: taskx's 25 periods, 25 ms of the wait");
	r = find_row2(t, 0, "[steal] (outside: tasky)", -1, NULL);
	is_str(row_str(t, r, 2), "75.000", "host samples: tasky's 75 periods, 75 ms");
	doc_free(&d);
	analysis_free(&a);
}

int main(void)
{
	test_unified();
	test_views();
	test_unweighted();
	test_breakdown_steal();
	test_host_samples();
	unlink(FILE_W);
	unlink(FILE_B);
	unlink(FILE_H);
	return tap_done();
}
