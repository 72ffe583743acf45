// SPDX-License-Identifier: GPL-2.0
/*
 * The breakdown view (issue 17, item 3): each vCPU's wall time as rows
 * that add up to it.  Synthetic recordings whose every millisecond is
 * known: a vCPU that runs, is preempted by a host task and by another
 * VM's vCPU, halts and exits to user space, beside one preempted by its
 * sibling; a vCPU preempted and blocked outside KVM_RUN, as the host's
 * context switches tell it; a vCPU whose thread served host softirqs
 * and hardirqs while it ran (steal by class, from its samples); then the
 * JSON and CSV read back by jq and sqlite3.
 */
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "test_common.h"

#define FILE_B "test_breakdown.data"
#define FILE_W "test_breakdown_sw.data"
#define TMP_JSON "test_breakdown.json"
#define TMP_CSV "test_breakdown.csv"

#define TID_V0 101
#define TID_V1 102
#define TID_WEB 201	/* web1's vCPU 0 */
#define TID_HOG 301
#define HOG_CG "/system.slice/hog.service"
#define VMX_IO 30	/* EXIT_REASON_IO_INSTRUCTION */

static const u32 tids[] = { TID_V0, TID_V1 };

/* vCPU 0's running intervals, ms: the samples go there. */
static const u64 runs[][2] = {
	{ 0, 100 }, { 150, 250 }, { 280, 400 }, { 600, 700 }, { 800, 1000 },
};

/*
 * vCPU 0 (pCPU 0), 1 s: runs 0-100, preempted by hostburn 100-150, runs,
 * preempted by web1's vCPU thread 250-280, runs, halts 400-600, runs,
 * leaves KVM_RUN for the VMM 700-800 (20 VMM samples there), runs to the
 * end: 620 ms running, sampled 250 guest user, 150 guest kernel, 100 I/O
 * exit handling (310, 186, 124 ms).  vCPU 1 (pCPU 1) runs but for
 * 500-600, preempted by vCPU 0's thread, and is never sampled.
 */
static void write_mixed(const char *path)
{
	struct synth_vm vm = {
		.name = "testvm", .pid = 100, .period_ns = MS, .start_ns = T0,
		.flags = KVM_PROFILE_F_SAMPLES | KVM_PROFILE_F_SCHED,
		.nvcpus = 2, .vcpu_tids = tids, .culprits = true,
	};
	struct synth_sample smp;
	struct synth s;
	u64 t, per;
	size_t r;
	int i, n = 0;

	synth_open(&s, path, &vm);
	synth_task(&s, TID_WEB, DF_TASK_VM_VCPU, "CPU 0/KVM", "web1", 0,
		   "/machine.slice/web1.scope");
	synth_task(&s, TID_HOG, DF_TASK_TASK, "hostburn", NULL, 0, HOG_CG);
	for (r = 0; r < ARRAY_SIZE(runs); r++) {
		per = (runs[r][1] - runs[r][0]) * 500 / 620;
		for (i = 0; i < (int)per && n < 500; i++, n++) {
			memset(&smp, 0, sizeof(smp));
			t = T0 + runs[r][0] * MS + (u64)i * 1200000;
			smp.time = t;
			smp.vcpu = 0;
			smp.tid = TID_V0;
			if (n % 10 < 5) {
				smp.flags = KVM_PROFILE_S_IN_GUEST |
					    KVM_PROFILE_S_GUEST_VALID |
					    KVM_PROFILE_S_GUEST_USER |
					    KVM_PROFILE_S_IN_KVM_RUN;
				smp.cpl = 3;
				smp.rip = 0x400000;
			} else if (n % 10 < 8) {
				smp.flags = KVM_PROFILE_S_IN_GUEST |
					    KVM_PROFILE_S_GUEST_VALID |
					    KVM_PROFILE_S_IN_KVM_RUN;
				smp.rip = 0xffffffff81000000ULL;
			} else {
				smp.flags = KVM_PROFILE_S_IN_KVM_RUN |
					    KVM_PROFILE_S_EXIT_VALID;
				smp.host_ip = 0xffffffffa0000000ULL;
				smp.isa = KVM_PROFILE_ISA_VMX;
				smp.exit = VMX_IO;
			}
			synth_sample(&s, &smp);
		}
	}
	while (n < 500) {	/* what the rounding left, in the last run */
		memset(&smp, 0, sizeof(smp));
		smp.time = T0 + 990 * MS + (u64)n * 1000;
		smp.tid = TID_V0;
		smp.flags = n % 10 < 5 ?
			KVM_PROFILE_S_IN_GUEST | KVM_PROFILE_S_GUEST_VALID |
			KVM_PROFILE_S_GUEST_USER | KVM_PROFILE_S_IN_KVM_RUN :
			n % 10 < 8 ?
			KVM_PROFILE_S_IN_GUEST | KVM_PROFILE_S_GUEST_VALID |
			KVM_PROFILE_S_IN_KVM_RUN :
			KVM_PROFILE_S_IN_KVM_RUN | KVM_PROFILE_S_EXIT_VALID;
		smp.cpl = n % 10 < 5 ? 3 : 0;
		smp.isa = KVM_PROFILE_ISA_VMX;
		smp.exit = VMX_IO;
		synth_sample(&s, &smp);
		n++;
	}
	for (i = 0; i < 20; i++) {	/* QEMU emulating the exit */
		memset(&smp, 0, sizeof(smp));
		smp.time = T0 + (705 + (u64)i * 4) * MS;
		/* no vCPU is loaded outside KVM_RUN: the kernel says none */
		smp.vcpu = i < 10 ? KVM_PROFILE_NO_VCPU : 0;
		smp.comm = "CPU 0/KVM";
		smp.tid = TID_V0;
		smp.flags = KVM_PROFILE_S_HOST_USER;
		smp.host_ip = 0x555555554000ULL;
		synth_sample(&s, &smp);
	}
	synth_sched_out_rd(&s, T0 + 100 * MS, 0, 0, TID_V0,
			   KVM_PROFILE_SCHED_PREEMPTED, TID_HOG, "hostburn", 0);
	synth_sched_in_rd(&s, T0 + 150 * MS, 0, 0, TID_V0, 50 * MS);
	synth_sched_out_rd(&s, T0 + 250 * MS, 0, 0, TID_V0,
			   KVM_PROFILE_SCHED_PREEMPTED, TID_WEB, "CPU 0/KVM",
			   50 * MS);
	synth_sched_in_rd(&s, T0 + 280 * MS, 0, 0, TID_V0, 80 * MS);
	synth_sched_out_rd(&s, T0 + 400 * MS, 0, 0, TID_V0,
			   KVM_PROFILE_SCHED_HALTED, 0, "swapper/0", 80 * MS);
	synth_sched_in_rd(&s, T0 + 600 * MS, 0, 0, TID_V0, 80 * MS);
	synth_sched_out_rd(&s, T0 + 700 * MS, 0, 0, TID_V0,
			   KVM_PROFILE_SCHED_USERSPACE, 0, "", 80 * MS);
	synth_sched_in_run_rd(&s, T0 + 800 * MS, 0, 0, TID_V0, 80 * MS);
	/* vCPU 1 on pCPU 1 */
	synth_sched_out_rd(&s, T0 + 500 * MS, 1, 1, TID_V1,
			   KVM_PROFILE_SCHED_PREEMPTED, TID_V0, "CPU 0/KVM", 0);
	synth_sched_in_rd(&s, T0 + 600 * MS, 1, 1, TID_V1, 100 * MS);
	synth_close(&s, T0 + 1000 * MS);
}

static struct table *breakdown_of(struct analysis *a, struct doc *d,
				  const struct filter *f, const char *file,
				  const char *vcpu)
{
	analysis_init(a, f);
	ok(breakdown_prepare(a, NULL) == 0, "breakdown: prepare");
	ok(analysis_load(a, file) == 0, "%s loads", file);
	report_breakdown(a, d);
	return find_table(d, vcpu);
}

static void check_row(const struct table *t, const char *state,
		      const char *detail, const char *ms, const char *source,
		      const char *what)
{
	long r = find_row2(t, 0, state, 1, detail);
	char name[300];

	is_str(row_str(t, r, 2), ms, what);
	snprintf(name, sizeof(name), "%s: %s", what, source);
	is_str(row_str(t, r, 5), source, name);
}

/* The rows' time summed, against the table's wall: within 1%. */
static void check_sum(const struct table *t, double wall_ms, const char *what)
{
	double sum = 0;
	size_t r;

	for (r = 0; t && r < t->nrows; r++)
		sum += strtod(cellv(t, r, 2), NULL);
	if (!ok(t && fabs(sum - wall_ms) <= wall_ms / 100,
		"%s: rows sum %.3f ms, wall %.3f ms (within 1%%)", what, sum,
		wall_ms))
		printf("#   %zu rows\n", t ? t->nrows : 0);
	ok(t && !strcmp(attr_of(t, "sum_ms"), attr_of(t, "wall_ms")),
	   "%s: sum_ms %s = wall_ms %s", what, attr_of(t, "sum_ms"),
	   attr_of(t, "wall_ms"));
}

static void test_mixed(void)
{
	struct doc d = { 0 };
	struct analysis a;
	struct table *t;
	char *text;

	write_mixed(FILE_B);
	t = breakdown_of(&a, &d, NULL, FILE_B, "vcpu0");
	ok(t != NULL, "vcpu0 has a breakdown table");
	check_row(t, "guest user", "", "310.000", "apportioned",
		  "guest user: 250 of 500 samples of 620 ms running");
	check_row(t, "guest kernel", "", "186.000", "apportioned",
		  "guest kernel: 150 of 500 samples");
	check_row(t, "exit handling", "IO_INSTRUCTION", "124.000",
		  "apportioned", "exit handling by reason: 100 of 500 samples");
	is_str(row_str(t, find_row2(t, 0, "exit handling", 1, "IO_INSTRUCTION"), 4),
	       "100", "the I/O exit row says its 100 samples");
	check_row(t, "steal", "task", "50.000", "measured",
		  "steal by a host task: 100-150 ms");
	check_row(t, "steal", "vm", "30.000", "measured",
		  "steal by another VM's vCPU: 250-280 ms");
	check_row(t, "halted", "", "200.000", "measured", "halted 400-600 ms");
	check_row(t, "VMM (outside KVM_RUN)", "", "100.000", "measured",
		  "outside KVM_RUN 700-800 ms, whatever its samples say");
	ok(find_row2(t, 0, "preempted", -1, NULL) < 0,
	   "preempted time is all steal, not a row of its own");
	check_sum(t, 1000, "vcpu0");
	is_str(attr_of(t, "samples_outside_kvm_run"), "20",
	       "the 20 VMM samples are counted, not apportioned");
	is_str(attr_of(t, "steal_ms"), "80.000", "steal 80 ms");
	is_str(attr_of(t, "run_delay_ms"), "80.000",
	       "cross-check: the kernel's run_delay grew 80 ms");
	is_str(attr_of(t, "steal_minus_run_delay_wall_pct"), "0.00",
	       "cross-check: steal - run_delay 0% of wall");
	is_str(attr_of(t, "halt_wait_ms"), "not recorded",
	       "cross-check: KVM's halt_wait_ns is not in the file, and says so");
	is_str(attr_of(t, "measured_ms"), "380.000", "380 ms measured");
	is_str(attr_of(t, "apportioned_ms"), "620.000", "620 ms apportioned");

	t = find_table(&d, "vcpu1");
	check_row(t, "steal", "vcpu", "100.000", "measured",
		  "vcpu1: its sibling's 100 ms");
	check_row(t, "running in KVM_RUN", "not sampled", "900.000", "measured",
		  "vcpu1: running, never sampled, still time");
	check_sum(t, 1000, "vcpu1");

	t = find_table(&d, "vm");
	ok(t != NULL, "a vm table");
	is_str(attr_of(t, "wall_ms"), "2000.000", "vm: wall is 2 vCPUs x 1 s");
	check_row(t, "steal", "task", "50.000", "measured", "vm: steal by hostburn");
	check_row(t, "steal", "vcpu", "100.000", "measured", "vm: steal by a sibling");
	check_sum(t, 2000, "vm");

	text = doc_string(&d, FMT_TEXT);
	ok(text && strstr(text, "measured from sched records") &&
	   strstr(text, "apportioned by 500 samples") &&
	   strstr(text, "run_delay 80.000 ms"),
	   "text says what was measured, what apportioned, and run_delay");
	free(text);
	doc_free(&d);
	analysis_free(&a);
}

/*
 * test_switches.c's recording: vCPU 0 runs 50-100 ms, leaves KVM_RUN and
 * comes back at 300 ms: preempted 110-150 (hostburn 30, web1 10),
 * blocked 200-250 of which it waited for hostburn 230-250; preempted in
 * KVM_RUN 400-420 by hostburn; stop at 500.  Outside KVM_RUN: the VMM
 * ran 100-110, 150-200 and 250-300.
 */
static void write_outside(const char *path)
{
	struct synth_vm vm = {
		.name = "testvm", .pid = 100, .period_ns = MS, .start_ns = T0,
		.flags = KVM_PROFILE_F_SAMPLES | KVM_PROFILE_F_SCHED,
		.nvcpus = 1, .vcpu_tids = tids, .culprits = true,
		.switches = SYNTH_SWITCHES_ON,
	};
	struct synth s;

	synth_open(&s, path, &vm);
	synth_task(&s, TID_WEB, DF_TASK_VM_VCPU, "CPU 0/KVM", "web1", 0,
		   "/machine.slice/web1.scope");
	synth_task(&s, TID_HOG, DF_TASK_TASK, "hostburn", NULL, 0, HOG_CG);
	synth_sched_in_rd(&s, T0 + 50 * MS, 0, 0, TID_V0, 0);
	synth_sched_out_rd(&s, T0 + 100 * MS, 0, 0, TID_V0,
			   KVM_PROFILE_SCHED_USERSPACE, 0, "", 0);
	synth_switch(&s, T0 + 20 * MS, 0, 0, TID_V0, false);
	synth_switch(&s, T0 + 110 * MS, 0, TID_V0, TID_HOG, true);
	synth_switch(&s, T0 + 140 * MS, 0, TID_HOG, TID_WEB, true);
	synth_switch(&s, T0 + 150 * MS, 0, TID_WEB, TID_V0, true);
	synth_switch(&s, T0 + 200 * MS, 0, TID_V0, 0, false);
	synth_switch(&s, T0 + 225 * MS, 0, 0, TID_HOG, false);
	synth_switch(&s, T0 + 250 * MS, 0, TID_HOG, TID_V0, true);
	synth_switch(&s, T0 + 399 * MS, 0, TID_V0, TID_HOG, true);
	synth_switch(&s, T0 + 419 * MS, 0, TID_HOG, TID_V0, true);
	synth_sched_in_run_rd(&s, T0 + 300 * MS, 0, 0, TID_V0, 60 * MS);
	synth_sched_out_rd(&s, T0 + 400 * MS, 0, 0, TID_V0,
			   KVM_PROFILE_SCHED_PREEMPTED, TID_HOG, "hostburn",
			   60 * MS);
	synth_sched_in_rd(&s, T0 + 420 * MS, 0, 0, TID_V0, 80 * MS);
	synth_close(&s, T0 + 500 * MS);
}

static void test_outside(void)
{
	struct doc d = { 0 };
	struct analysis a;
	struct table *t;

	write_outside(FILE_W);
	t = breakdown_of(&a, &d, NULL, FILE_W, "vcpu0");
	check_row(t, "steal", "task", "70.000", "measured",
		  "switches: hostburn 30 + 20 outside KVM_RUN, 20 inside");
	check_row(t, "steal", "vm", "10.000", "measured",
		  "switches: web1 10 ms outside KVM_RUN");
	check_row(t, "blocked outside KVM_RUN", "", "30.000", "measured",
		  "switches: blocked 200-250 less the 20 ms wait");
	check_row(t, "VMM (outside KVM_RUN)", "", "110.000", "measured",
		  "switches: 100-300 less preempted 40 and blocked 50");
	check_row(t, "before the first sched record", "", "50.000", "measured",
		  "0-50 ms: off its pCPU before a sched-in, not known why");
	check_row(t, "running in KVM_RUN", "not sampled", "230.000",
		  "measured", "running 50-100, 300-400, 420-500");
	check_sum(t, 500, "switches vcpu0");
	doc_free(&d);
	analysis_free(&a);
}

/*
 * A long recording, 4 sched records every 4 ms for 12 s: the view folds
 * what lies behind the walk (4096 intervals at a time) and must give what
 * keeping everything gives.  Each 4 ms: runs 1 ms, preempted by hostburn
 * 1 ms, runs 0.5 ms, halts 1.5 ms of which it waited 0.5 ms for its pCPU
 * (run_delay): running 1.5, steal 1.5, halted 1.0.
 */
#define CYCLES 3000
static void write_long(const char *path)
{
	struct synth_vm vm = {
		.name = "testvm", .pid = 100, .period_ns = MS, .start_ns = T0,
		.flags = KVM_PROFILE_F_SAMPLES | KVM_PROFILE_F_SCHED,
		.nvcpus = 1, .vcpu_tids = tids, .culprits = true,
	};
	struct synth s;
	u64 t, rd = 0;
	int i;

	synth_open(&s, path, &vm);
	synth_task(&s, TID_HOG, DF_TASK_TASK, "hostburn", NULL, 0, HOG_CG);
	for (i = 0; i < CYCLES; i++) {
		t = T0 + (u64)i * 4 * MS;
		synth_sched_out_rd(&s, t + MS, 0, 0, TID_V0,
				   KVM_PROFILE_SCHED_PREEMPTED, TID_HOG,
				   "hostburn", rd);
		rd += MS;
		synth_sched_in_rd(&s, t + 2 * MS, 0, 0, TID_V0, rd);
		synth_sched_out_rd(&s, t + 2 * MS + MS / 2, 0, 0, TID_V0,
				   KVM_PROFILE_SCHED_HALTED, 0, "swapper/0", rd);
		rd += MS / 2;
		synth_sched_in_rd(&s, t + 4 * MS, 0, 0, TID_V0, rd);
	}
	synth_close(&s, T0 + CYCLES * 4 * MS);
}

static void check_long(const struct filter *f, const char *what,
		       const char *run, const char *halt, const char *steal,
		       double wall)
{
	struct doc d = { 0 };
	struct analysis a;
	struct table *t;

	t = breakdown_of(&a, &d, f, FILE_B, "vcpu0");
	check_row(t, "running in KVM_RUN", "not sampled", run, "measured", what);
	check_row(t, "halted", "", halt, "measured", what);
	is_str(attr_of(t, "steal_ms"), steal, what);
	check_sum(t, wall, what);
	doc_free(&d);
	analysis_free(&a);
}

static void test_long(void)
{
	struct filter f = { .vcpu = -1, .pid = -1, .has_from = true,
			    .has_to = true, .from_s = 1, .to_s = 11 };

	write_long(FILE_B);
	check_long(NULL, "12 s, folded as it goes", "4500.000", "3000.000",
		   "4500.000", 12000);
	check_long(&f, "--time-from 1 --time-to 11, folded", "3750.000",
		   "2500.000", "3750.000", 10000);
}

/*
 * KVM's halt_wait_ns beside the HALTED intervals: vCPU 0 halts 100-300
 * ms (woken, it waits 20 ms for its pCPU: halted 180, steal 20) and
 * 500-700; KVM's halt_wait_ns, read at 0, 400 and 1000 ms, grows 195 ms
 * by 400 and 390 by the end (KVM counts from the end of halt-polling:
 * a little less than the intervals).  @vm: the reads are the VM's
 * (debugfs), not the vCPU's.
 */
#define HW0 (5000 * MS)
static void write_halts(const char *path, bool vm_wide)
{
	struct synth_vm vm = {
		.name = "testvm", .pid = 100, .period_ns = MS, .start_ns = T0,
		.flags = KVM_PROFILE_F_SAMPLES | KVM_PROFILE_F_SCHED,
		.nvcpus = 1, .vcpu_tids = tids, .culprits = true,
	};
	u32 id = vm_wide ? DF_KVM_STAT_VM : 0;
	struct synth s;

	synth_open(&s, path, &vm);
	synth_kvm_stat(&s, T0, id, HW0);
	synth_sched_out_rd(&s, T0 + 100 * MS, 0, 0, TID_V0,
			   KVM_PROFILE_SCHED_HALTED, 0, "swapper/0", 0);
	synth_sched_in_rd(&s, T0 + 300 * MS, 0, 0, TID_V0, 20 * MS);
	synth_flush(&s);
	synth_kvm_stat(&s, T0 + 400 * MS, id, HW0 + 195 * MS);
	synth_sched_out_rd(&s, T0 + 500 * MS, 0, 0, TID_V0,
			   KVM_PROFILE_SCHED_HALTED, 0, "swapper/0", 20 * MS);
	synth_sched_in_rd(&s, T0 + 700 * MS, 0, 0, TID_V0, 20 * MS);
	synth_flush(&s);
	synth_kvm_stat(&s, T0 + 1000 * MS, id, HW0 + 390 * MS);
	synth_close(&s, T0 + 1000 * MS);
}

static void check_halts(const struct filter *f, const char *what,
			const char *wait, const char *span, const char *diff)
{
	char name[200];
	struct doc d = { 0 };
	struct analysis a;
	struct table *t;

	t = breakdown_of(&a, &d, f, FILE_B, "vcpu0");
	snprintf(name, sizeof(name), "%s: halt_wait_ms", what);
	is_str(attr_of(t, "halt_wait_ms"), wait, name);
	snprintf(name, sizeof(name), "%s: halt_span_ms", what);
	is_str(attr_of(t, "halt_span_ms"), span, name);
	snprintf(name, sizeof(name), "%s: halt_minus_halt_wait_wall_pct", what);
	is_str(attr_of(t, "halt_minus_halt_wait_wall_pct"), diff, name);
	doc_free(&d);
	analysis_free(&a);
}

static void test_halt_wait(void)
{
	struct filter late = { .vcpu = -1, .pid = -1, .has_from = true,
			       .has_to = true, .from_s = 0.35, .to_s = 1 };
	struct filter early = { .vcpu = -1, .pid = -1, .has_to = true,
				.to_s = 0.3 };
	struct doc d = { 0 };
	struct analysis a;
	struct table *t;
	char *text;

	write_halts(FILE_B, false);
	t = breakdown_of(&a, &d, NULL, FILE_B, "vcpu0");
	check_row(t, "halted", "", "380.000", "measured",
		  "halts: 200 + 200 ms less the 20 ms wait after the first");
	is_str(attr_of(t, "halt_wait_ms"), "390.000",
	       "halt_wait_ms: KVM's count grew 390 ms between the first and last reads");
	is_str(attr_of(t, "halt_span_ms"), "400.000",
	       "halt_span_ms: the HALTED intervals whole, the wait at their end in");
	is_str(attr_of(t, "halt_minus_halt_wait_wall_pct"), "1.00",
	       "halt_minus_halt_wait_wall_pct: (400 - 390) / 1000 ms");
	is_str(attr_of(t, "halt_ms"), "380.000", "halt_ms stays the halted row's");
	t = find_table(&d, "vm");
	is_str(attr_of(t, "halt_wait_ms"), "390.000", "vm table: the vCPUs' sum");
	text = doc_string(&d, FMT_TEXT);
	ok(text && strstr(text, "KVM halt_wait_ns grew 390.000 ms, HALTED intervals whole 400.000 ms (+1.00% of wall)"),
	   "text summary sets halt_wait_ns beside the intervals");
	free(text);
	doc_free(&d);
	analysis_free(&a);

	check_halts(&late, "window 350-1000 ms: the reads at 400 and 1000",
		    "195.000", "200.000", "0.77");
	check_halts(&early, "window 0-300 ms: one read", "not read twice in the window",
		    "(none)", "(none)");
	write_halts(FILE_B, true);
	check_halts(NULL, "the VM's reads (debugfs), one vCPU", "390.000",
		    "400.000", "1.00");
}

/*
 * vCPU 0 preempted by hostburn 100-150 ms (run_delay 50 ms), running the
 * other 950 ms, 500 samples in KVM_RUN: 300 guest kernel (one of them,
 * garbled, also says HOST_SOFTIRQ), 100 in host softirq, 50 in hardirq,
 * 50 handling an I/O exit; one softirq sample outside KVM_RUN.
 */
static void write_irq(const char *path)
{
	struct synth_vm vm = {
		.name = "testvm", .pid = 100, .period_ns = MS, .start_ns = T0,
		.flags = KVM_PROFILE_F_SAMPLES | KVM_PROFILE_F_SCHED,
		.nvcpus = 1, .vcpu_tids = tids, .culprits = true,
	};
	const u32 run = KVM_PROFILE_S_IN_KVM_RUN;
	struct synth_sample smp = { .vcpu = 0, .tid = TID_V0 };
	struct synth s;
	int i;

	synth_open(&s, path, &vm);
	synth_task(&s, TID_HOG, DF_TASK_TASK, "hostburn", NULL, 0, HOG_CG);
	for (i = 0; i < 501; i++) {
		smp.time = T0 + 150 * MS + (u64)i * 1500000;
		smp.flags = i < 300 ? KVM_PROFILE_S_IN_GUEST |
				      KVM_PROFILE_S_GUEST_VALID | run :
			    i < 400 ? KVM_PROFILE_S_HOST_SOFTIRQ | run :
			    i < 450 ? KVM_PROFILE_S_HOST_HARDIRQ | run :
			    i < 500 ? KVM_PROFILE_S_EXIT_VALID | run :
			    KVM_PROFILE_S_HOST_SOFTIRQ;
		if (!i)
			smp.flags |= KVM_PROFILE_S_HOST_SOFTIRQ;
		smp.rip = i < 300 ? 0xffffffff81000000ULL : 0;
		smp.host_ip = i < 300 ? 0 : 0xffffffff81300000ULL;
		smp.isa = KVM_PROFILE_ISA_VMX;
		smp.exit = VMX_IO;
		synth_sample(&s, &smp);
	}
	synth_sched_out_rd(&s, T0 + 100 * MS, 0, 0, TID_V0,
			   KVM_PROFILE_SCHED_PREEMPTED, TID_HOG, "hostburn", 0);
	synth_sched_in_rd(&s, T0 + 150 * MS, 0, 0, TID_V0, 50 * MS);
	synth_close(&s, T0 + 1000 * MS);
}

/*
 * The host interrupts the vCPU thread served split its running time as
 * steal by class; the rows still add up to wall, the measured steal and
 * run_delay stay the same.
 */
static void test_irq(void)
{
	struct doc d = { 0 };
	struct analysis a;
	struct table *t;

	write_irq(FILE_B);
	t = breakdown_of(&a, &d, NULL, FILE_B, "vcpu0");
	check_row(t, "steal", "softirq", "190.000", "apportioned",
		  "steal softirq: 100 of 500 samples of 950 ms running");
	check_row(t, "steal", "irq", "95.000", "apportioned",
		  "steal irq: 50 of 500 samples");
	is_str(row_str(t, find_row2(t, 0, "steal", 1, "softirq"), 4), "100",
	       "steal softirq: its 100 samples");
	check_row(t, "guest kernel", "", "570.000", "apportioned",
		  "guest kernel: 300 samples, a garbled HOST_SOFTIRQ one among them");
	check_row(t, "exit handling", "IO_INSTRUCTION", "95.000", "apportioned",
		  "exit handling: the 50 samples in no interrupt");
	check_row(t, "steal", "task", "50.000", "measured",
		  "steal by hostburn, measured, beside them");
	check_sum(t, 1000, "irq vcpu0");
	is_str(attr_of(t, "steal_ms"), "50.000",
	       "steal_ms: the sched records' steal only");
	is_str(attr_of(t, "steal_minus_run_delay_wall_pct"), "0.00",
	       "steal still equals run_delay");
	is_str(attr_of(t, "samples_outside_kvm_run"), "1",
	       "a softirq sample outside KVM_RUN apportions nothing");
	t = find_table(&d, "vm");
	check_row(t, "steal", "softirq", "190.000", "apportioned",
		  "vm: steal softirq");
	check_sum(t, 1000, "irq vm");
	doc_free(&d);
	analysis_free(&a);
}

/* The same numbers as jq and sqlite3 read them from the JSON and CSV. */
static void test_read_back(void)
{
	struct doc d = { 0 };
	struct analysis a;
	char *json, *csv, out[256];
	FILE *f, *p;

	write_mixed(FILE_B);
	breakdown_of(&a, &d, NULL, FILE_B, "vcpu0");
	doc_header(&a, &d, FILE_B, "breakdown");
	json = doc_string(&d, FMT_JSON);
	csv = doc_string(&d, FMT_CSV);
	f = fopen(TMP_JSON, "w");
	fputs(json ? json : "", f);
	fclose(f);
	f = fopen(TMP_CSV, "w");
	fputs(csv ? csv : "", f);
	fclose(f);
	out[0] = 0;
	p = popen("jq -r '.tables[] | select(.title == \"vcpu0\") | "
		  "[([.rows[].time_ms] | add), .attrs.wall_ms, "
		  "(.rows[] | select(.state == \"halted\") | .time_ms), "
		  "(.rows[] | select(.state == \"steal\" and .detail == \"vm\") | .source)] "
		  "| map(tostring) | join(\" \")' " TMP_JSON " 2>&1", "r");
	if (p && !fgets(out, sizeof(out), p))
		out[0] = 0;
	if (p)
		pclose(p);
	out[strcspn(out, "\n")] = 0;
	is_str(out, "1000 1000 200 measured",
	       "jq: vcpu0's rows sum to its wall; halted 200, steal by vm measured");
	out[0] = 0;
	p = popen("sqlite3 :memory: '.import --csv " TMP_CSV " t' "
		  "\"select \\\"table\\\", round(sum(time_ms), 3), count(*) from t "
		  "group by 1 order by 1\" 2>&1 | tr '\\n' ' '", "r");
	if (p && !fgets(out, sizeof(out), p))
		out[0] = 0;
	if (p)
		pclose(p);
	/* vcpu1 has its halted and VMM rows at 0: every vCPU has them */
	is_str(out, "vcpu0|1000.0|7 vcpu1|1000.0|4 vm|2000.0|9 ",
	       "sqlite3 imports the CSV: one table, each vCPU sums to 1 s");
	ok(json && strstr(json, "\"name\":\"breakdown\"") &&
	   strstr(json, "\"sum_wall_pct\":100.00"), "json: stable keys");
	free(json);
	free(csv);
	doc_free(&d);
	analysis_free(&a);
	unlink(TMP_JSON);
	unlink(TMP_CSV);
}

int main(void)
{
	test_mixed();
	test_outside();
	test_long();
	test_halt_wait();
	test_irq();
	test_read_back();
	unlink(FILE_B);
	unlink(FILE_W);
	return tap_done();
}
