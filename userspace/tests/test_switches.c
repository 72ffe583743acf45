// SPDX-License-Identifier: GPL-2.0
/*
 * Waits outside KVM_RUN named from the host's context switches (issue 17):
 * a vCPU thread preempted while emulating an exit in the VMM, where KVM
 * writes no sched record, shows only as run_delay growth; the SWITCH
 * chunks say when it was switched out and in again and who held the pCPU
 * meanwhile (a host hog, another VM's vCPU thread).  Without them the
 * wait is unknown, and says why.  Then hostile SWITCH chunks, memory that
 * stays bounded over a long recording, and the recorder's own events on
 * this machine.
 */
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "switches.h"
#include "test_common.h"

#define FILE_S "test_switches.data"

#define TID_V0 101
#define TID_WEB 201	/* web1's vCPU 0 */
#define TID_HOG 301
#define HOG_CG "/system.slice/hog.service"
#define US ((u64)1000)
/* perf's hook runs a little before KVM's preempt notifier */
#define EARLY (1 * US)

static const u32 tids[] = { TID_V0 };

#define NOREC "(unknown (no record named who held the pCPU))"
#define NOPERM "(unknown (no record named who held the pCPU; switch records need CAP_PERFMON))"

/* A file of the one-vCPU VM with switch records on; hostburn named. */
static void open_switched(struct synth *s)
{
	struct synth_vm vm = {
		.name = "testvm", .pid = 100, .period_ns = MS, .start_ns = T0,
		.flags = KVM_PROFILE_F_SAMPLES | KVM_PROFILE_F_SCHED,
		.nvcpus = 1, .vcpu_tids = tids, .culprits = true,
		.switches = SYNTH_SWITCHES_ON,
	};

	synth_open(s, FILE_S, &vm);
	synth_task(s, TID_HOG, DF_TASK_TASK, "hostburn", NULL, 0, HOG_CG);
}

/* vCPU 0's steal, all @ms of it hostburn's: none left unknown. */
static void check_all_hostburn(const char *ms, const char *what)
{
	struct doc d = { 0 };
	struct analysis a;
	struct table *t;

	t = steal_of(&a, &d, FILE_S, "vcpu0");
	check_ms(t, "(task hostburn (cgroup " HOG_CG "))", "task", ms, what);
	ok(find_row2(t, 0, "[steal] " NOREC, -1, NULL) < 0,
	   "%s: nothing left unknown", what);
	is_str(attr_of(t, "steal_ms"), ms, "steal: the run_delay grown");
	doc_free(&d);
	analysis_free(&a);
}

/*
 * vCPU 0 (thread 101, pCPU 0) leaves KVM_RUN at 100 ms (an I/O exit) and
 * comes back at 300 ms with run_delay 60 ms grown: in QEMU it was
 * preempted at 110 by hostburn, which gave the pCPU to web1's vCPU
 * thread at 140, which gave it back at 150 (40 ms: hostburn 30, web1
 * 10); it blocked at 200, the pCPU idle until hostburn ran at 225, was
 * woken at 230 and waited for hostburn until 250 (20 ms).  Then a
 * preemption inside KVM_RUN, 400-420, that KVM's records name
 * (hostburn, 20 ms), which the switches must not count again.
 */
static void write_outside(const char *path, int switches, bool with_entries)
{
	struct synth_vm vm = {
		.name = "testvm", .pid = 100, .period_ns = MS, .start_ns = T0,
		.flags = KVM_PROFILE_F_SAMPLES | KVM_PROFILE_F_SCHED,
		.nvcpus = 1, .vcpu_tids = tids, .culprits = true,
		.switches = switches,
	};
	struct synth s;

	synth_open(&s, path, &vm);
	synth_task(&s, TID_WEB, DF_TASK_VM_VCPU, "CPU 0/KVM", "web1", 0,
		   "/machine.slice/web1.scope");
	synth_task(&s, TID_HOG, DF_TASK_TASK, "hostburn", NULL, 0, HOG_CG);
	synth_sched_in_rd(&s, T0 + 50 * MS, 0, 0, TID_V0, 0);
	synth_sched_out_rd(&s, T0 + 100 * MS, 0, 0, TID_V0,
			   KVM_PROFILE_SCHED_USERSPACE, 0, "", 0);
	if (with_entries) {
		synth_switch(&s, T0 + 20 * MS, 0, 0, TID_V0, false);
		synth_switch(&s, T0 + 110 * MS, 0, TID_V0, TID_HOG, true);
		synth_switch(&s, T0 + 140 * MS, 0, TID_HOG, TID_WEB, true);
		synth_switch(&s, T0 + 150 * MS, 0, TID_WEB, TID_V0, true);
		synth_switch(&s, T0 + 200 * MS, 0, TID_V0, 0, false);
		synth_switch(&s, T0 + 225 * MS, 0, 0, TID_HOG, false);
		synth_switch(&s, T0 + 250 * MS, 0, TID_HOG, TID_V0, true);
		synth_switch(&s, T0 + 400 * MS - EARLY, 0, TID_V0, TID_HOG, true);
		synth_switch(&s, T0 + 420 * MS - EARLY, 0, TID_HOG, TID_V0, true);
	}
	synth_sched_in_rd(&s, T0 + 300 * MS, 0, 0, TID_V0, 60 * MS);
	synth_sched_out_rd(&s, T0 + 400 * MS, 0, 0, TID_V0,
			   KVM_PROFILE_SCHED_PREEMPTED, TID_HOG, "hostburn",
			   60 * MS);
	synth_sched_in_rd(&s, T0 + 420 * MS, 0, 0, TID_V0, 80 * MS);
	synth_close(&s, T0 + 500 * MS);
}

static void test_named(void)
{
	struct doc d = { 0 };
	struct analysis a;
	struct table *t;

	write_outside(FILE_S, SYNTH_SWITCHES_ON, true);
	t = steal_of(&a, &d, FILE_S, "vcpu0");
	check_ms(t, "(task hostburn (cgroup " HOG_CG "))", "task", "70.000",
		 "hostburn: 30 ms preempting in QEMU, 20 after the wakeup, 20 in KVM_RUN");
	check_ms(t, "(vm web1 vcpu0)", "vm", "10.000",
		 "web1's vCPU thread: the 10 ms it held the pCPU outside KVM_RUN");
	ok(find_row2(t, 0, "[steal] " NOREC, -1, NULL) < 0,
	   "no wait left unknown");
	is_str(attr_of(t, "steal_ms"), "80.000",
	       "steal 80 ms: the run_delay grown, nothing counted twice");
	is_str(attr_of(t, "unknown_steal_pct"), "0.00", "unknown 0% of steal");
	is_u64(a.swh.entries, 9, "nine switches read");
	doc_free(&d);
	analysis_free(&a);
}

static void test_without(void)
{
	struct doc d = { 0 };
	struct analysis a;
	struct table *t;

	write_outside(FILE_S, SYNTH_SWITCHES_REFUSED, false);
	t = steal_of(&a, &d, FILE_S, "vcpu0");
	check_ms(t, NOPERM, "unknown", "60.000",
		 "switch records refused: the wait outside KVM_RUN is unknown, and why");
	check_ms(t, "(task hostburn (cgroup " HOG_CG "))", "task", "20.000",
		 "refused: KVM's own record still names hostburn");
	is_str(attr_of(t, "unknown_steal_pct"), "75.00", "refused: 60 of 80 ms unknown");
	doc_free(&d);
	analysis_free(&a);

	write_outside(FILE_S, SYNTH_SWITCHES_NONE, false);
	t = steal_of(&a, &d, FILE_S, "vcpu0");
	check_ms(t, NOREC, "unknown", "60.000",
		 "a 1.1 file: the wait unknown, as before");
	doc_free(&d);
	analysis_free(&a);
}

/*
 * Two sleeps outside KVM_RUN: woken at 215 behind hostburn until 230,
 * then switched in at 250 straight from the idle task (no wait).  The
 * 15 ms of run_delay belong to the first: a thread runnable on an idle
 * pCPU would have run.
 */
static void test_wakeup(void)
{
	struct doc d = { 0 };
	struct analysis a;
	struct synth s;
	struct table *t;

	open_switched(&s);
	synth_sched_out_rd(&s, T0 + 100 * MS, 0, 0, TID_V0,
			   KVM_PROFILE_SCHED_USERSPACE, 0, "", 0);
	synth_switch(&s, T0 + 200 * MS, 0, TID_V0, TID_HOG, false);
	synth_switch(&s, T0 + 230 * MS, 0, TID_HOG, TID_V0, true);
	synth_switch(&s, T0 + 240 * MS, 0, TID_V0, 0, false);
	synth_switch(&s, T0 + 250 * MS, 0, 0, TID_V0, false);
	synth_sched_in_rd(&s, T0 + 300 * MS, 0, 0, TID_V0, 15 * MS);
	synth_close(&s, T0 + 400 * MS);
	t = steal_of(&a, &d, FILE_S, "vcpu0");
	check_ms(t, "(task hostburn (cgroup " HOG_CG "))", "task", "15.000",
		 "the wakeup wait behind hostburn, not the later one from idle");
	ok(find_row2(t, 0, "[steal] (unknown (pCPU idle))", -1, NULL) < 0,
	   "nothing placed where the pCPU was idle");
	doc_free(&d);
	analysis_free(&a);
}

/*
 * A preemption whose wait the kernel starts early: vCPU 0 leaves KVM_RUN
 * at 100 ms; hostburn, woken at @woke with the runqueue clock updated
 * then, preempts it at 110 (__schedule() skips the clock update after
 * such a wakeup, so the kernel counts the thread's wait from @woke) and
 * gives the pCPU back at 130; KVM_RUN again at 200.  The switches show
 * 20 ms of the run_delay; the rest is hostburn's too, not unknown where
 * the switches show the thread running (before 200).
 */
static void test_early(u64 woke, const char *ms, const char *what)
{
	struct synth s;

	open_switched(&s);
	synth_switch(&s, T0 + 20 * MS, 0, 0, TID_V0, false);
	synth_sched_out_rd(&s, T0 + 100 * MS, 0, 0, TID_V0,
			   KVM_PROFILE_SCHED_USERSPACE, 0, "", 0);
	synth_switch(&s, T0 + 110 * MS, 0, TID_V0, TID_HOG, true);
	synth_switch(&s, T0 + 130 * MS, 0, TID_HOG, TID_V0, true);
	synth_sched_in_rd(&s, T0 + 200 * MS, 0, 0, TID_V0, T0 + 130 * MS - woke);
	synth_close(&s, T0 + 300 * MS);
	check_all_hostburn(ms, what);
}

/*
 * A wakeup whose wait the kernel starts early: vCPU 0 leaves KVM_RUN at
 * 100 ms and blocks at 110, its pCPU idle until hostburn runs at 140,
 * then its own turn at 150; KVM_RUN again at 200 with 15 ms of run_delay.
 * It was woken at 135, while the pCPU was still coming out of idle: the
 * 5 ms before 140 are hostburn's too, the task the pCPU ran first.
 */
static void test_early_wakeup(void)
{
	struct synth s;

	open_switched(&s);
	synth_switch(&s, T0 + 20 * MS, 0, 0, TID_V0, false);
	synth_sched_out_rd(&s, T0 + 100 * MS, 0, 0, TID_V0,
			   KVM_PROFILE_SCHED_USERSPACE, 0, "", 0);
	synth_switch(&s, T0 + 110 * MS, 0, TID_V0, 0, false);
	synth_switch(&s, T0 + 140 * MS, 0, 0, TID_HOG, false);
	synth_switch(&s, T0 + 150 * MS, 0, TID_HOG, TID_V0, true);
	synth_sched_in_rd(&s, T0 + 200 * MS, 0, 0, TID_V0, 15 * MS);
	synth_close(&s, T0 + 300 * MS);
	check_all_hostburn("15.000",
			   "woken 5 ms before its idle pCPU ran hostburn: 15 ms hostburn's");
}

/* Entries of a bad size, a pCPU past any, chunks no META announced. */
static void test_hostile(void)
{
	struct synth_vm vm = {
		.name = "testvm", .pid = 100, .period_ns = MS, .start_ns = T0,
		.flags = KVM_PROFILE_F_SAMPLES | KVM_PROFILE_F_SCHED,
		.nvcpus = 1, .vcpu_tids = tids, .culprits = true,
		.switches = SYNTH_SWITCHES_ON,
	};
	struct df_switch e[2] = {
		{ .time_ns = T0 + 110 * MS, .cpu = 0xffffffffU,
		  .prev_tid = TID_V0, .next_tid = TID_HOG, .flags = 0xffff },
		{ .time_ns = UINT64_MAX, .cpu = 0, .prev_tid = 0xffffffffU,
		  .next_tid = 0xffffffffU, .flags = DF_SWITCH_LOST },
	};
	struct doc d = { 0 };
	struct analysis a;
	struct synth s;
	struct table *t;
	u8 raw[sizeof(e) + 3] = { 0 };

	synth_open(&s, FILE_S, &vm);
	memcpy(raw, e, sizeof(e));
	df_write_chunk(&s.w, DF_CHUNK_SWITCH, raw, sizeof(raw));
	df_write_chunk(&s.w, DF_CHUNK_SWITCH, raw, 5);
	synth_sched_out_rd(&s, T0 + 100 * MS, 0, 0, TID_V0,
			   KVM_PROFILE_SCHED_USERSPACE, 0, "", 0);
	synth_sched_in_rd(&s, T0 + 300 * MS, 0, 0, TID_V0, 60 * MS);
	synth_close(&s, T0 + 500 * MS);
	t = steal_of(&a, &d, FILE_S, "vcpu0");
	is_u64(a.st.malformed, 2, "SWITCH chunks of a bad length: malformed");
	is_str(attr_of(t, "steal_ms"), "60.000", "hostile switches: steal still the run_delay");
	doc_free(&d);
	analysis_free(&a);

	/* SWITCH chunks in a file whose META announced none: not read */
	vm.switches = SYNTH_SWITCHES_NONE;
	synth_open(&s, FILE_S, &vm);
	synth_switch(&s, T0 + 110 * MS, 0, TID_V0, TID_HOG, true);
	synth_switch(&s, T0 + 150 * MS, 0, TID_HOG, TID_V0, true);
	synth_sched_out_rd(&s, T0 + 100 * MS, 0, 0, TID_V0,
			   KVM_PROFILE_SCHED_USERSPACE, 0, "", 0);
	synth_sched_in_rd(&s, T0 + 300 * MS, 0, 0, TID_V0, 40 * MS);
	synth_close(&s, T0 + 500 * MS);
	t = steal_of(&a, &d, FILE_S, "vcpu0");
	is_u64(a.swh.entries, 0, "unannounced SWITCH chunks: ignored");
	check_ms(t, NOREC, "unknown", "40.000", "unannounced switches name nothing");
	doc_free(&d);
	analysis_free(&a);
}

/*
 * 600 s of a busy pCPU: a switch every millisecond, the vCPU out of
 * KVM_RUN 5 ms of every 100, preempted by the hog for 2 of them.  The
 * switches held at once stay a few seconds' worth, and every wait is
 * named.
 */
static void test_bounded(void)
{
	struct doc d = { 0 };
	struct analysis a;
	struct synth s;
	struct table *t;
	u64 b, rd = 0, ms;
	struct df_switch *e;
	struct buf sw = { 0 };
	int i;

	open_switched(&s);
	for (i = 0; i < 6000; i++) {
		b = T0 + (u64)i * 100 * MS;
		sw.len = 0;
		for (ms = 0; ms < 100; ms++) {
			struct df_switch x = {
				.time_ns = b + ms * MS, .cpu = 0,
				.prev_tid = TID_HOG + 1, .next_tid = TID_HOG + 2,
			};

			if (ms == 51) {
				x.prev_tid = TID_V0;
				x.next_tid = TID_HOG;
				x.flags = DF_SWITCH_PREEMPT;
			} else if (ms == 53) {
				x.prev_tid = TID_HOG;
				x.next_tid = TID_V0;
			} else if (ms == 52) {
				continue;
			}
			buf_append(&sw, &x, sizeof(x));
		}
		df_write_chunk(&s.w, DF_CHUNK_SWITCH, sw.data, (u32)sw.len);
		synth_sched_out_rd(&s, b + 50 * MS, 0, 0, TID_V0,
				   KVM_PROFILE_SCHED_USERSPACE, 0, "", rd);
		rd += 2 * MS;
		synth_sched_in_rd(&s, b + 55 * MS, 0, 0, TID_V0, rd);
		if (i % 10 == 9)
			synth_flush(&s);
	}
	e = (struct df_switch *)sw.data;
	(void)e;
	buf_free(&sw);
	synth_close(&s, T0 + 600 * 1000 * MS);
	t = steal_of(&a, &d, FILE_S, "vcpu0");
	check_ms(t, "(task hostburn (cgroup " HOG_CG "))", "task", "12000.000",
		 "600 s: 2 ms of every 100 named hostburn");
	ok(a.swh.peak < 30000, "switches held at once: %zu of 594000",
	   a.swh.peak);
	ok(!a.sw.keep_all && !a.sw.replayed, "one streaming pass");
	doc_free(&d);
	analysis_free(&a);
}

static pid_t gettid_(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/*
 * The recorder's events on this machine: CPU-wide switch records of the
 * pCPUs this thread may run on, on CLOCK_MONOTONIC, naming this thread
 * when it sleeps.  Skipped, with the reason, where the kernel refuses.
 */
static void test_native(void)
{
	u32 self = (u32)gettid_(), *cpus, n, i;
	struct vcpu_thread vt = { .id = 0, .tid = self };
	struct vm_info vm = { .pid = getpid(), .vcpus = &vt, .nvcpus = 1 };
	struct synth_vm svm = {
		.name = "native", .pid = 100, .period_ns = MS, .start_ns = T0,
		.flags = KVM_PROFILE_F_SAMPLES | KVM_PROFILE_F_SCHED,
		.culprits = true, .switches = SYNTH_SWITCHES_ON,
	};
	struct culprit_rec cr = { 0 };
	struct switch_rec s;
	const struct df_switch *e;
	size_t k, nent, mine = 0, inwin = 0;
	struct analysis a;
	struct synth sy;
	u64 t0, t1, stored;

	n = switch_affinity_cpus(&self, 1, &cpus);
	ok(n > 0, "this thread may run on %u pCPUs", n);
	free(cpus);
	switch_rec_open(&s, &vm);
	if (!s.on) {
		printf("ok %d # SKIP switch records refused here: %s\n", ++tap_n,
		       switch_refusal(s.err));
		switch_rec_close(&s);
		return;
	}
	t0 = mono_ns();
	for (i = 0; i < 20; i++)
		usleep(1000);
	t1 = mono_ns();
	switch_rec_drain(&s, &cr, t1);
	nent = s.pending.len / sizeof(*e);
	e = (const struct df_switch *)s.pending.data;
	for (k = 0; k < nent; k++) {
		if (e[k].flags & DF_SWITCH_LOST)
			continue;
		if (e[k].prev_tid == self && !(e[k].flags & DF_SWITCH_PREEMPT))
			mine++;
		if (e[k].time_ns >= t0 && e[k].time_ns <= t1)
			inwin++;
	}
	ok(nent > 0, "native: %zu switch records on %u pCPUs", nent, s.ncpus);
	ok(mine >= 10, "native: this thread switched out asleep %zu times (20 sleeps)",
	   mine);
	ok(inwin > 0 && e[nent - 1].time_ns <= mono_ns(),
	   "native: times on CLOCK_MONOTONIC (%zu within the sleeps)", inwin);
	/* what the kernel gave, as the collector writes it, read back */
	stored = s.switches;
	synth_open(&sy, FILE_S, &svm);
	ok(switch_rec_flush(&s, &sy.w) == 0 && !s.pending.len,
	   "native: written as SWITCH chunks");
	synth_close(&sy, mono_ns());
	analysis_init(&a, NULL);
	ok(analysis_load(&a, FILE_S) == 0 && a.swh.entries == stored &&
	   !a.st.malformed, "native: the report reads all %llu switches back",
	   (unsigned long long)stored);
	analysis_free(&a);
	switch_rec_close(&s);
}

int main(void)
{
	test_named();
	test_without();
	test_wakeup();
	test_early(T0 + 105 * MS, "25.000",
		   "hostburn, woken 5 ms before it preempted the thread: 25 ms");
	test_early(T0 + 90 * MS, "40.000",
		   "woken before the thread left KVM_RUN: all 40 ms hostburn's");
	test_early_wakeup();
	test_hostile();
	test_bounded();
	test_native();
	unlink(FILE_S);
	return tap_done();
}
