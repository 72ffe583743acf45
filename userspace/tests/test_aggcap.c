// SPDX-License-Identifier: GPL-2.0
/*
 * The address tables' key cap (AGG_MAX_ENTRIES, lowered here so the test
 * is small): samples at more distinct addresses than the cap still count
 * under their function, and only addresses no symbol covers can end up in
 * the overflow row, with a warning on stderr and in the header.
 */
#include <unistd.h>

#include "test_common.h"

#define FILE_G "test_aggcap.data"
#define CAP 64
#define NFUNC 4
#define PER_FUNC 250
#define NUNKNOWN 100
#define NMANY (20 * CAP)	/* more than agg_grow()'s first 1024 slots */

static const char guest_kallsyms[] =
	"ffffffff81000000 T func_0\n"
	"ffffffff81001000 T func_1\n"
	"ffffffff81002000 T func_2\n"
	"ffffffff81003000 T func_3\n"
	"ffffffff81004000 T func_end\n";

/* NFUNC * PER_FUNC samples, each at its own address; then unknown ones. */
static int write_g(int nunknown)
{
	u32 tid = 101;
	struct synth_vm vm = {
		.name = "capvm", .pid = 100, .period_ns = MS, .start_ns = T0,
		.flags = KVM_PROFILE_F_SAMPLES, .nvcpus = 1, .vcpu_tids = &tid,
	};
	struct synth_sample g = {
		.time = T0 + MS, .vcpu = 0, .tid = 101,
		.flags = KVM_PROFILE_S_IN_GUEST | KVM_PROFILE_S_GUEST_VALID,
	};
	struct synth s;
	int i;

	if (synth_open(&s, FILE_G, &vm))
		return -1;
	for (i = 0; i < NFUNC * PER_FUNC; i++, g.time += MS) {
		/* functions interleaved, so the cap is reached mid-way */
		g.rip = 0xffffffff81000000ULL + (u64)(i % NFUNC) * 0x1000 +
			(u64)(i / NFUNC) * 4;
		synth_sample(&s, &g);
	}
	g.flags |= KVM_PROFILE_S_GUEST_USER;
	g.cpl = 3;
	for (i = 0; i < nunknown; i++, g.time += MS) {
		g.rip = 0x400000 + (u64)i * 16;	/* no guest process known */
		synth_sample(&s, &g);
	}
	return synth_close(&s, T0 + 2000 * MS);
}

static void load_g(struct analysis *a)
{
	analysis_init(a, NULL);
	a->vcpu_agg.max = CAP;
	a->host_agg.max = CAP;
	symtab_load_kallsyms(&a->guest.kernel, guest_kallsyms,
			     strlen(guest_kallsyms));
	analysis_load(a, FILE_G);
}

static u64 table_sum(const struct table *t)
{
	u64 sum = 0;
	size_t r;

	for (r = 0; t && r < t->nrows; r++)
		sum += row_num(t, (long)r, 0);
	return sum;
}

static void test_symbolized(void)
{
	struct analysis a;
	struct doc d = { 0 };
	struct table *t;
	char name[64];
	int i;

	ok(write_g(0) == 0, "write %d samples at distinct addresses in %d functions",
	   NFUNC * PER_FUNC, NFUNC);
	load_g(&a);
	doc_header(&a, &d, FILE_G, "unified");
	report_unified(&a, &d);
	t = find_table(&d, "vcpu0");
	for (i = 0; i < NFUNC; i++) {
		snprintf(name, sizeof(name), "func_%d", i);
		is_u64(row_num(t, find_row2(t, 2, name, -1, NULL), 0), PER_FUNC,
		       "symbolized: every sample of a function counts, past the key cap");
	}
	ok(find_row2(t, 3, "(too many distinct addresses)", -1, NULL) < 0,
	   "symbolized: no overflow row");
	is_str(header_of(&d, "overflow_samples"), "0", "symbolized: header says 0 overflowed");
	doc_free(&d);
	analysis_free(&a);
}

static void test_unknown(void)
{
	struct analysis a;
	struct doc d = { 0 };
	struct table *t;
	long r;
	u64 over;

	ok(write_g(NUNKNOWN) == 0, "write %d more samples at unknown addresses",
	   NUNKNOWN);
	load_g(&a);
	doc_header(&a, &d, FILE_G, "unified");
	report_unified(&a, &d);
	t = find_table(&d, "vcpu0");
	is_u64(table_sum(t), NFUNC * PER_FUNC + NUNKNOWN, "unknown: every sample in a row");
	is_u64(row_num(t, find_row2(t, 2, "func_3", -1, NULL), 0), PER_FUNC,
	       "unknown: symbolized rows unchanged");
	r = find_row2(t, 3, "(too many distinct addresses)", -1, NULL);
	over = row_num(t, r, 0);
	ok(r >= 0 && over > 0 && over < NUNKNOWN, "unknown: some unknown addresses overflow");
	is_u64(strtoull(header_of(&d, "overflow_samples"), NULL, 10), over,
	       "unknown: the header counts the overflowed samples");
	ok(d.text_header && strstr(d.text_header, "# warning: ") &&
	   strstr(d.text_header, "too many distinct addresses"),
	   "unknown: the text header warns");
	doc_free(&d);
	analysis_free(&a);
}

/* More named rows than the cap: the table grows for them. */
static void test_many_functions(void)
{
	u32 tid = 101;
	struct synth_vm vm = {
		.name = "capvm", .pid = 100, .period_ns = MS, .start_ns = T0,
		.flags = KVM_PROFILE_F_SAMPLES, .nvcpus = 1, .vcpu_tids = &tid,
	};
	struct synth_sample g = {
		.time = T0 + MS, .vcpu = 0, .tid = 101,
		.flags = KVM_PROFILE_S_IN_GUEST | KVM_PROFILE_S_GUEST_VALID,
	};
	struct buf ks = { 0 };
	struct analysis a;
	struct doc d = { 0 };
	struct synth s;
	char line[64];
	int i, n;

	ok(synth_open(&s, FILE_G, &vm) == 0, "many functions: open");
	for (i = 0; i < NMANY; i++) {
		n = snprintf(line, sizeof(line), "ffffffff8%07x T many_%d\n",
			     0x1000000 + i * 0x100, i);
		buf_append(&ks, line, (size_t)n);
		g.rip = 0xffffffff81000000ULL + (u64)i * 0x100;
		synth_sample(&s, &g);
		g.rip += 8;
		synth_sample(&s, &g);
	}
	buf_append(&ks, "", 1);
	synth_close(&s, T0 + 2000 * MS);
	analysis_init(&a, NULL);
	a.vcpu_agg.max = CAP;
	symtab_load_kallsyms(&a.guest.kernel, (const char *)ks.data, ks.len - 1);
	analysis_load(&a, FILE_G);
	report_unified(&a, &d);
	is_u64(find_table(&d, "vcpu0") ? find_table(&d, "vcpu0")->nrows : 0, NMANY,
	       "many functions: one row each, 20 times the cap, past the first table size");
	is_u64(a.overflow_samples, 0, "many functions: nothing overflowed");
	doc_free(&d);
	analysis_free(&a);
	buf_free(&ks);
}

int main(void)
{
	test_symbolized();
	test_unknown();
	test_many_functions();
	unlink(FILE_G);
	return tap_done();
}
