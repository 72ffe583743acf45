// SPDX-License-Identifier: GPL-2.0
/*
 * vmprof-synth: write a synthetic data file for benchmarks.
 *   vmprof-synth -o FILE [-n SAMPLES] [-v VCPUS] [-f HZ] [-a ADDRS] [-s HALTS]
 *                [-H VCPU:PCT] [-W VCPU:FROM:TO] [-C COMM] [-G CGROUP] [-R] [-h] [-g]
 *                [-P PERIODS]
 * Samples round-robin over the vCPUs at HZ each; a mix of guest kernel,
 * guest user and host (exit handling) samples, plus a preemption of every
 * vCPU each second.  -s adds HALTS halt intervals per vCPU per sample
 * period (two sched records each), the shape of idle or I/O-bound guests
 * whose vCPUs block between timer ticks.
 * -H has a host task, "hostburn", preempt vCPU VCPU for the first PCT of
 * every 100 sample periods: a known share of steal with a known culprit,
 * for the tests of the exports (no sample of that vCPU while it waits).
 * -W has it preempt vCPU VCPU once instead, from FROM to TO percent of the
 * recording: a known place on the timeline.
 * -C names the hog COMM instead (a hostile name, for the exports' escaping).
 * -G CGROUP makes it a 1.1 recording whose hog is named by class: a host
 * task in cgroup CGROUP (a TASK chunk), "(task hostburn (cgroup CGROUP))".
 * -R writes in real time, as a collector does: each 100 ms of records
 * reaches the file when that much time has passed since the start, for
 * the tests of vmprofctl top, which follows a file as it is written.
 * -h makes it a --host-samples recording: the hog is sampled on the
 * vCPU's pCPU in the periods it holds it, in place of the vCPU.
 * -g adds a guest agent's stream that names the processes of the guest
 * user samples (app0..app7, pids 1000..1007, two of them a binary) and
 * their functions.
 * -P has the sampling timer fall behind as cpu-clock's does under
 * emulation: only every PERIODS-th period of a vCPU makes a sample, which
 * stands for PERIODS periods (its periods field); SAMPLES counts the
 * periods, so the file holds about SAMPLES / PERIODS samples.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "synth.h"
#ifndef NO_AGENT_PROTO
#include "../proto/agent_proto.h"
#endif

#define NFUNCS 64
#define NPROCS 8	/* guest user CR3s */

static u64 naddrs = NFUNCS;
static u32 nhalts;
static u32 hog_vcpu = ~0U, hog_pct, win_from, win_to, skip = 1;
static bool hog_window, realtime, host_samples, agent;
static const char *hog_comm = "hostburn";
static const char *hog_cgroup;
#define HOG_TID 7777
#define HOG_BLOCK 100	/* sample periods */
#define START_NS 1000000000ULL
#define REALTIME_FLUSH_NS (100 * NSEC_PER_MSEC)

static const char kallsyms[] =
	"ffffffffc0001000 t vmx_handle_exit\t[kvm_intel]\n"
	"ffffffffc0002000 t handle_io\t[kvm_intel]\n"
	"ffffffff81100000 T kvm_emulate_halt\n"
	"ffffffff81200000 T schedule\n";

static void one_sample(struct synth *s, u64 i, u32 nvcpus, u64 t, u32 *tids)
{
	u32 vcpu = (u32)(i % nvcpus), kind = (u32)((i * 2654435761ULL) >> 8) % 10;
	struct synth_sample in = {
		.time = t, .cpu = vcpu, .vcpu = vcpu, .tid = tids[vcpu],
		.flags = KVM_PROFILE_S_IN_KVM_RUN | KVM_PROFILE_S_EXIT_VALID,
		.isa = KVM_PROFILE_ISA_VMX, .exit = 30,
		.periods = skip > 1 ? (u16)skip : 0,
	};
	u64 f = ((i / nvcpus) * 2654435761ULL) % naddrs;

	if (kind < 6) {
		in.flags |= KVM_PROFILE_S_IN_GUEST | KVM_PROFILE_S_GUEST_VALID |
			    KVM_PROFILE_S_GUEST_USER;
		in.cpl = 3;
		in.rip = 0x400000 + f * 0x40;
		/* -g: each process runs every function of its binary */
		in.cr3 = 0x10000000 + ((agent ? f + i : f) % NPROCS) * 0x1000;
	} else if (kind < 9) {
		in.flags |= KVM_PROFILE_S_IN_GUEST | KVM_PROFILE_S_GUEST_VALID;
		in.rip = 0xffffffff81000000ULL + f * 0x100;
		in.exit = 48;
	} else {
		in.host_ip = 0xffffffffc0001000ULL + (f % 2) * 0x1000 + 0x10;
	}
	synth_sample(s, &in);
}

/*
 * HALTS halt intervals of @vcpu in the period after its sample at @t,
 * written right after the sample: they run ahead of the other vCPUs' next
 * samples in the file, as records of different pCPUs do in a real one.
 */
static void halts(struct synth *s, u64 t, u64 period, u32 vcpu, u32 tid)
{
	u64 step = period / (2 * nhalts + 2), k;

	for (k = 0; k < nhalts; k++) {
		synth_sched_out(s, t + (2 * k + 1) * step, vcpu, vcpu, tid,
				KVM_PROFILE_SCHED_HALTED, 0, "swapper/x");
		synth_sched_in(s, t + (2 * k + 2) * step, vcpu, vcpu, tid);
	}
}

/*
 * The hog's turn on @vcpu's pCPU at sample period @k: a preemption over
 * the first hog_pct periods of each block (when the recording holds the
 * whole of it); returns the time until which the vCPU waits.
 */
static u64 hog(struct synth *s, u64 k, u64 nperiods, u64 period, u32 vcpu,
	       u32 tid, u64 until)
{
	u64 t = START_NS + k * period;

	if (hog_window) {
		if (vcpu != hog_vcpu || k != nperiods * win_from / 100)
			return until;
		until = START_NS + nperiods * win_to / 100 * period;
		synth_sched_out(s, t, vcpu, vcpu, tid,
				KVM_PROFILE_SCHED_PREEMPTED, HOG_TID, hog_comm);
		synth_sched_in(s, until, vcpu, vcpu, tid);
		return until;
	}
	if (vcpu != hog_vcpu || k % HOG_BLOCK || k + hog_pct > nperiods)
		return until;
	synth_sched_out(s, t, vcpu, vcpu, tid, KVM_PROFILE_SCHED_PREEMPTED,
			HOG_TID, hog_comm);
	synth_sched_in(s, t + hog_pct * period, vcpu, vcpu, tid);
	return t + hog_pct * period;
}

/*
 * -R: the records up to time @t reach the file once the wall time since
 * @wall0 has come to theirs since the start.
 */
static void pace(struct synth *s, u64 t, u64 wall0, u64 *flushed)
{
	u64 due = wall0 + (t - START_NS), now = mono_ns();

	if (!realtime || t < *flushed + REALTIME_FLUSH_NS)
		return;
	if (due > now)
		usleep((useconds_t)((due - now) / 1000));
	synth_flush(s);
	*flushed = t;
}

/* The hog, sampled on @vcpu's pCPU while the vCPU waits (-h). */
static void hog_sample(struct synth *s, u64 t, u32 vcpu)
{
	struct synth_sample in = {
		.time = t, .cpu = vcpu, .vcpu = KVM_PROFILE_NO_VCPU,
		.tid = HOG_TID, .host_ip = 0xffffffff81200010ULL,
		.periods = skip > 1 ? (u16)skip : 0,
	};

	in.comm = hog_comm;
	synth_sample(s, &in);
}

#ifndef NO_AGENT_PROTO
/*
 * -g: the guest agent's stream for the guest user samples' NPROCS CR3s:
 * process app<k> (pid 1000 + k) runs /usr/bin/srv<k / 2>, two processes
 * a binary, whose symbols srv<k / 2>_fn<f> each cover a sample address.
 */
static int agent_stream(struct synth *s)
{
	struct vp_hello h = { .flags = VP_HELLO_CR3, .page_size = 4096,
			      .release = "6.12", .hostname = "synth" };
	struct vp_map m = { .start = 0x400000, .end = 0x400000 + naddrs * 0x40,
			    .prot = VP_PROT_R | VP_PROT_X | VP_PROT_P,
			    .build_id_len = 4 };
	struct vp_cr3_entry e[NPROCS] = { 0 };
	struct vp_sym sym = { .size = 0x40, .type = 'T' };
	char path[32], name[32];
	struct vp_buf b;
	u32 k;
	u64 f;
	int ret;

	vp_buf_init(&b);
	for (k = 0; k < NPROCS; k++) {
		e[k].cr3 = 0x10000000 + k * 0x1000;
		e[k].tgid = e[k].pid = 1000 + k;
		e[k].ppid = 1;
		e[k].event = VP_EV_SNAPSHOT;
		snprintf(e[k].comm, sizeof(e[k].comm), "app%u", k);
	}
	ret = vp_enc_hello(&b, &h) || vp_enc_cr3(&b, VP_MSG_CR3_MAP_FULL, e, NPROCS);
	for (k = 0; !ret && k < NPROCS; k++) {
		snprintf(path, sizeof(path), "/usr/bin/srv%u", k / 2);
		m.path = path;
		m.build_id[0] = (u8)(k / 2 + 1);
		ret = vp_msg_begin(&b, VP_MSG_PROC_MAPS) || vp_put_u32(&b, 1000 + k) ||
		      vp_put_u32(&b, 1) || vp_put_map(&b, &m) || vp_msg_end(&b);
		if (ret || k % 2)
			continue;	/* the binary's symbols are sent */
		ret = vp_msg_begin(&b, VP_MSG_SYMBOLS) ||
		      vp_put_build_id(&b, m.build_id, m.build_id_len) ||
		      vp_put_u32(&b, (u32)naddrs);
		for (f = 0; !ret && f < naddrs; f++) {
			snprintf(name, sizeof(name), "srv%u_fn%llu", k / 2,
				 (unsigned long long)f);
			sym.offset = f * 0x40;
			sym.name = name;
			ret = vp_put_sym(&b, &sym, 0);
		}
		ret = ret || vp_msg_end(&b);
	}
	if (!ret)
		df_write_agent(&s->w, START_NS, 1, b.data, (u32)b.len);
	vp_buf_free(&b);
	return ret ? -1 : 0;
}
#else
static int agent_stream(struct synth *s)
{
	(void)s;
	fprintf(stderr, "vmprof-synth: -g needs the agent protocol (proto/)\n");
	return -1;
}
#endif

int main(int argc, char **argv)
{
	u64 n = 10000000, hz = 1000, i, period, t;
	const char *out = NULL;
	struct synth_vm vm = { .name = "benchvm", .pid = 4242 };
	u32 nvcpus = 10, tids[256], v, nlost = 0;
	u64 preempted_until[256] = { 0 };
	u64 hog_until = 0, wall0, flushed = START_NS, stop;
	struct synth s;
	int c;

	while ((c = getopt(argc, argv, "o:n:v:f:a:L:s:H:W:C:G:P:Rhg")) != -1) {
		if (c == 'R') {
			realtime = true;
			continue;
		}
		if (c == 'a') {
			naddrs = strtoull(optarg, NULL, 0);
			if (!naddrs)
				return 2;
			continue;
		}
		if (c == 'C')
			hog_comm = optarg;
		else if (c == 'G')
			hog_cgroup = optarg;
		else if (c == 'o')
			out = optarg;
		else if (c == 'n')
			n = strtoull(optarg, NULL, 0);
		else if (c == 'v')
			nvcpus = (u32)strtoul(optarg, NULL, 0);
		else if (c == 'f')
			hz = strtoull(optarg, NULL, 0);
		else if (c == 'L')
			nlost = (u32)strtoul(optarg, NULL, 0);
		else if (c == 'P')
			skip = (u32)strtoul(optarg, NULL, 0);
		else if (c == 's')
			nhalts = (u32)strtoul(optarg, NULL, 0);
		else if (c == 'W') {
			hog_window = true;
			if (sscanf(optarg, "%u:%u:%u", &hog_vcpu, &win_from,
				   &win_to) != 3 || win_from >= win_to ||
			    win_to > 100)
				return 2;
		}
		else if (c == 'h')
			host_samples = true;
		else if (c == 'g')
			agent = true;
		else if (c != 'H')
			return 2;
		else if (sscanf(optarg, "%u:%u", &hog_vcpu, &hog_pct) != 2 ||
			 hog_pct > HOG_BLOCK)
			return 2;
	}
	if (!out || !nvcpus || nvcpus > 256 || !hz || !skip || skip > 65535) {
		fprintf(stderr, "usage: vmprof-synth -o FILE [-n SAMPLES] [-v VCPUS 1..256] [-f HZ] [-a DISTINCT_ADDRS] [-L LOST_RECORDS] [-s HALTS_PER_PERIOD] [-H VCPU:PCT | -W VCPU:FROM:TO] [-C HOG_COMM] [-G HOG_CGROUP] [-R] [-h] [-g] [-P PERIODS 1..65535]\n");
		return 2;
	}
	for (v = 0; v < nvcpus; v++)
		tids[v] = 5000 + v;
	period = NSEC_PER_SEC / hz;
	vm.period_ns = period;
	vm.start_ns = START_NS;
	vm.flags = KVM_PROFILE_F_SAMPLES | KVM_PROFILE_F_SCHED;
	if (host_samples)
		vm.flags |= KVM_PROFILE_F_HOST_SAMPLES;
	vm.nvcpus = nvcpus;
	vm.vcpu_tids = tids;
	vm.culprits = hog_cgroup != NULL;
	if (synth_open(&s, out, &vm))
		return 1;
	if (hog_cgroup)
		synth_task(&s, HOG_TID, DF_TASK_TASK, hog_comm, NULL, 0, hog_cgroup);
	synth_kallsyms(&s, kallsyms);
	if (agent && agent_stream(&s))
		return 1;
	synth_flush(&s);
	wall0 = mono_ns();
	/* LOST records, one per pCPU in turn, for the reports' lost table */
	for (v = 0; v < nlost; v++)
		synth_lost(&s, START_NS + v, v % nvcpus, 10 + v);
	for (i = 0; i < n; i++) {
		t = START_NS + (i / nvcpus) * period + (i % nvcpus);
		pace(&s, t, wall0, &flushed);
		v = (u32)(i % nvcpus);
		hog_until = hog(&s, i / nvcpus, n / nvcpus, period, v, tids[v],
				 hog_until);
		if ((i / nvcpus) % skip)
			;	/* -P: the timer skipped this period */
		else if (v != hog_vcpu || t >= hog_until)
			one_sample(&s, i, nvcpus, t, tids);
		else if (host_samples)
			hog_sample(&s, t, v);
		v = (u32)((i / nvcpus / hz) % nvcpus);
		if (i % nvcpus == 0 && (i / nvcpus) % hz == hz - 1 && v != hog_vcpu) {
			synth_sched_out(&s, t, v, v, tids[v],
					KVM_PROFILE_SCHED_PREEMPTED,
					tids[(v + 1) % nvcpus], "CPU x/KVM");
			synth_sched_in(&s, t + 2 * period, v, v, tids[v]);
			preempted_until[v] = t + 2 * period;
		}
		v = (u32)(i % nvcpus);
		if (nhalts && t >= preempted_until[v] && (v != hog_vcpu || t >= hog_until))
			halts(&s, t, period, v, tids[v]);
	}
	/* Stopped after the last record, as the collector stops after its drain. */
	stop = START_NS + n / nvcpus * period;
	for (v = 0; v < nvcpus; v++)
		if (preempted_until[v] > stop)
			stop = preempted_until[v];
	return synth_close(&s, stop) ? 1 : 0;
}
