// SPDX-License-Identifier: GPL-2.0
/*
 * --format perfetto, slice by slice: a vCPU whose every state is known to
 * the microsecond (guest kernel samples that merge, the VMM, an exit, a
 * preemption split between two host tasks sampled on its pCPU, guest
 * user, a halt) and a second vCPU whose samples come out of order.  The
 * trace's events are compared with the slices the states must give.
 * Again with sched records so late that the walk is redone (the hooks'
 * sched_reset), without host samples there: the next task takes the whole
 * preemption.  tests/perfetto.sh reads the export with the trace engine;
 * this is the exact arithmetic.
 */
#include <unistd.h>

#include "test_common.h"

#define FILE_P "test_perfetto.data"
#define US ((u64)1000)

static struct synth_sample guest_kernel(u64 t, u32 vcpu)
{
	return (struct synth_sample){
		.time = t, .cpu = vcpu, .vcpu = vcpu, .tid = 101 + vcpu,
		.flags = KVM_PROFILE_S_IN_GUEST | KVM_PROFILE_S_GUEST_VALID |
			 KVM_PROFILE_S_IN_KVM_RUN,
		.rip = 0xffffffff81001010ULL,
	};
}

static void host_task(struct synth *s, u64 t, const char *comm)
{
	struct synth_sample h = {
		.time = t, .cpu = 0, .vcpu = KVM_PROFILE_NO_VCPU, .tid = 900,
		.host_ip = 0xffffffff81200010ULL, .comm = comm,
	};

	synth_sample(s, &h);
}

/* vCPU 0: the states of the comment at the top of the file, in order. */
static void vcpu0(struct synth *s)
{
	struct synth_sample g = guest_kernel(T0, 0), v, x, u;
	int i;

	for (i = 0; i < 3; i++) {	/* 0-3000 us: one guest kernel slice */
		synth_sample(s, &g);
		g.time += MS;
	}
	v = g;				/* 3000-4000: the VMM's user space */
	v.flags = KVM_PROFILE_S_HOST_USER | KVM_PROFILE_S_IN_KVM_RUN;
	v.host_ip = 0x400000;
	synth_sample(s, &v);
	x = g;				/* 4000-4500: an I/O exit, cut short */
	x.time = T0 + 4 * MS;
	x.flags = KVM_PROFILE_S_IN_KVM_RUN | KVM_PROFILE_S_EXIT_VALID;
	x.host_ip = 0xffffffffc0001010ULL;
	x.isa = KVM_PROFILE_ISA_VMX;
	x.exit = 30;
	synth_sample(s, &x);
	/* 4500-7500: preempted; hogA sampled 3 times, then hogB once */
	synth_sched_out(s, T0 + 4500 * US, 0, 0, 101,
			KVM_PROFILE_SCHED_PREEMPTED, 900, "hogA");
	host_task(s, T0 + 5000 * US, "hogA");
	host_task(s, T0 + 5500 * US, "hogA");
	host_task(s, T0 + 6000 * US, "hogA");
	host_task(s, T0 + 7000 * US, "hogB");
	synth_sched_in(s, T0 + 7500 * US, 0, 0, 101);
	u = g;				/* 7500-8500: guest user */
	u.time = T0 + 7500 * US;
	u.flags |= KVM_PROFILE_S_GUEST_USER;
	u.cpl = 3;
	u.rip = 0x401000;
	synth_sample(s, &u);
	/* 8500-10500: halted */
	synth_sched_out(s, T0 + 8500 * US, 0, 0, 101, KVM_PROFILE_SCHED_HALTED,
			0, "swapper/0");
	synth_sched_in(s, T0 + 10500 * US, 0, 0, 101);
	g.time = T0 + 10500 * US;	/* 10500-11500 */
	synth_sample(s, &g);
}

/* vCPU 1: 10 guest kernel samples, the last 5 written first. */
static void vcpu1(struct synth *s)
{
	struct synth_sample g;
	int i;

	for (i = 5; i < 15; i++) {
		g = guest_kernel(T0 + (u64)(i % 10) * MS, 1);
		synth_sample(s, &g);
	}
}

static int write_file(bool late)
{
	static const u32 tids[] = { 101, 102 };
	struct synth_vm vm = {
		.name = "tvm", .pid = 4242, .period_ns = MS, .start_ns = T0,
		.flags = KVM_PROFILE_F_SAMPLES | KVM_PROFILE_F_SCHED,
		.nvcpus = 2, .vcpu_tids = tids,
	};
	struct synth s;

	/* The late file has no host samples: the next task takes the steal. */
	if (!late)
		vm.flags |= KVM_PROFILE_F_HOST_SAMPLES;
	if (synth_open(&s, FILE_P, &vm))
		return -1;
	synth_kallsyms(&s, "ffffffff81200000 T schedule\n"
			   "ffffffffc0001000 t vmx_handle_exit\t[kvm_intel]\n");
	if (late) {
		/*
		 * vCPU 1 halts at 1 s and at 4 s, written first: the walk
		 * passes 1 s before vCPU 0's records, 1 s earlier, come.
		 */
		synth_sched_out(&s, T0 + NSEC_PER_SEC, 1, 1, 102,
				KVM_PROFILE_SCHED_HALTED, 0, "swapper/1");
		synth_sched_in(&s, T0 + NSEC_PER_SEC + MS, 1, 1, 102);
		synth_sched_out(&s, T0 + 4 * NSEC_PER_SEC, 1, 1, 102,
				KVM_PROFILE_SCHED_HALTED, 0, "swapper/1");
		synth_sched_in(&s, T0 + 4 * NSEC_PER_SEC + MS, 1, 1, 102);
		synth_flush(&s);
	}
	vcpu1(&s);
	vcpu0(&s);
	return synth_close(&s, T0 + (late ? 5 * NSEC_PER_SEC : 11500 * US));
}

static char *export(struct analysis *a)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	print_perfetto(a, f);
	fclose(f);
	return out;
}

static int count(const char *s, const char *what)
{
	int n = 0;

	for (; (s = strstr(s, what)); s++)
		n++;
	return n;
}

static void check_slice(const char *out, const char *what, const char *slice)
{
	if (!ok(strstr(out, slice), "%s: %s", what, slice))
		printf("#   not in the trace\n");
}

static void check_trace(bool late)
{
	static const char guest_syms[] = "ffffffff81001000 T guest_func\n";
	const char *what = late ? "late sched records" : "in order";
	struct analysis a;
	char *out;

	ok(write_file(late) == 0, "%s: write the file", what);
	analysis_init(&a, NULL);
	vcpu_states_attach(&a);
	symtab_load_kallsyms(&a.guest.kernel, guest_syms, strlen(guest_syms));
	ok(analysis_load(&a, FILE_P) == 0, "%s: load it", what);
	ok(a.sw.replayed == late, "%s: the sched walk %s", what,
	   late ? "is redone" : "runs once");
	out = export(&a);
	if (getenv("TEST_PERFETTO_DUMP"))	/* to see what a failure saw */
		fputs(out, stderr);
	check_slice(out, what, "{\"ph\":\"M\",\"pid\":4242,\"tid\":0,\"ts\":0,\"name\":\"process_name\",\"args\":{\"name\":\"tvm\"}}");
	check_slice(out, what, "\"pid\":4242,\"tid\":101,\"ts\":0,\"name\":\"thread_name\",\"args\":{\"name\":\"vcpu0\"}}");
	check_slice(out, what, "\"tid\":102,\"ts\":0,\"name\":\"thread_sort_index\",\"args\":{\"sort_index\":1}}");
	check_slice(out, what, "\"tid\":101,\"ts\":0,\"dur\":3000,\"cat\":\"guest\",\"name\":\"guest kernel\"}");
	check_slice(out, what, "\"tid\":101,\"ts\":3000,\"dur\":1000,\"cat\":\"host\",\"name\":\"VMM\"}");
	check_slice(out, what, "\"tid\":101,\"ts\":4000,\"dur\":500,\"cat\":\"host\",\"name\":\"exit: IO_INSTRUCTION\",\"args\":{\"reason\":\"IO_INSTRUCTION\",\"isa\":\"vmx\",\"code\":30}}");
	if (late) {	/* no host samples: the next task takes it all */
		check_slice(out, what, "\"tid\":101,\"ts\":4500,\"dur\":3000,\"cat\":\"steal\",\"name\":\"steal: hogA\",\"args\":{\"culprit\":\"hogA\"}}");
	} else {	/* split as the host samples on the pCPU say, in order */
		check_slice(out, what, "\"tid\":101,\"ts\":4500,\"dur\":2250,\"cat\":\"steal\",\"name\":\"steal: hogA\",\"args\":{\"culprit\":\"hogA\"}}");
		check_slice(out, what, "\"tid\":101,\"ts\":6750,\"dur\":750,\"cat\":\"steal\",\"name\":\"steal: hogB\"");
	}
	check_slice(out, what, "\"tid\":101,\"ts\":7500,\"dur\":1000,\"cat\":\"guest\",\"name\":\"guest user\"}");
	check_slice(out, what, "\"tid\":101,\"ts\":8500,\"dur\":2000,\"cat\":\"halt\",\"name\":\"halted\"}");
	check_slice(out, what, "\"tid\":101,\"ts\":10500,\"dur\":1000,\"cat\":\"guest\",\"name\":\"guest kernel\"}");
	check_slice(out, what, "\"tid\":102,\"ts\":0,\"dur\":10000,\"cat\":\"guest\",\"name\":\"guest kernel\"}");
	check_slice(out, what, "\"tid\":101,\"s\":\"t\",\"ts\":4000.000,\"cat\":\"sample\",\"name\":\"vmx_handle_exit\",\"args\":{\"host\":\"vmx_handle_exit [kvm_intel]\"}}");
	check_slice(out, what, "\"tid\":101,\"s\":\"t\",\"ts\":0.000,\"cat\":\"sample\",\"name\":\"guest_func\",\"args\":{\"guest\":\"guest_func [guest.kernel]\"}}");
	is_u64(count(out, "\"ph\":\"X\",\"pid\":4242,\"tid\":101,"), late ? 7 : 8,
	       late ? "late sched records: vcpu0 has 7 slices" : "in order: vcpu0 has 8 slices");
	is_u64(count(out, "\"ph\":\"X\",\"pid\":4242,\"tid\":102,"), late ? 3 : 1,
	       late ? "late sched records: vcpu1 has 3 slices" : "in order: vcpu1 has 1 slice");
	is_u64(count(out, "\"ph\":\"I\""), 17,
	       late ? "late sched records: an instant per vCPU sample, none for the hogs' 4" :
		      "in order: an instant per vCPU sample, none for the hogs' 4");
	if (late)
		check_slice(out, what, "\"tid\":102,\"ts\":1000000,\"dur\":1000,\"cat\":\"halt\",\"name\":\"halted\"}");
	free(out);
	analysis_free(&a);
}

int main(void)
{
	check_trace(false);
	check_trace(true);
	unlink(FILE_P);
	return tap_done();
}
