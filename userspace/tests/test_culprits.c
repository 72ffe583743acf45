// SPDX-License-Identifier: GPL-2.0
/*
 * Culprit classes from synthetic records: every class a 1.1 recorder can
 * name (another VM's vCPU, a sibling vCPU, a task and its cgroup, a kernel
 * thread, a task gone before it was looked up, the idle pCPU, the vCPU's
 * own cgroup throttled) with known milliseconds, the throttled share
 * against the cpu.stat counters injected, a hostile comm and cgroup path
 * escaped in every format, host samples split by class, a file without
 * classes reported as before, and the host interrupts a vCPU thread
 * served (softirq, irq), from its samples' flags, in every view that
 * names classes.
 */
#include <unistd.h>

#include "test_common.h"
#include "vcpu_states.h"

#define FILE_C "test_culprits.data"
#define FILE_H "test_culprits_hs.data"
#define FILE_O "test_culprits_old.data"
#define FILE_I "test_culprits_irq.data"

#define TID_V0 101
#define TID_V1 102
#define TID_WEB 201	/* web1's vCPU 0 */
#define TID_HOG 301
#define TID_KW 401
#define TID_EVIL 501
#define TID_GONE 601

#define HOG_CG "/system.slice/hog.service"
#define EVIL_COMM "ev\x1b[31m</script>"
#define EVIL_CG "/evil\n</script>\x07"
#define V1_CG "/machine.slice/vm1/vcpu1"

static const u32 tids[] = { TID_V0, TID_V1 };

static void preempt(struct synth *s, u32 vcpu, u64 from_ms, u64 to_ms,
		    u32 next_tid, const char *next_comm)
{
	synth_sched_out(s, T0 + from_ms * MS, vcpu, vcpu, tids[vcpu],
			KVM_PROFILE_SCHED_PREEMPTED, next_tid, next_comm);
	synth_sched_in(s, T0 + to_ms * MS, vcpu, vcpu, tids[vcpu]);
}

static void tasks(struct synth *s)
{
	synth_task(s, TID_WEB, DF_TASK_VM_VCPU, "CPU 0/KVM", "web1", 0,
		   "/machine.slice/web1.scope");
	synth_task(s, TID_HOG, DF_TASK_TASK, "hostburn", NULL, 0, HOG_CG);
	synth_task(s, TID_KW, DF_TASK_KTHREAD, "kworker/0:1", NULL, 0, NULL);
	synth_task(s, TID_EVIL, DF_TASK_TASK, EVIL_COMM, NULL, 0, EVIL_CG);
	synth_task(s, TID_GONE, DF_TASK_GONE, "shortlived", NULL, 0, NULL);
}

/*
 * vCPU 0: 10 ms on vcpu1, 30 web1 vcpu0, 40 hostburn, 5 kworker, 20 the
 * hostile task, 2 a task gone, 3 idle.  vCPU 1, its cgroup throttled
 * 150 ms in [0, 500) and 100 ms in [500, 1000): in the first window 100 ms
 * idle and 100 ms hostburn (throttled takes the idle 100, then 50 of
 * hostburn), in the second 100 ms idle and 20 ms on vcpu0.
 */
static void write_classes(const char *path, bool culprits)
{
	struct synth_vm vm = {
		.name = "testvm", .pid = 100, .period_ns = MS, .start_ns = T0,
		.flags = KVM_PROFILE_F_SAMPLES | KVM_PROFILE_F_SCHED,
		.nvcpus = 2, .vcpu_tids = tids, .culprits = culprits,
	};
	struct synth s;

	synth_open(&s, path, &vm);
	if (culprits) {
		tasks(&s);
		synth_throttle(&s, T0, 1, 0, V1_CG, 0, 0);
		synth_throttle(&s, T0, 1, 1, "/machine.slice/vm1", 7, 1000);
	}
	preempt(&s, 0, 100, 110, TID_V1, "CPU 1/KVM");
	preempt(&s, 0, 200, 230, TID_WEB, "CPU 0/KVM");
	preempt(&s, 0, 300, 340, TID_HOG, "hostburn");
	preempt(&s, 0, 400, 405, TID_KW, "kworker/0:1");
	preempt(&s, 0, 500, 520, TID_EVIL, EVIL_COMM);
	preempt(&s, 0, 600, 602, TID_GONE, "shortlived");
	preempt(&s, 0, 700, 703, 0, "swapper/0");
	preempt(&s, 1, 50, 100, 0, "swapper/1");
	preempt(&s, 1, 150, 250, TID_HOG, "hostburn");
	preempt(&s, 1, 300, 350, 0, "swapper/1");
	synth_flush(&s);
	if (culprits) {
		synth_throttle(&s, T0 + 500 * MS, 1, 0, V1_CG, 3, 150000);
		synth_throttle(&s, T0 + 500 * MS, 1, 1, "/machine.slice/vm1", 7, 1000);
	}
	preempt(&s, 1, 600, 700, 0, "swapper/1");
	preempt(&s, 1, 800, 820, TID_V0, "CPU 0/KVM");
	synth_flush(&s);
	if (culprits) {
		synth_throttle(&s, T0 + 1000 * MS, 1, 0, V1_CG, 5, 250000);
		synth_throttle(&s, T0 + 1000 * MS, 1, 1, "/machine.slice/vm1", 7, 1000);
	}
	synth_close(&s, T0 + 1000 * MS);
}

static void test_classes(void)
{
	struct doc d = { 0 };
	struct analysis a;
	struct table *t;

	write_classes(FILE_C, true);
	t = steal_of(&a, &d, FILE_C, "vcpu0");
	check_ms(t, "(on vcpu1)", "vcpu", "10.000", "sibling vCPU: 10 ms");
	check_ms(t, "(vm web1 vcpu0)", "vm", "30.000", "another VM's vCPU: 30 ms");
	is_str(row_str(t, find_row2(t, 0, "[steal] (vm web1 vcpu0)", -1, NULL), 6),
	       "web1 vcpu0", "another VM's vCPU: identity");
	check_ms(t, "(task hostburn (cgroup " HOG_CG "))", "task", "40.000",
		 "host task with its cgroup: 40 ms");
	check_ms(t, "(kthread kworker/0:1)", "kthread", "5.000",
		 "kernel thread: 5 ms");
	check_ms(t, "(task shortlived (exited before it was looked up))", "task",
		 "2.000", "task gone before its lookup: named by its comm");
	check_ms(t, "(unknown (pCPU idle))", "unknown", "3.000",
		 "idle pCPU, no throttling: unknown");
	is_str(attr_of(t, "unknown_steal_pct"), "2.73",
	       "vcpu0: 3 of 110 ms unknown");
	ok(t && strstr(t->summary, "unknown 2.73% of steal"),
	   "vcpu0: the summary prints the unknown share");

	t = find_table(&d, "vcpu1");
	check_ms(t, "(throttled (cgroup " V1_CG "))", "throttled", "250.000",
		 "throttled: 250 ms, the cpu.stat throttled_usec injected");
	is_u64(row_num(t, find_row2(t, 0, "[steal] (throttled (cgroup " V1_CG "))",
				    -1, NULL), 1), 2,
	       "throttled: one interval per window with throttling");
	check_ms(t, "(task hostburn (cgroup " HOG_CG "))", "task", "50.000",
		 "throttled takes the idle first, then from the others");
	check_ms(t, "(on vcpu0)", "vcpu", "20.000",
		 "beyond the throttled time, the sibling keeps its share");
	ok(find_row2(t, 0, "[steal] (unknown (pCPU idle))", -1, NULL) < 0,
	   "throttling covered all of the idle time: no unknown row");
	is_str(attr_of(t, "steal_ms"), "320.000", "vcpu1: steal unchanged by the move");
	is_str(attr_of(t, "unknown_steal_pct"), "0.00", "vcpu1: nothing unknown");
	doc_free(&d);
	analysis_free(&a);
}

/* The hostile comm and cgroup: no raw control byte, no "</script>" in html. */
static void test_escaped(void)
{
	struct doc d = { 0 };
	struct analysis a;
	char *text, *json, *csv, *html = NULL;
	size_t hlen = 0;
	FILE *f;

	steal_of(&a, &d, FILE_C, "vcpu0");
	text = doc_string(&d, FMT_TEXT);
	json = doc_string(&d, FMT_JSON);
	csv = doc_string(&d, FMT_CSV);
	ok(text && strstr(text, "task ev\\x1b[31m</script> (cgroup /evil\\x0a</script>\\x07)"),
	   "text: the hostile task's control bytes as \\xHH");
	ok(text && !strchr(text, '\x1b') && !strchr(text, '\x07'),
	   "text: no raw escape or bell byte");
	ok(json && strstr(json, "\"class\":\"task\"") &&
	   strstr(json, "ev\\\\x1b[31m</script> (cgroup /evil\\\\x0a</script>\\\\x07)"),
	   "json: class and identity, escaped");
	ok(csv && strstr(csv, ",vm,web1 vcpu0") && strstr(csv, ",throttled,(cgroup"),
	   "csv: class and identity columns");
	doc_free(&d);
	analysis_free(&a);

	analysis_init(&a, NULL);
	a.progress = false;
	vcpu_states_attach(&a);
	analysis_load(&a, FILE_C);
	f = open_memstream(&html, &hlen);
	print_html(&a, "", f);
	fclose(f);
	ok(html && strstr(html, "ev\\\\x1b[31m\\u003c/script\\u003e"),
	   "html: the culprit's '<' escaped inside the page's script");
	ok(html && !strstr(html, "[31m</script>"),
	   "html: the hostile name ends no script element");
	analysis_free(&a);
	free(text);
	free(json);
	free(csv);
	free(html);
}

/* The unified view's [steal] rows carry class and identity as pprof labels. */
static void test_labels(void)
{
	struct doc d = { 0 };
	struct analysis a;
	struct table *t;
	long r;

	d.row_labels = true;
	t = unified_vcpu0(&a, &d, FILE_C, "unified view loads");
	r = find_row2(t, 2, "[steal]", 3, "(vm web1 vcpu0)");
	ok(r >= 0 && !strcmp(cellv(t, (size_t)r, t->ncols + 2), "vm") &&
	   !strcmp(cellv(t, (size_t)r, t->ncols + 3), "web1 vcpu0"),
	   "pprof labels: culprit_class vm, culprit web1 vcpu0");
	is_str(t ? t->label_keys[2] : "", "culprit_class", "pprof label key");
	doc_free(&d);
	analysis_free(&a);
}

/*
 * --host-samples: vCPU 0 preempted 100 ms on pCPU 0, where hostburn and
 * web1's vCPU thread were sampled four times each: 50 ms each, by class.
 */
static void test_host_samples(void)
{
	struct synth_vm vm = {
		.name = "testvm", .pid = 100, .period_ns = 10 * MS, .start_ns = T0,
		.flags = KVM_PROFILE_F_SAMPLES | KVM_PROFILE_F_SCHED |
			 KVM_PROFILE_F_HOST_SAMPLES,
		.nvcpus = 1, .vcpu_tids = tids, .culprits = true,
	};
	struct synth_sample h = {
		.cpu = 0, .vcpu = KVM_PROFILE_NO_VCPU,
		.flags = KVM_PROFILE_S_HOST_USER, .host_ip = 0x401000,
	};
	struct doc d = { 0 };
	struct analysis a;
	struct synth s;
	struct table *t;
	int i;

	synth_open(&s, FILE_H, &vm);
	tasks(&s);
	synth_sched_out(&s, T0 + 100 * MS, 0, 0, TID_V0,
			KVM_PROFILE_SCHED_PREEMPTED, TID_HOG, "hostburn");
	for (i = 0; i < 8; i++) {
		h.time = T0 + (105 + 10 * (u64)i) * MS;
		h.tid = i & 1 ? TID_WEB : TID_HOG;
		h.comm = i & 1 ? "CPU 0/KVM" : "hostburn";
		synth_sample(&s, &h);
	}
	synth_sched_in(&s, T0 + 200 * MS, 0, 0, TID_V0);
	synth_close(&s, T0 + 300 * MS);
	t = steal_of(&a, &d, FILE_H, "vcpu0");
	check_ms(t, "(task hostburn (cgroup " HOG_CG "))", "task", "50.000",
		 "host samples: hostburn's half by class");
	check_ms(t, "(vm web1 vcpu0)", "vm", "50.000",
		 "host samples: web1's vCPU thread, not a CPU 0/KVM comm");
	doc_free(&d);
	analysis_free(&a);
}

/*
 * Two vCPUs in one cgroup: its throttled_usec (200 ms between the reads)
 * sums both pCPUs' throttled time, so each vCPU is given half, 100 ms;
 * but all of its 150 ms idle wait is the quota's (throttled, or the pCPU
 * waking up after), so all of it is throttled.
 */
static void test_shared_cgroup(void)
{
	struct synth_vm vm = {
		.name = "testvm", .pid = 100, .period_ns = MS, .start_ns = T0,
		.flags = KVM_PROFILE_F_SAMPLES | KVM_PROFILE_F_SCHED,
		.nvcpus = 2, .vcpu_tids = tids, .culprits = true,
	};
	struct doc d = { 0 };
	struct analysis a;
	struct synth s;
	struct table *t;
	u32 v;

	synth_open(&s, FILE_H, &vm);
	for (v = 0; v < 2; v++)
		synth_throttle(&s, T0, v, 0, "/shared", 0, 0);
	preempt(&s, 0, 100, 250, 0, "swapper/0");
	preempt(&s, 1, 300, 450, 0, "swapper/1");
	synth_flush(&s);
	for (v = 0; v < 2; v++)
		synth_throttle(&s, T0 + 1000 * MS, v, 0, "/shared", 4, 200000);
	synth_close(&s, T0 + 1000 * MS);
	t = steal_of(&a, &d, FILE_H, "vcpu0");
	check_ms(t, "(throttled (cgroup /shared))", "throttled", "150.000",
		 "shared cgroup: all of vcpu0's idle wait is the quota's");
	ok(find_row2(t, 0, "[steal] (unknown (pCPU idle))", -1, NULL) < 0,
	   "shared cgroup: no idle wait left unknown in a throttled window");
	t = find_table(&d, "vcpu1");
	check_ms(t, "(throttled (cgroup /shared))", "throttled", "150.000",
		 "shared cgroup: vcpu1's too");
	doc_free(&d);
	analysis_free(&a);
}

/*
 * TASK and THROTTLE chunks are another process's words: an entry whose
 * strings pass their bounds or the payload ends its chunk (malformed),
 * and a counter that jumps to 2^64 us gives at most the window.
 */
static void test_malformed(void)
{
	struct synth_vm vm = {
		.name = "testvm", .pid = 100, .period_ns = MS, .start_ns = T0,
		.flags = KVM_PROFILE_F_SAMPLES | KVM_PROFILE_F_SCHED,
		.nvcpus = 1, .vcpu_tids = tids, .culprits = true,
	};
	struct df_task e = { .tid = 900, .klass = DF_TASK_TASK, .comm_len = 65 };
	struct df_throttle th = { .vcpu = 0, .path_len = 100 };
	struct doc d = { 0 };
	struct analysis a;
	struct synth s;
	struct table *t;
	u8 raw[sizeof(e) + 4];

	synth_open(&s, FILE_H, &vm);
	df_write_chunk(&s.w, DF_CHUNK_TASK, &e, sizeof(e));
	e.comm_len = 4;
	e.cgroup_len = 10;	/* 14 bytes of strings, 4 there */
	memcpy(raw, &e, sizeof(e));
	memcpy(raw + sizeof(e), "evil", 4);
	df_write_chunk(&s.w, DF_CHUNK_TASK, raw, sizeof(raw));
	df_write_chunk(&s.w, DF_CHUNK_THROTTLE, &th, sizeof(th));
	th.path_len = 0;
	th.vcpu = MAX_VCPUS;
	df_write_chunk(&s.w, DF_CHUNK_THROTTLE, &th, sizeof(th));
	synth_throttle(&s, T0, 0, 0, "/q", 0, 0);
	preempt(&s, 0, 100, 200, 900, "x");
	synth_flush(&s);
	synth_throttle(&s, T0 + 1000 * MS, 0, 0, "/q", 1, UINT64_MAX);
	synth_close(&s, T0 + 1000 * MS);
	t = steal_of(&a, &d, FILE_H, "vcpu0");
	is_u64(a.st.malformed, 4, "TASK and THROTTLE entries past their bounds: malformed");
	ok(a.cul.tasks.n == 0, "no thread named by a malformed entry");
	check_ms(t, "(throttled (cgroup /q))", "throttled", "100.000",
		 "a throttled_usec of 2^64: all of the wait, no more");
	doc_free(&d);
	analysis_free(&a);
}

/* A 1.0 file: no TASK, THROTTLE or CULPRITS: the comms, as before. */
static void test_old_file(void)
{
	struct doc d = { 0 };
	struct analysis a;
	struct table *t;

	write_classes(FILE_O, false);
	t = steal_of(&a, &d, FILE_O, "vcpu0");
	check_ms(t, "(outside: CPU 0/KVM)", "outside", "30.000",
		 "1.0 file: another VM's vCPU by its comm");
	check_ms(t, "(outside: hostburn)", "outside", "40.000",
		 "1.0 file: a host task by its comm");
	check_ms(t, "(on vcpu1)", "vcpu", "10.000", "1.0 file: sibling vCPU");
	t = find_table(&d, "vcpu1");
	ok(find_row2(t, 5, "throttled", -1, NULL) < 0,
	   "1.0 file: no throttled row");
	doc_free(&d);
	analysis_free(&a);
}

#define NET_RX 0xffffffff81300010ULL
#define NIC_IRQ 0xffffffff81400010ULL
#define KVM_EXIT 0xffffffffc0001010ULL
#define SOFTIRQ_ID "host softirq while the vCPU thread ran (samples)"
#define HARDIRQ_ID "host hardirq while the vCPU thread ran (samples)"

/* @n samples of vCPU 0 with @flags at @ip, 5 ms apart from *@ms. */
static void irq_samples(struct synth *s, u64 *ms, int n, u32 flags, u64 ip)
{
	struct synth_sample x = { .vcpu = 0, .tid = TID_V0, .flags = flags };
	int i;

	if (flags & KVM_PROFILE_S_IN_GUEST)
		x.rip = 0xffffffff81001010ULL;
	else
		x.host_ip = ip;
	for (i = 0; i < n; i++, *ms += 5) {
		x.time = T0 + *ms * MS;
		synth_sample(s, &x);
	}
}

/*
 * vCPU 0, sampled every 1 ms in 1 s, preempted by hostburn 100-140 ms:
 * 100 guest samples, one of them (garbled) also saying HOST_SOFTIRQ; 30
 * host kernel samples in KVM_RUN: 20 in softirq (net_rx_action), 5 in
 * hardirq and 1 in both (the NIC's handler), 4 handling an exit; and a
 * host user sample saying softirq, as garbled.
 */
static void write_irq(const char *path)
{
	struct synth_vm vm = {
		.name = "testvm", .pid = 100, .period_ns = MS, .start_ns = T0,
		.flags = KVM_PROFILE_F_SAMPLES | KVM_PROFILE_F_SCHED,
		.nvcpus = 1, .vcpu_tids = tids, .culprits = true,
	};
	const u32 run = KVM_PROFILE_S_IN_KVM_RUN,
		  guest = KVM_PROFILE_S_IN_GUEST | KVM_PROFILE_S_GUEST_VALID | run,
		  soft = KVM_PROFILE_S_HOST_SOFTIRQ,
		  hard = KVM_PROFILE_S_HOST_HARDIRQ;
	struct synth s;
	u64 ms = 200;

	synth_open(&s, path, &vm);
	synth_kallsyms(&s, "ffffffff81300000 T net_rx_action\n"
			   "ffffffff81400000 t nic_interrupt\n"
			   "ffffffffc0001000 t vmx_handle_exit\t[kvm_intel]\n");
	tasks(&s);
	preempt(&s, 0, 100, 140, TID_HOG, "hostburn");
	irq_samples(&s, &ms, 1, guest | soft, 0);
	irq_samples(&s, &ms, 99, guest, 0);
	irq_samples(&s, &ms, 20, run | soft, NET_RX);
	irq_samples(&s, &ms, 5, run | hard, NIC_IRQ);
	irq_samples(&s, &ms, 1, run | hard | soft, NIC_IRQ);
	irq_samples(&s, &ms, 4, run, KVM_EXIT);
	irq_samples(&s, &ms, 1, run | soft | KVM_PROFILE_S_HOST_USER, 0x401000);
	synth_close(&s, T0 + 1000 * MS);
}

/* The steal view: softirq and irq rows from samples, steal unchanged. */
static void test_irq_steal(void)
{
	struct doc d = { 0 };
	struct analysis a;
	struct table *t;
	char *json, *csv;
	long r;

	write_irq(FILE_I);
	t = steal_of(&a, &d, FILE_I, "vcpu0");
	check_ms(t, "(softirq)", "softirq", "20.000",
		 "softirq: 20 samples x 1 ms, not the guest or host user ones");
	check_ms(t, "(irq)", "irq", "6.000",
		 "irq: 5 hardirq samples and 1 in both, hardirq first");
	r = find_row2(t, 0, "[steal] (softirq)", -1, NULL);
	is_str(row_str(t, r, 6), SOFTIRQ_ID, "softirq: the identity says how");
	is_str(row_str(t, r, 4), "20", "softirq: 20 samples-eq");
	is_str(row_str(t, r, 1), "0", "softirq: no interval, samples");
	is_str(row_str(t, find_row2(t, 0, "[steal] (irq)", -1, NULL), 6),
	       HARDIRQ_ID, "irq: the identity says how");
	check_ms(t, "(task hostburn (cgroup " HOG_CG "))", "task", "40.000",
		 "irq samples beside: hostburn still 40 ms");
	is_str(attr_of(t, "steal_ms"), "40.000",
	       "steal_ms stays the sched records' (run_delay's) steal");
	is_str(attr_of(t, "softirq_ms"), "20.000", "softirq_ms apart from it");
	is_str(attr_of(t, "irq_ms"), "6.000", "irq_ms apart from it");
	ok(t && strstr(t->summary, "steal 40.000 ms (4.00% of wall)") &&
	   strstr(t->summary, "softirq 20.000 ms (2.00%), irq 6.000 ms (0.60%)"),
	   "the summary says steal and the host interrupts apart");
	is_u64(a.vcpus[0].os, 100,
	       "a guest sample saying HOST_SOFTIRQ stays a guest kernel sample");
	json = doc_string(&d, FMT_JSON);
	csv = doc_string(&d, FMT_CSV);
	ok(json && strstr(json, "\"class\":\"softirq\"") &&
	   strstr(json, "\"identity\":\"" HARDIRQ_ID "\"") &&
	   strstr(json, "\"softirq_ms\":20.000"),
	   "json: the class, identity and softirq_ms");
	ok(csv && strstr(csv, ",softirq," SOFTIRQ_ID) &&
	   strstr(csv, ",irq," HARDIRQ_ID), "csv: class and identity columns");
	free(json);
	free(csv);
	doc_free(&d);
	analysis_free(&a);
}

/* The steal matrix: softirq and irq columns by class, as task's. */
static void test_irq_matrix(void)
{
	struct doc d = { 0 };
	struct analysis a;
	struct table *t;
	long r;

	analysis_init(&a, NULL);
	ok(analysis_load(&a, FILE_I) == 0, "irq file loads for the vms view");
	report_vms(&a, &d);
	t = find_table(&d, "steal matrix");
	r = find_row2(t, 1, "softirq", 2, "softirq");
	is_str(row_str(t, r, 3), "20.000", "matrix: testvm lost 20 ms to softirq");
	is_str(row_str(t, r, 6), "no", "matrix: a class, not a recorded VM");
	r = find_row2(t, 1, "irq", 2, "irq");
	is_str(row_str(t, r, 3), "6.000", "matrix: and 6 ms to irq");
	is_str(row_str(t, find_row2(t, 1, "task", 2, "task"), 3), "40.000",
	       "matrix: hostburn's 40 ms by its class beside them");
	ok(t && t->summary && strstr(t->summary, "softirq") &&
	   strstr(t->summary, "2.00"), "matrix: the grid has a softirq column");
	doc_free(&d);
	analysis_free(&a);
}

/*
 * The unified view keeps the functions the interrupts ran; its pprof
 * rows of them carry the class, as [steal] rows do theirs.
 */
static void test_irq_labels(void)
{
	struct doc d = { 0 };
	struct analysis a;
	struct table *t;
	long r;

	d.row_labels = true;
	t = unified_vcpu0(&a, &d, FILE_I, "unified view loads the irq file");
	r = find_row2(t, 2, "net_rx_action", -1, NULL);
	is_str(row_str(t, r, 0), "20", "net_rx_action: its 20 samples");
	ok(r >= 0 && !strcmp(cellv(t, (size_t)r, t->ncols + 2), "softirq") &&
	   !strcmp(cellv(t, (size_t)r, t->ncols + 3), SOFTIRQ_ID),
	   "pprof labels: culprit_class softirq on net_rx_action");
	r = find_row2(t, 2, "nic_interrupt", -1, NULL);
	ok(r >= 0 && !strcmp(cellv(t, (size_t)r, t->ncols + 2), "irq"),
	   "pprof labels: culprit_class irq on the NIC's handler");
	r = find_row2(t, 2, "vmx_handle_exit", -1, NULL);
	ok(r >= 0 && !*cellv(t, (size_t)r, t->ncols + 2),
	   "pprof labels: none on exit handling");
	doc_free(&d);
	analysis_free(&a);
}

/* perfetto and html: the interrupts' samples as steal slices by class. */
static void test_irq_slices(void)
{
	char *trace = NULL, *html = NULL, want[64];
	size_t tlen = 0, hlen = 0;
	struct analysis a;
	FILE *f;

	analysis_init(&a, NULL);
	vcpu_states_attach(&a);
	analysis_load(&a, FILE_I);
	f = open_memstream(&trace, &tlen);
	print_perfetto(&a, f);
	fclose(f);
	f = open_memstream(&html, &hlen);
	print_html(&a, "", f);
	fclose(f);
	ok(trace && strstr(trace, "\"cat\":\"steal\",\"name\":\"steal: softirq\","
			    "\"args\":{\"culprit\":\"softirq\"}") &&
	   strstr(trace, "\"name\":\"steal: irq\""),
	   "perfetto: steal: softirq and steal: irq slices");
	snprintf(want, sizeof(want), ",%u,\"softirq\"]", VS_STEAL);
	ok(html && strstr(html, want),
	   "html: a steal slice whose culprit is softirq");
	analysis_free(&a);
	free(trace);
	free(html);
}


int main(void)
{
	test_classes();
	test_escaped();
	test_labels();
	test_host_samples();
	test_shared_cgroup();
	test_malformed();
	test_old_file();
	test_irq_steal();
	test_irq_matrix();
	test_irq_labels();
	test_irq_slices();
	unlink(FILE_C);
	unlink(FILE_H);
	unlink(FILE_O);
	unlink(FILE_I);
	return tap_done();
}
