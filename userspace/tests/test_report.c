// SPDX-License-Identifier: GPL-2.0
/*
 * Report numbers, exactly: synthesize record streams with known steal,
 * halt, OS/user, exit and symbol content, write them through the data file
 * writer, load them back and check every view.
 */
#include <stddef.h>
#include <unistd.h>

#include "../proto/agent_proto.h"
#include "exit_names.h"
#include "test_common.h"
#include "vm_find.h"

#define FILE_A "test_report_a.data"
#define FILE_B "test_report_b.data"
#define FILE_C "test_report_c.data"

static const char host_kallsyms[] =
	"0000000000000000 A fixed_percpu_data\n"
	"ffffffff81100000 T kvm_emulate_halt\n"
	"ffffffff81200000 T schedule\n"
	"ffffffff81300000 D some_data\n"
	"ffffffffc0001000 t vmx_handle_exit\t[kvm_intel]\n"
	"ffffffffc0002000 t handle_io\t[kvm_amd]\n";

static const char guest_kallsyms[] =
	"ffffffff81001000 T guest_func_a\n"
	"ffffffff81002000 t guest_func_b\n";

#define CR3_PROC 0x1234000ULL
#define CR3_TAGGED (CR3_PROC | 0x5 | 0x1000 | (1ULL << 63))

static void samples(struct synth *s, int n, struct synth_sample in, u64 step)
{
	int i;

	for (i = 0; i < n; i++) {
		synth_sample(s, &in);
		in.time += step;
	}
}

static void vcpu0_samples(struct synth *s)
{
	struct synth_sample g = {
		.time = T0 + 1 * MS, .cpu = 0, .vcpu = 0, .tid = 101,
		.flags = KVM_PROFILE_S_IN_GUEST | KVM_PROFILE_S_GUEST_VALID |
			 KVM_PROFILE_S_IN_KVM_RUN | KVM_PROFILE_S_EXIT_VALID,
		.rip = 0xffffffff81001010ULL, .cr3 = 0x5000,
		.isa = KVM_PROFILE_ISA_VMX, .exit = 48,
	};
	struct synth_sample u = g, h = g, x;

	samples(s, 30, g, MS);
	u.time = T0 + 500 * MS;
	u.flags = KVM_PROFILE_S_IN_GUEST | KVM_PROFILE_S_GUEST_VALID |
		  KVM_PROFILE_S_GUEST_USER;
	u.cpl = 3;
	u.rip = 0x401020;
	u.cr3 = CR3_TAGGED;
	samples(s, 20, u, MS);
	u.rip = 0x402000;
	u.cr3 = 0x9999000;
	samples(s, 2, u, MS);
	h.time = T0 + 600 * MS;
	h.flags = KVM_PROFILE_S_IN_KVM_RUN | KVM_PROFILE_S_EXIT_VALID;
	h.rip = 0;
	h.exit = 30;
	h.host_ip = 0xffffffffc0001010ULL;
	samples(s, 10, h, MS);
	x = h;
	x.flags = KVM_PROFILE_S_IN_KVM_RUN;
	x.host_ip = 0xffffffff80000000ULL;	/* below every host symbol */
	samples(s, 1, x, MS);
	x = g;
	x.flags = KVM_PROFILE_S_IN_GUEST | KVM_PROFILE_S_GUEST_VALID;
	x.rip = 0xffffffff82000000ULL;		/* far past the last guest symbol */
	samples(s, 1, x, MS);
	x.flags = KVM_PROFILE_S_IN_GUEST | KVM_PROFILE_S_GUEST_PROTECTED;
	x.rip = 0;
	samples(s, 1, x, MS);
}

static void vcpu1_samples(struct synth *s)
{
	struct synth_sample g = {
		.time = T0 + 50 * MS, .cpu = 1, .vcpu = 1, .tid = 102,
		.flags = KVM_PROFILE_S_IN_GUEST | KVM_PROFILE_S_GUEST_VALID |
			 KVM_PROFILE_S_EXIT_VALID,
		.rip = 0xffffffff81002008ULL, .isa = KVM_PROFILE_ISA_SVM,
		.exit = 0x78,
	};
	struct synth_sample h = g, o;

	samples(s, 4, g, MS);
	h.flags = KVM_PROFILE_S_IN_KVM_RUN | KVM_PROFILE_S_EXIT_VALID;
	h.host_ip = 0xffffffffc0002004ULL;
	h.exit = 0x7b;
	samples(s, 5, h, MS);
	h.exit = 0x400;
	samples(s, 3, h, MS);
	h.exit = 0x1234;
	samples(s, 1, h, MS);
	o = (struct synth_sample){
		.time = T0 + 80 * MS, .cpu = 3, .vcpu = KVM_PROFILE_NO_VCPU,
		.tid = 555, .flags = KVM_PROFILE_S_HOST_USER,
		.host_ip = 0x401000, .comm = "stress",
	};
	samples(s, 1, o, MS);
}

static void sched_a(struct synth *s)
{
	struct kvm_profile_record_header unk = { .type = 99, .size = 40, .time_ns = T0 };
	u8 raw[40] = { 0 };

	/* Sched-in before its sched-out, as when two CPUs' records interleave. */
	synth_sched_in(s, T0 + 110 * MS, 0, 0, 101);
	synth_sched_out(s, T0 + 100 * MS, 0, 0, 101, KVM_PROFILE_SCHED_PREEMPTED,
			102, "CPU 1/KVM");
	synth_sched_out(s, T0 + 200 * MS, 0, 0, 101, KVM_PROFILE_SCHED_PREEMPTED,
			555, "stress");
	synth_sched_in(s, T0 + 205 * MS, 0, 0, 101);
	synth_sched_out(s, T0 + 300 * MS, 0, 0, 101, KVM_PROFILE_SCHED_HALTED,
			0, "swapper/0");
	synth_sched_in(s, T0 + 304 * MS, 0, 0, 101);
	synth_sched_out(s, T0 + 400 * MS, 1, 1, 102, KVM_PROFILE_SCHED_USERSPACE,
			0, NULL);
	synth_sched_in(s, T0 + 401 * MS, 1, 1, 102);
	synth_sched_out(s, T0 + 700 * MS, 1, 1, 102, KVM_PROFILE_SCHED_PREEMPTED,
			777, "kworker/1:1");
	memcpy(raw, &unk, sizeof(unk));
	synth_raw(s, raw, sizeof(raw));
	synth_lost(s, T0 + 10 * MS, 2, 7);
	synth_lost(s, T0 + 20 * MS, 2, 3);
	synth_lost(s, T0 + 30 * MS, 3, 5);
}

static int write_a(void)
{
	u32 tids[2] = { 101, 102 };
	struct synth_vm vm = {
		.name = "testvm", .pid = 100, .period_ns = MS, .start_ns = T0,
		.flags = KVM_PROFILE_F_SAMPLES | KVM_PROFILE_F_SCHED,
		.nvcpus = 2, .vcpu_tids = tids,
	};
	struct synth s;

	if (synth_open(&s, FILE_A, &vm))
		return -1;
	synth_kallsyms(&s, host_kallsyms);
	vcpu0_samples(&s);
	synth_flush(&s);
	vcpu1_samples(&s);
	sched_a(&s);
	return synth_close(&s, T0 + 1000 * MS);
}

#define QUANTUM_ID "\x51\x75\x61"

/*
 * The guest process 'quantum' as the agent tells of it (the only source of
 * guest processes): CR3_PROC, tgid 77, quantum_toffoli at 0x401000 of
 * its mapping, since before the samples.
 */
static void agent_quantum(struct analysis *a)
{
	const struct vp_cr3_entry e = {
		CR3_PROC, 1, 77, 77, 1, VP_EV_SNAPSHOT, "quantum",
	};
	const struct vp_map m = {
		0x400000, 0x402000, 0, VP_PROT_R | VP_PROT_X | VP_PROT_P,
		3, QUANTUM_ID, "/usr/bin/quantum",
	};
	const struct vp_sym sym = { 0x1000, 0x100, 'T', "quantum_toffoli" };
	const struct vp_hello h = { .page_size = 4096, .release = "test" };
	struct vp_buf b;

	vp_buf_init(&b);
	vp_enc_hello(&b, &h);
	vp_enc_cr3(&b, VP_MSG_CR3_MAP_FULL, &e, 1);
	vp_msg_begin(&b, VP_MSG_PROC_MAPS);
	vp_put_u32(&b, 77);
	vp_put_u32(&b, 1);
	vp_put_map(&b, &m);
	vp_msg_end(&b);
	vp_msg_begin(&b, VP_MSG_SYMBOLS);
	vp_put_build_id(&b, (const uint8_t *)QUANTUM_ID, 3);
	vp_put_u32(&b, 1);
	vp_put_sym(&b, &sym, 0);
	vp_msg_end(&b);
	agent_feed(a, 1, 999, b.data, b.len);
	vp_buf_free(&b);
}

static void setup_guest(struct analysis *a)
{
	symtab_load_kallsyms(&a->guest.kernel, guest_kallsyms,
			     strlen(guest_kallsyms));
	agent_quantum(a);
}

static int load_a(struct analysis *a, const struct filter *f)
{
	analysis_init(a, f);
	setup_guest(a);
	return analysis_load(a, FILE_A);
}

static void check_row(struct table *t, const char *func, const char *mod,
		      u64 want, const char *what)
{
	long r = find_row2(t, 2, func, 3, mod);
	char name[256];

	snprintf(name, sizeof(name), "%s: %s %s = %llu", what, func, mod,
		 (unsigned long long)want);
	is_u64(row_num(t, r, 0), want, name);
}

static void test_unified(void)
{
	struct analysis a;
	struct doc d = { 0 };
	struct table *t;
	char *s;

	ok(load_a(&a, NULL) == 0, "load scenario A");
	is_u64(a.st.unknown, 1, "unknown record type skipped by size");
	is_u64(a.st.malformed, 0, "no malformed records");
	report_unified(&a, &d);
	t = find_table(&d, "vcpu0");
	ok(t != NULL, "unified: vcpu0 table");
	is_str(attr_of(t, "total"), "84", "unified vcpu0 total 84");
	is_str(attr_of(t, "os"), "31", "unified vcpu0 OS 31");
	is_str(attr_of(t, "user"), "22", "unified vcpu0 USER 22");
	is_str(attr_of(t, "steal"), "15", "unified vcpu0 steal 15");
	is_str(attr_of(t, "halt"), "4", "unified vcpu0 halt 4");
	is_str(attr_of(t, "host"), "11", "unified vcpu0 host 11");
	is_str(attr_of(t, "tid"), "101", "unified vcpu0 tid from metadata");
	is_str(t ? t->summary : NULL,
	       "Total samples:84  OS:USER:steal:halt:host = 36.90%:26.19%:17.86%:4.76%:13.10%",
	       "unified vcpu0 summary line");
	check_row(t, "[steal]", "(on vcpu1)", 10, "steal on other vCPU");
	check_row(t, "[steal]", "(outside: stress)", 5, "steal outside");
	check_row(t, "[halt]", "(guest idle)", 4, "halt");
	check_row(t, "guest_func_a", "[guest.kernel]", 30, "guest kernel symbol");
	check_row(t, "quantum_toffoli", "quantum", 20, "guest user symbol via masked CR3");
	check_row(t, "[unknown] 0x402000", "[cr3 0x9999000: no process then]", 2,
		  "guest user sample on a CR3 the agent never named kept");
	check_row(t, "[unknown] 0xffffffff82000000", "[guest.kernel]", 1,
		  "unknown guest kernel kept");
	check_row(t, "vmx_handle_exit", "[kvm_intel]", 10, "host kallsyms module symbol");
	check_row(t, "[unknown] 0xffffffff80000000", "[kernel.kallsyms]", 1,
		  "unknown host kernel address kept");
	check_row(t, "[protected]", "[guest]", 1, "protected guest sample");
	is_str(row_str(t, find_row2(t, 2, "guest_func_a", -1, NULL), 1), "35.71",
	       "ratio of guest_func_a");
	is_str(row_str(t, 0, 2), "guest_func_a", "rows sorted by samples");
	t = find_table(&d, "vcpu1");
	is_str(attr_of(t, "total"), "313", "unified vcpu1 total 313");
	check_row(t, "[steal]", "(outside: kworker/1:1)", 300,
		  "open interval closed at recording end");
	check_row(t, "handle_io", "[kvm_amd]", 9, "vcpu1 host samples");
	check_row(t, "guest_func_b", "[guest.kernel]", 4, "vcpu1 guest symbol");
	s = doc_string(&d, FMT_FOLDED);
	ok(strstr(s, "testvm;vcpu0;quantum;quantum_toffoli 20\n") != NULL,
	   "folded stack line");
	ok(strstr(s, "testvm;vcpu0;[steal];(on_vcpu1) 10\n") != NULL,
	   "folded steal line: [steal] one block per vCPU, culprits above");
	ok(strstr(s, "testvm;vcpu0;[halt];(guest_idle) 4\n") != NULL,
	   "folded halt line: [halt] below its cause");
	free(s);
	s = doc_string(&d, FMT_JSON);
	ok(strstr(s, "{\"samples\":30,\"ratio\":35.71,\"function\":\"guest_func_a\",\"module\":\"[guest.kernel]\"}") != NULL,
	   "json row");
	ok(strstr(s, "\"total\":84") != NULL, "json vcpu total");
	free(s);
	s = doc_string(&d, FMT_CSV);
	ok(strstr(s, "table,samples,ratio,function,module\n") != NULL, "csv header");
	ok(strstr(s, "vcpu0 (tid 101),30,35.71,guest_func_a,[guest.kernel]\n") != NULL,
	   "csv row");
	free(s);
	s = doc_string(&d, FMT_TEXT);
	ok(strstr(s, "     10 |  11.90 | [steal]                      (on vcpu1)\n") != NULL,
	   "text row in thesis layout");
	free(s);
	doc_free(&d);
	analysis_free(&a);
}

static void test_host(void)
{
	struct analysis a;
	struct doc d = { 0 };
	struct table *t;

	load_a(&a, NULL);
	report_host(&a, &d);
	t = find_table(&d, "host");
	is_str(attr_of(t, "total"), "79", "host view total 79");
	check_row(t, "[testvm]", "(VM)", 58, "host view: VM as one row");
	check_row(t, "vmx_handle_exit", "[kvm_intel]", 10, "host view: kvm_intel");
	check_row(t, "handle_io", "[kvm_amd]", 9, "host view: kvm_amd");
	check_row(t, "[unknown] 0x401000", "[host:stress]", 1,
		  "host view: other task, user address");
	doc_free(&d);
	analysis_free(&a);
}

static void check_exit(struct table *t, const char *isa, const char *name,
		       u64 host, u64 guest)
{
	long r = find_row2(t, 0, isa, 1, name);
	char what[128];

	snprintf(what, sizeof(what), "exits: %s %s host samples %llu", isa, name,
		 (unsigned long long)host);
	is_u64(row_num(t, r, 3), host, what);
	snprintf(what, sizeof(what), "exits: %s %s guest samples %llu", isa, name,
		 (unsigned long long)guest);
	is_u64(row_num(t, r, 6), guest, what);
}

static void test_exits(void)
{
	struct analysis a;
	struct doc d = { 0 };
	struct table *t;
	long r;

	load_a(&a, NULL);
	report_exits(&a, &d);
	t = find_table(&d, "exit reasons");
	is_str(attr_of(t, "host_samples"), "19", "exits: 19 host samples");
	check_exit(t, "vmx", "IO_INSTRUCTION", 10, 0);
	check_exit(t, "vmx", "EPT_VIOLATION", 0, 30);
	check_exit(t, "svm", "io", 5, 0);
	check_exit(t, "svm", "npf", 3, 0);
	check_exit(t, "svm", "hlt", 0, 4);
	check_exit(t, "svm", "UNKNOWN_0x1234", 1, 0);
	is_str(row_str(t, find_row2(t, 1, "IO_INSTRUCTION", -1, NULL), 4), "10.000",
	       "exits: host time of IO_INSTRUCTION");
	is_str(row_str(t, find_row2(t, 1, "IO_INSTRUCTION", -1, NULL), 5), "52.63",
	       "exits: share of IO_INSTRUCTION");
	is_str(row_str(t, 0, 1), "IO_INSTRUCTION", "exits sorted by host samples");
	t = find_table(&d, "exit handlers");
	ok(t && t->nrows == 4, "exit handlers: one row per (reason, function)");
	r = find_row2(t, 0, "IO_INSTRUCTION", 3, "vmx_handle_exit");
	is_u64(row_num(t, r, 1), 10, "exit handlers: IO_INSTRUCTION in vmx_handle_exit");
	is_str(row_str(t, r, 2), "100.00", "exit handlers: all of IO_INSTRUCTION's samples");
	is_str(row_str(t, r, 4), "[kvm_intel]", "exit handlers: module");
	r = find_row2(t, 0, "io", 3, "handle_io");
	is_u64(row_num(t, r, 1), 5, "exit handlers: svm io in handle_io");
	r = find_row2(t, 0, "npf", 3, "handle_io");
	is_u64(row_num(t, r, 1), 3, "exit handlers: npf kept apart from io");
	is_str(row_str(t, 0, 0), "IO_INSTRUCTION", "exit handlers in exit-reason order");
	doc_free(&d);
	analysis_free(&a);
}

static void test_steal_view(void)
{
	struct analysis a;
	struct doc d = { 0 };
	struct table *t;
	long r;

	load_a(&a, NULL);
	report_steal(&a, &d);
	t = find_table(&d, "vcpu0");
	r = find_row2(t, 0, "[steal] (on vcpu1)", -1, NULL);
	is_str(row_str(t, r, 2), "10.000", "steal view: 10 ms on vcpu1");
	is_u64(row_num(t, r, 1), 1, "steal view: one interval");
	r = find_row2(t, 0, "[steal] (outside: stress)", -1, NULL);
	is_str(row_str(t, r, 2), "5.000", "steal view: 5 ms outside");
	r = find_row2(t, 0, "[halt]", -1, NULL);
	is_str(row_str(t, r, 2), "4.000", "steal view: 4 ms halt");
	is_str(row_str(t, r, 3), "0.40", "steal view: halt share of wall");
	is_str(attr_of(t, "steal_ms"), "15.000", "steal view: vcpu0 steal total");
	t = find_table(&d, "vcpu1");
	is_str(attr_of(t, "steal_ms"), "300.000",
	       "steal view: USERSPACE exit is not steal");
	doc_free(&d);
	analysis_free(&a);
}

static void test_lost(void)
{
	struct analysis a;
	struct agg_key k = { .a = 2 };

	load_a(&a, NULL);
	is_u64(a.lost_total, 15, "lost: 15 records in total");
	is_u64(a.st.lost_records, 3, "lost: 3 LOST records");
	is_u64(agg_get(&a.lost_agg, &k)->v1, 10, "lost: cpu2 accumulates 7+3");
	k.a = 3;
	is_u64(agg_get(&a.lost_agg, &k)->v1, 5, "lost: cpu3 5");
	analysis_free(&a);
}

static void test_filters(void)
{
	struct filter f = { .vcpu = 1, .pid = -1 };
	struct analysis a;
	struct doc d = { 0 };
	struct table *t;

	load_a(&a, &f);
	report_unified(&a, &d);
	ok(!find_table(&d, "vcpu0") && find_table(&d, "vcpu1"),
	   "--vcpu 1 shows only vcpu1");
	doc_free(&d);
	analysis_free(&a);

	f = (struct filter){ .vcpu = -1, .pid = -1, .has_from = true,
			     .from_s = 0.1, .has_to = true, .to_s = 0.105 };
	load_a(&a, &f);
	report_unified(&a, &d);
	t = find_table(&d, "vcpu0");
	is_str(attr_of(t, "total"), "5", "time window clips steal interval to 5 ms");
	check_row(t, "[steal]", "(on vcpu1)", 5, "clipped steal row");
	doc_free(&d);
	doc_header(&a, &d, FILE_A, "unified");
	is_str(header_of(&d, "duration_ms"), "5.000",
	       "header duration is the --time-from..--time-to window");
	doc_free(&d);
	analysis_free(&a);

	f = (struct filter){ .vcpu = -1, .pid = -1, .has_from = true, .from_s = 0.9 };
	load_a(&a, &f);
	doc_header(&a, &d, FILE_A, "unified");
	is_str(header_of(&d, "duration_ms"), "100.000",
	       "header duration starts at --time-from");
	doc_free(&d);
	analysis_free(&a);

	f = (struct filter){ .vcpu = -1, .pid = -1, .comm = "stress" };
	load_a(&a, &f);
	report_host(&a, &d);
	t = find_table(&d, "host");
	is_str(attr_of(t, "total"), "1", "--comm stress keeps one sample");
	doc_free(&d);
	analysis_free(&a);

	f = (struct filter){ .vcpu = -1, .pid = 555 };
	load_a(&a, &f);
	is_u64(a.samples_total, 1, "--pid 555 keeps one sample");
	analysis_free(&a);
}

static int write_b(void)
{
	u32 tids[2] = { 101, 102 };
	struct synth_vm vm = {
		.name = "splitvm", .pid = 100, .period_ns = MS, .start_ns = T0,
		.flags = KVM_PROFILE_F_SAMPLES | KVM_PROFILE_F_SCHED |
			 KVM_PROFILE_F_HOST_SAMPLES,
		.nvcpus = 2, .vcpu_tids = tids,
	};
	struct synth_sample kw = {
		.time = T0 + 101 * MS, .cpu = 1, .vcpu = KVM_PROFILE_NO_VCPU,
		.tid = 600, .host_ip = 0xffffffff81200010ULL, .comm = "kworker/1:0",
	};
	struct synth_sample v1 = {
		.time = T0 + 107 * MS, .cpu = 1, .vcpu = 1, .tid = 102,
		.flags = KVM_PROFILE_S_IN_GUEST | KVM_PROFILE_S_GUEST_VALID,
		.rip = 0xffffffff81001000ULL,
	};
	struct synth_sample self = v1, other = kw;
	struct synth s;

	if (synth_open(&s, FILE_B, &vm))
		return -1;
	synth_sched_out(&s, T0 + 100 * MS, 1, 0, 101, KVM_PROFILE_SCHED_PREEMPTED,
			555, "stress");
	samples(&s, 6, kw, MS);
	samples(&s, 3, v1, MS);
	v1.time = T0 + 109 * MS + MS / 2;
	samples(&s, 1, v1, MS);
	self.vcpu = 0;
	self.tid = 101;
	self.time = T0 + 105 * MS;
	samples(&s, 1, self, MS);
	other.cpu = 2;
	samples(&s, 5, other, MS);	/* another pCPU: not a culprit */
	synth_sched_in(&s, T0 + 110 * MS, 1, 0, 101);
	return synth_close(&s, T0 + 200 * MS);
}

static void test_split(void)
{
	struct analysis a;
	struct doc d = { 0 };
	struct table *t;

	analysis_init(&a, NULL);
	ok(analysis_load(&a, FILE_B) == 0, "load scenario B (host samples)");
	report_steal(&a, &d);
	t = find_table(&d, "vcpu0");
	is_str(row_str(t, find_row2(t, 0, "[steal] (outside: kworker/1:0)", -1, NULL), 2),
	       "6.000", "host-sample split: 6 ms to kworker");
	is_str(row_str(t, find_row2(t, 0, "[steal] (on vcpu1)", -1, NULL), 2),
	       "4.000", "host-sample split: 4 ms to vcpu1");
	ok(find_row2(t, 0, "[steal] (outside: stress)", -1, NULL) < 0,
	   "host-sample split replaces the next-task guess");
	doc_free(&d);
	analysis_free(&a);
}

#define FILE_H "test_report_h.data"

/*
 * An opener without CAP_PERFMON gets sched-outs whose next task is hidden
 * (zero next_*, KVM_PROFILE_S_NEXT_HIDDEN): the steal is the hidden task's,
 * not "unknown", and never a task named "" or by a comm a host task chose.
 */
static void test_next_hidden(void)
{
	u32 tids[1] = { 101 };
	struct synth_vm vm = {
		.name = "ownvm", .pid = 100, .period_ns = MS, .start_ns = T0,
		.flags = KVM_PROFILE_F_SCHED, .nvcpus = 1, .vcpu_tids = tids,
	};
	struct analysis a;
	struct doc d = { 0 };
	struct table *t;
	struct synth s;
	long r;

	ok(synth_open(&s, FILE_H, &vm) == 0, "write scenario H (hidden next task)");
	synth_sched_out_hidden(&s, T0 + 100 * MS, 1, 0, 101);
	synth_sched_in(&s, T0 + 107 * MS, 1, 0, 101);
	synth_close(&s, T0 + 200 * MS);

	analysis_init(&a, NULL);
	ok(analysis_load(&a, FILE_H) == 0, "load scenario H");
	report_steal(&a, &d);
	t = find_table(&d, "vcpu0");
	r = find_row2(t, 0, "[steal] (outside: [hidden: needs CAP_PERFMON])", -1, NULL);
	ok(r >= 0, "hidden next task: its own culprit row");
	is_str(row_str(t, r, 2), "7.000", "hidden next task: 7 ms of steal");
	doc_free(&d);
	analysis_free(&a);
	unlink(FILE_H);
}

/*
 * Scenario C: two vCPUs take turns on pCPU 1, and their records carry
 * run_delay (ms below).  vCPU 0 waits 5 ms after a BLOCKED sched-out and
 * 3 ms after a halt, both behind vCPU 1, which hands the pCPU over; vCPU 1
 * waits 4 ms while outside KVM_RUN (vCPU 0 hands over, halting), 2 ms
 * after a BLOCKED sched-out with no next task and no handoff, and 2 ms
 * after a BLOCKED sched-out that left the pCPU to "stress".  vCPU 2 has
 * records of the series' first version, without run_delay.  vCPU 3's
 * run_delay goes back, then grows 10 s in 10 ms, as only a damaged file
 * can say.
 */
static void sched_c_vcpu0_1(struct synth *s)
{
	synth_sched_in_rd(s, T0, 1, 0, 101, 0);
	synth_sched_out_rd(s, T0 + 10 * MS, 1, 0, 101, KVM_PROFILE_SCHED_BLOCKED,
			   0, NULL, 0);
	synth_sched_in_rd(s, T0 + 10 * MS, 1, 1, 102, 0);
	synth_sched_out_rd(s, T0 + 20 * MS, 1, 1, 102, KVM_PROFILE_SCHED_PREEMPTED,
			   101, "CPU n/KVM", 0);
	synth_sched_in_rd(s, T0 + 20 * MS, 1, 0, 101, 5 * MS);
	synth_sched_out_rd(s, T0 + 30 * MS, 1, 0, 101, KVM_PROFILE_SCHED_PREEMPTED,
			   102, "CPU n/KVM", 5 * MS);
	synth_sched_in_rd(s, T0 + 30 * MS, 1, 1, 102, 10 * MS);
	synth_sched_out_rd(s, T0 + 35 * MS, 1, 1, 102, KVM_PROFILE_SCHED_USERSPACE,
			   0, NULL, 10 * MS);
	synth_sched_in_rd(s, T0 + 35 * MS, 1, 0, 101, 10 * MS);
	synth_sched_out_rd(s, T0 + 48 * MS, 1, 0, 101, KVM_PROFILE_SCHED_HALTED,
			   102, "CPU n/KVM", 10 * MS);
	synth_sched_in_rd(s, T0 + 50 * MS, 1, 1, 102, 14 * MS);
	synth_sched_out_rd(s, T0 + 70 * MS, 1, 1, 102, KVM_PROFILE_SCHED_PREEMPTED,
			   101, "CPU n/KVM", 14 * MS);
	synth_sched_in_rd(s, T0 + 70 * MS, 1, 0, 101, 13 * MS);
	synth_sched_out_rd(s, T0 + 80 * MS, 1, 0, 101, KVM_PROFILE_SCHED_USERSPACE,
			   0, NULL, 13 * MS);
	synth_sched_in_rd(s, T0 + 80 * MS, 1, 1, 102, 24 * MS);
	synth_sched_out_rd(s, T0 + 85 * MS, 1, 1, 102, KVM_PROFILE_SCHED_BLOCKED,
			   0, NULL, 24 * MS);
	synth_sched_in_rd(s, T0 + 90 * MS, 1, 1, 102, 26 * MS);
	synth_sched_out_rd(s, T0 + 92 * MS, 1, 1, 102, KVM_PROFILE_SCHED_BLOCKED,
			   555, "stress", 26 * MS);
	synth_sched_in_rd(s, T0 + 97 * MS, 1, 1, 102, 28 * MS);
}

static void sched_c_old_vcpu2(struct synth *s)
{
	struct kvm_profile_sched_out o = { 0 };
	struct kvm_profile_sched_in in = { 0 };

	o.hdr.type = KVM_PROFILE_RECORD_SCHED_OUT;
	o.hdr.size = offsetof(struct kvm_profile_sched_out, run_delay_ns);
	o.hdr.cpu = 2;
	o.hdr.time_ns = T0 + 10 * MS;
	o.vcpu_id = 2;
	o.reason = KVM_PROFILE_SCHED_PREEMPTED;
	o.tid = 103;
	o.next_tid = 555;
	memcpy(o.next_comm, "stress", 7);
	synth_raw(s, &o, o.hdr.size);
	in.hdr.type = KVM_PROFILE_RECORD_SCHED_IN;
	in.hdr.size = offsetof(struct kvm_profile_sched_in, run_delay_ns);
	in.hdr.cpu = 2;
	in.hdr.time_ns = T0 + 15 * MS;
	in.vcpu_id = 2;
	in.tid = 103;
	synth_raw(s, &in, in.hdr.size);
}

static void sched_c_bad_vcpu3(struct synth *s)
{
	synth_sched_in_rd(s, T0 + 10 * MS, 3, 3, 104, 100 * MS);
	synth_sched_out_rd(s, T0 + 20 * MS, 3, 3, 104, KVM_PROFILE_SCHED_BLOCKED,
			   0, NULL, 50 * MS);
	synth_sched_in_rd(s, T0 + 30 * MS, 3, 3, 104, 10000 * MS);
}

static int write_c(void)
{
	u32 tids[4] = { 101, 102, 103, 104 };
	struct synth_vm vm = {
		.name = "waitvm", .pid = 100, .period_ns = MS, .start_ns = T0,
		.flags = KVM_PROFILE_F_SCHED, .nvcpus = 4, .vcpu_tids = tids,
	};
	struct synth s;

	if (synth_open(&s, FILE_C, &vm))
		return -1;
	sched_c_vcpu0_1(&s);
	sched_c_old_vcpu2(&s);
	sched_c_bad_vcpu3(&s);
	return synth_close(&s, T0 + 100 * MS);
}

static void check_steal_row(struct table *t, const char *row, u64 ivs,
			    const char *ms, const char *what)
{
	long r = find_row2(t, 0, row, -1, NULL);
	char name[160];

	ok(r >= 0, "%s: row %s", what, row);
	snprintf(name, sizeof(name), "%s: intervals", what);
	is_u64(row_num(t, r, 1), ivs, name);
	snprintf(name, sizeof(name), "%s: ms", what);
	is_str(row_str(t, r, 2), ms, name);
}

static void test_run_delay(void)
{
	struct analysis a;
	struct doc d = { 0 };
	struct table *t;

	analysis_init(&a, NULL);
	ok(analysis_load(&a, FILE_C) == 0, "load scenario C (run_delay)");
	is_u64(a.st.malformed, 0, "records without run_delay are not malformed");
	report_steal(&a, &d);
	t = find_table(&d, "vcpu0");
	check_steal_row(t, "[steal] (on vcpu1)", 3, "13.000",
			"vcpu0: waits after a block and a halt, and a preemption");
	is_str(attr_of(t, "steal_ms"), "13.000", "vcpu0: steal total");
	is_str(attr_of(t, "halt_ms"), "19.000", "vcpu0: halt ends where the wait starts");
	is_str(attr_of(t, "run_delay_ms"), "13.000", "vcpu0: the kernel's run_delay beside it");
	t = find_table(&d, "vcpu1");
	check_steal_row(t, "[steal] (on vcpu0)", 3, "24.000",
			"vcpu1: two preemptions and a wait outside KVM_RUN");
	check_steal_row(t, "[steal] (outside: unknown)", 1, "2.000",
			"vcpu1: a wait nobody handed over");
	check_steal_row(t, "[steal] (outside: stress)", 1, "2.000",
			"vcpu1: a wait behind the task it blocked for");
	is_str(attr_of(t, "steal_ms"), "28.000", "vcpu1: steal total");
	is_str(attr_of(t, "run_delay_ms"), "28.000", "vcpu1: the kernel's run_delay");
	t = find_table(&d, "vcpu2");
	check_steal_row(t, "[steal] (outside: stress)", 1, "5.000",
			"vcpu2: first-version records still give steal");
	is_str(attr_of(t, "run_delay_ms"), "(none)", "vcpu2: no run_delay without it");
	t = find_table(&d, "vcpu3");
	check_steal_row(t, "[steal] (outside: unknown)", 1, "10.000",
			"vcpu3: run_delay growth past the time between records");
	is_str(attr_of(t, "steal_ms"), "10.000", "vcpu3: steal at most the elapsed time");
	is_str(attr_of(t, "run_delay_ms"), "10.000",
	       "vcpu3: run_delay that goes back or outruns time is clamped");
	doc_free(&d);
	analysis_free(&a);
}

static void test_timeline(void)
{
	struct analysis a;
	struct doc d = { 0 };
	struct table *t;
	long r;

	analysis_init(&a, NULL);
	timeline_attach(&a, T0, 100 * MS, 2);
	analysis_load(&a, FILE_B);
	report_timeline(&a, &d);
	t = find_table(&d, "timeline");
	is_str(row_str(t, find_row2(t, 0, "1", -1, NULL), 1), ".*",
	       "timeline: pCPU1 second bucket is mostly a host task");
	t = find_table(&d, "legend");
	r = find_row2(t, 0, "1", 2, "(outside: kworker/1:0)");
	is_u64(row_num(t, r, 3), 6, "timeline legend: kworker 6 samples on pCPU1");
	r = find_row2(t, 0, "1", 2, "(on vcpu1)");
	is_str(row_str(t, r, 1), "1", "timeline legend: vcpu1 char");
	doc_free(&d);
	analysis_free(&a);
}

static void test_timeline_sched(void)
{
	struct analysis a;
	struct doc d = { 0 };
	struct table *t;

	analysis_init(&a, NULL);
	timeline_attach(&a, T0, 100 * MS, 10);
	analysis_load(&a, FILE_A);
	report_timeline(&a, &d);
	t = find_table(&d, "timeline");
	is_str(row_str(t, find_row2(t, 0, "0", -1, NULL), 1), "01*..00...",
	       "timeline: pCPU0 runs vcpu0, then vcpu1 and stress while vcpu0 is preempted");
	is_str(row_str(t, find_row2(t, 0, "1", -1, NULL), 1), "1......***",
	       "timeline: pCPU1 runs vcpu1, then kworker after its preemption");
	doc_free(&d);
	analysis_free(&a);
}

#define FILE_T "test_report_t.data"

/*
 * 100 ms of vcpu0 on pCPU 0 and a host task on pCPU 1, vcpu0 preempted
 * by "stress" from 40 to 60 ms; the END chunk says @stop (0: none).
 */
static int write_t(u64 stop)
{
	static const u32 tids[] = { 101 };
	struct synth_vm vm = {
		.name = "tlvm", .pid = 100, .period_ns = MS, .start_ns = T0,
		.flags = KVM_PROFILE_F_SAMPLES | KVM_PROFILE_F_SCHED,
		.nvcpus = 1, .vcpu_tids = tids,
	};
	struct synth_sample g = {
		.time = T0, .cpu = 0, .vcpu = 0, .tid = 101,
		.flags = KVM_PROFILE_S_IN_GUEST | KVM_PROFILE_S_GUEST_VALID,
		.rip = 0xffffffff81001000ULL,
	};
	struct synth_sample h = {
		.time = T0, .cpu = 1, .vcpu = KVM_PROFILE_NO_VCPU, .tid = 600,
		.host_ip = 0xffffffff81200010ULL, .comm = "kworker/1:0",
	};
	struct synth s;

	if (synth_open(&s, FILE_T, &vm))
		return -1;
	samples(&s, 40, g, MS);
	synth_sched_out(&s, T0 + 40 * MS, 0, 0, 101, KVM_PROFILE_SCHED_PREEMPTED,
			555, "stress");
	synth_sched_in(&s, T0 + 60 * MS, 0, 0, 101);
	g.time = T0 + 60 * MS;
	samples(&s, 40, g, MS);
	samples(&s, 100, h, MS);
	return synth_close(&s, stop);
}

/* The timeline of FILE_T with --width 7, as the report lays it out. */
static char *timeline_of(const struct filter *f, bool prepared)
{
	struct report_opts o = { .input = FILE_T, .width = 7, .f = *f };
	struct analysis a;
	struct doc d = { 0 };
	u64 begin, end;
	char *s;

	analysis_init(&a, f);
	if (prepared) {
		timeline_prepare(&a, &o);
	} else {
		/* the window the whole file gives: the two-pass layout */
		analysis_load(&a, FILE_T);
		begin = analysis_window_begin_ns(&a);
		end = analysis_end_ns(&a);
		analysis_free(&a);
		analysis_init(&a, f);
		timeline_attach(&a, begin, (end - begin + 6) / 7, 7);
	}
	analysis_load(&a, FILE_T);
	report_timeline(&a, &d);
	s = doc_string(&d, FMT_TEXT);
	doc_free(&d);
	analysis_free(&a);
	return s;
}

/*
 * timeline_prepare() lays the buckets out from the file's META and END
 * chunks alone; where the records go past the END's stop, or there is no
 * END, the timeline is still the one over the window of all records.
 */
static void test_timeline_window(void)
{
	static const struct { u64 stop; const char *what; } ends[] = {
		{ T0 + 100 * MS, "END after the last record" },
		{ T0 + 30 * MS, "records after END" },
		{ 0, "no END" },
	};
	struct filter all = { .vcpu = -1, .pid = -1 };
	struct filter to = { .vcpu = -1, .pid = -1, .has_to = true, .to_s = 0.07 };
	char *got, *want;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ends); i++) {
		ok(write_t(ends[i].stop) == 0, "timeline window: %s: file written",
		   ends[i].what);
		got = timeline_of(&all, true);
		want = timeline_of(&all, false);
		ok(!strcmp(got, want) && strstr(got, "000*000") &&
		   strstr(got, "(outside: stress)"),
		   "timeline window: %s: as laid out over all records", ends[i].what);
		free(got);
		free(want);
		got = timeline_of(&to, true);
		want = timeline_of(&to, false);
		ok(!strcmp(got, want), "timeline window: %s, --time-to 0.07: the same",
		   ends[i].what);
		free(got);
		free(want);
	}
	unlink(FILE_T);
}

/* A function of this binary for the VMM-symbol test to find. */
__attribute__((noinline)) int vmprof_test_marker(int x);
__attribute__((noinline)) int vmprof_test_marker(int x)
{
	return x * 3 + 1;
}

#define FILE_E "test_report_e.data"

#define FILE_S "test_report_s.data"
/*
 * A recorder that opens the profile before it takes its start time (every
 * vmprofctl before 2026-11-30; in a slow host, 2.3 s before) leaves records
 * older than START_NS.  The window begins at START_NS, so they must not
 * count: here 20 samples before it and a preemption from 20 to 80 ms
 * across it (start at 50 ms, stop at 100 ms).  Before this was clipped the
 * steal view said 60 ms, 120% of the 50 ms wall, and 40 samples.
 */
static void test_before_start(void)
{
	static const u32 tids[] = { 101 };
	struct synth_vm vm = {
		.name = "earlyvm", .pid = 100, .period_ns = MS,
		.start_ns = T0 + 50 * MS,
		.flags = KVM_PROFILE_F_SAMPLES | KVM_PROFILE_F_SCHED,
		.nvcpus = 1, .vcpu_tids = tids,
	};
	struct synth_sample g = {
		.time = T0, .cpu = 0, .vcpu = 0, .tid = 101,
		.flags = KVM_PROFILE_S_IN_GUEST | KVM_PROFILE_S_GUEST_VALID,
		.rip = 0xffffffff81001000ULL,
	};
	struct filter from0 = { .vcpu = -1, .pid = -1, .has_from = true };
	struct doc d = { 0 }, d0 = { 0 };
	struct analysis a, a0;
	struct table *t, *t0;
	struct synth s;

	ok(synth_open(&s, FILE_S, &vm) == 0, "before start: file opened");
	samples(&s, 20, g, MS);
	synth_sched_out(&s, T0 + 20 * MS, 0, 0, 101, KVM_PROFILE_SCHED_PREEMPTED,
			555, "stress");
	synth_sched_in(&s, T0 + 80 * MS, 0, 0, 101);
	g.time = T0 + 80 * MS;
	samples(&s, 20, g, MS);
	ok(synth_close(&s, T0 + 100 * MS) == 0, "before start: file written");

	analysis_init(&a, NULL);
	ok(analysis_load(&a, FILE_S) == 0, "before start: loads");
	report_steal(&a, &d);
	t = find_table(&d, "vcpu0");
	is_str(attr_of(t, "steal_ms"), "30.000",
	       "before start: steal counts from START_NS (30 of the 60 ms wait)");
	ok(t && strstr(t->summary, "(60.00% of wall)"),
	   "before start: steal is 60%% of the 50 ms wall (%s)",
	   t ? t->summary : "no vcpu0 table");
	is_u64(a.samples_total, 20, "before start: the 20 samples before it are left out");

	analysis_init(&a0, &from0);
	ok(analysis_load(&a0, FILE_S) == 0, "before start: loads with --time-from 0");
	report_steal(&a0, &d0);
	t0 = find_table(&d0, "vcpu0");
	ok(t && t0 && !strcmp(t->summary, t0->summary) &&
	   a.samples_total == a0.samples_total,
	   "before start: the same as --time-from 0");
	doc_free(&d);
	doc_free(&d0);
	analysis_free(&a);
	analysis_free(&a0);
	unlink(FILE_S);
}

static void test_host_elf(void)
{
	struct synth_vm vm = { .name = "elfvm", .pid = (u32)getpid(),
			       .period_ns = MS, .start_ns = T0, .flags = 3 };
	struct synth_sample h = {
		.time = T0 + MS, .vcpu = 0, .tid = (u32)getpid(),
		.flags = KVM_PROFILE_S_HOST_USER | KVM_PROFILE_S_IN_KVM_RUN,
		.host_ip = (u64)(uintptr_t)vmprof_test_marker + 4,
		.comm = "CPU 0/KVM",
	};
	struct analysis a;
	struct doc d = { 0 };
	struct table *t;
	struct buf b = { 0 };
	struct synth s;
	size_t len;
	char *maps;

	if (!libelf_available) {
		ok(1, "# skip built without libelf");
		return;
	}
	maps = host_maps_snapshot(getpid(), &len);
	ok(maps && strstr(maps, "test_report"), "snapshot of our executable mappings");
	synth_open(&s, FILE_E, &vm);
	meta_put(&b, DF_META_VMM_MAPS, maps, (u32)len);
	df_write_chunk(&s.w, DF_CHUNK_META, b.data, (u32)b.len);
	synth_sample(&s, &h);
	synth_sample(&s, &h);
	synth_close(&s, T0 + 10 * MS);
	buf_free(&b);
	free(maps);
	analysis_init(&a, NULL);
	analysis_load(&a, FILE_E);
	report_unified(&a, &d);
	t = find_table(&d, "vcpu0");
	is_u64(row_num(t, find_row2(t, 2, "vmprof_test_marker", 3, "test_report"), 0), 2,
	       "VMM user IP resolved through recorded maps and libelf");
	doc_free(&d);
	analysis_free(&a);
	unlink(FILE_E);
	(void)vmprof_test_marker(1);
}

static void test_names(void)
{
	char buf[32];

	is_str(exit_reason_name(KVM_PROFILE_ISA_VMX, 10), "CPUID", "VMX 10 CPUID");
	is_str(exit_reason_name(KVM_PROFILE_ISA_VMX, 12), "HLT", "VMX 12 HLT");
	is_str(exit_reason_name(KVM_PROFILE_ISA_VMX, 30), "IO_INSTRUCTION",
	       "VMX 30 IO_INSTRUCTION");
	is_str(exit_reason_name(KVM_PROFILE_ISA_VMX, 48), "EPT_VIOLATION",
	       "VMX 48 EPT_VIOLATION");
	is_str(exit_reason_name(KVM_PROFILE_ISA_VMX, 0x80000021), "INVALID_STATE",
	       "VMX flag bits ignored");
	is_str(exit_reason_name(KVM_PROFILE_ISA_SVM, 0x60), "interrupt", "SVM 0x60");
	is_str(exit_reason_name(KVM_PROFILE_ISA_SVM, 0x72), "cpuid", "SVM 0x72");
	is_str(exit_reason_name(KVM_PROFILE_ISA_SVM, 0x78), "hlt", "SVM 0x78");
	is_str(exit_reason_name(KVM_PROFILE_ISA_SVM, 0x7b), "io", "SVM 0x7b");
	is_str(exit_reason_name(KVM_PROFILE_ISA_SVM, 0x81), "hypercall", "SVM 0x81");
	is_str(exit_reason_name(KVM_PROFILE_ISA_SVM, 0x4e), "PF excp", "SVM 0x4e PF exception");
	is_str(exit_reason_name(KVM_PROFILE_ISA_SVM, (u64)-1), "invalid_guest_state", "SVM -1");
	is_str(exit_reason_name(KVM_PROFILE_ISA_SVM, 0x400), "npf", "SVM 0x400");
	is_str(exit_reason_str(KVM_PROFILE_ISA_SVM, 0x999, buf, sizeof(buf)),
	       "UNKNOWN_0x999", "unknown exit code shown with its number");
	ok(exit_reason_name(KVM_PROFILE_ISA_NONE, 12) == NULL, "ISA none has no names");
}

static void test_symbols(void)
{
	struct symtab t;
	const struct sym *s;

	is_u64(guest_cr3_key(CR3_TAGGED), CR3_PROC | 0x1000,
	       "CR3 key: PCID and bit 63 cleared, bit 12 kept");
	is_u64(guest_cr3_key(0x1234fffULL | (7ULL << 61)), CR3_PROC,
	       "CR3 mask: bits 11:0 and 63:61");
	is_u64(guest_cr3_key(0x2000), 0x2000, "CR3 mask keeps bit 13");
	symtab_init(&t);
	is_u64(symtab_load_kallsyms(&t, host_kallsyms, strlen(host_kallsyms)), 4,
	       "kallsyms: text symbols only, zero addresses dropped");
	s = symtab_find(&t, 0xffffffffc0001fffULL);
	is_str(s ? symtab_str(&t, s->name) : NULL, "vmx_handle_exit",
	       "symbol lookup inside a function");
	is_str(s ? symtab_str(&t, s->module) : NULL, "[kvm_intel]", "module of symbol");
	s = symtab_find(&t, 0xffffffff81100000ULL);
	is_str(s ? symtab_str(&t, s->module) : NULL, "[kernel.kallsyms]",
	       "core kernel module name");
	ok(symtab_find(&t, 0xffffffff81000000ULL) == NULL, "below first symbol: unknown");
	ok(symtab_find(&t, 0xffffffffc1000000ULL) == NULL, "far past last symbol: unknown");
	symtab_free(&t);
}

int main(void)
{
	ok(write_a() == 0, "write scenario A through the data file writer");
	ok(write_b() == 0, "write scenario B through the data file writer");
	ok(write_c() == 0, "write scenario C through the data file writer");
	test_unified();
	test_host();
	test_exits();
	test_steal_view();
	test_lost();
	test_filters();
	test_split();
	test_next_hidden();
	test_run_delay();
	test_timeline();
	test_timeline_sched();
	test_timeline_window();
	test_before_start();
	test_host_elf();
	test_names();
	test_symbols();
	unlink(FILE_A);
	unlink(FILE_B);
	unlink(FILE_C);
	return tap_done();
}
