// SPDX-License-Identifier: GPL-2.0
/*
 * What reaches the terminal and the consumers of exports: names from the
 * guest side (its kallsyms, the VM name) are escaped in every format, JSON
 * and CSV are valid UTF-8, folded frames are not split by a name's ';',
 * and --top does not make a flame graph lose samples.  --sort orders rows
 * by numbers, hex codes and names as a user reads them, stably.
 */
#include <unistd.h>

#include "test_common.h"

#define FILE_O "test_output.data"
#define EVIL_ADDR 0xffffffff81000000ULL
#define CAFE_ADDR 0xffffffff81001000ULL
#define PLAIN_ADDR 0xffffffff81002000ULL

/* A copy of the guest's /proc/kallsyms is written by the guest. */
static const char guest_kallsyms[] =
	"ffffffff81000000 T evil\033]0;pwned\007name\377\n"
	"ffffffff81001000 T caf\303\251_fn\n"
	"ffffffff81002000 T plain_fn\n";

/* Host kallsyms in the file: a control byte and a C1 control (U+009B, CSI). */
static const char host_kallsyms[] =
	"ffffffffc0001000 t host\302\233fn\t[kvm\001]\n";

static int write_o(void)
{
	u32 tid = 101;
	struct synth_vm vm = {
		.name = "my vm;\"q", .pid = 100, .period_ns = MS, .start_ns = T0,
		.flags = KVM_PROFILE_F_SAMPLES, .nvcpus = 1, .vcpu_tids = &tid,
	};
	struct synth_sample g = {
		.time = T0 + MS, .vcpu = 0, .tid = 101,
		.flags = KVM_PROFILE_S_IN_GUEST | KVM_PROFILE_S_GUEST_VALID,
	};
	struct synth_sample h = {
		.time = T0 + 100 * MS, .vcpu = 0, .tid = 101,
		.flags = KVM_PROFILE_S_IN_KVM_RUN, .host_ip = 0xffffffffc0001010ULL,
	};
	struct synth s;
	int i;

	if (synth_open(&s, FILE_O, &vm))
		return -1;
	synth_kallsyms(&s, host_kallsyms);
	for (i = 0; i < 10; i++, g.time += MS) {
		g.rip = i < 5 ? EVIL_ADDR + 8 : i < 8 ? CAFE_ADDR : PLAIN_ADDR;
		synth_sample(&s, &g);
	}
	synth_sample(&s, &h);
	return synth_close(&s, T0 + 200 * MS);
}

/* Length of the well-formed UTF-8 sequence at p (RFC 3629), 0 if none. */
static size_t utf8_len(const unsigned char *p)
{
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		return (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (p[0] >= 0xe0 && p[0] <= 0xef) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
		    (p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f))
			return 0;
		return 3;
	}
	if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
		    (p[3] & 0xc0) != 0x80 || (p[0] == 0xf0 && p[1] < 0x90) ||
		    (p[0] == 0xf4 && p[1] > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

/* Valid UTF-8 with no C0/C1 control or DEL except newlines. */
static bool terminal_safe(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	while (*p) {
		n = utf8_len(p);
		if (!n || (n == 1 && ((*p < 0x20 && *p != '\n') || *p == 0x7f)) ||
		    (n == 2 && p[0] == 0xc2 && p[1] < 0xa0))
			return false;
		p += n;
	}
	return true;
}

static void load_o(struct analysis *a)
{
	analysis_init(a, NULL);
	symtab_load_kallsyms(&a->guest.kernel, guest_kallsyms,
			     strlen(guest_kallsyms));
	analysis_load(a, FILE_O);
}

static void test_escaped(void)
{
	static const char *const names[] = { "text", "json", "csv", "folded" };
	struct analysis a;
	struct doc d = { 0 };
	char *s;
	int f;

	load_o(&a);
	doc_header(&a, &d, FILE_O, "unified");
	report_unified(&a, &d);
	for (f = FMT_TEXT; f <= FMT_FOLDED; f++) {
		s = doc_string(&d, (enum out_format)f);
		ok(terminal_safe(s), "%s: valid UTF-8, no control characters", names[f]);
		ok(strstr(s, "caf\303\251_fn") != NULL, "%s: a valid UTF-8 name is kept",
		   names[f]);
		free(s);
	}
	s = doc_string(&d, FMT_TEXT);
	ok(strstr(s, "evil\\x1b]0;pwned\\x07name\\xff") != NULL,
	   "text: control and invalid bytes shown as \\xHH");
	ok(strstr(s, "host\\xc2\\x9bfn") != NULL && strstr(s, "[kvm\\x01]"),
	   "text: a C1 control in the file's kallsyms shown as \\xHH");
	free(s);
	s = doc_string(&d, FMT_JSON);
	ok(strstr(s, "\"evil\\\\x1b]0;pwned\\\\x07name\\\\xff\"") != NULL,
	   "json: the escaped name as a JSON string");
	free(s);
	doc_free(&d);
	analysis_free(&a);
}

/* Sum of the counts of the folded lines that start with prefix. */
static u64 folded_sum(const char *s, const char *prefix, int *bad_lines)
{
	const char *line = s, *nl, *sp, *p;
	int semis;
	u64 sum = 0;

	for (; (nl = strchr(line, '\n')); line = nl + 1) {
		for (semis = 0, p = line; p < nl; p++)
			semis += *p == ';';
		if (strncmp(line, prefix, strlen(prefix)) || semis < 2 || semis > 3)
			++*bad_lines;
		sp = memrchr(line, ' ', (size_t)(nl - line));
		if (sp)
			sum += strtoull(sp + 1, NULL, 10);
	}
	return sum;
}

static void test_folded(void)
{
	struct analysis a;
	struct doc d = { 0 };
	int bad = 0;
	u64 all;
	char *s;

	load_o(&a);
	report_unified(&a, &d);
	s = doc_string(&d, FMT_FOLDED);
	all = folded_sum(s, "my_vm_\"q;vcpu0;", &bad);
	is_u64(bad, 0, "folded: the VM name with ';' and ' ' is one frame");
	is_u64(all, 11, "folded: all 11 samples");
	free(s);
	doc_truncate(&d, 1);
	s = doc_string(&d, FMT_FOLDED);
	bad = 0;
	is_u64(folded_sum(s, "my_vm_\"q;vcpu0;", &bad), all,
	       "folded --top 1: the flame graph still sums to every sample");
	ok(strstr(s, "my_vm_\"q;vcpu0;[other] 6\n") != NULL,
	   "folded --top 1: the rows cut are one [other] frame");
	free(s);
	doc_free(&d);
	analysis_free(&a);
}

static const struct table_kind sort_kind = {
	.name = "t", .ncols = 4,
	.cols = { "Name", "Code", "N", "CPU" },
	.keys = { "name", "code", "n", "cpu" },
	.numeric = { false, false, true, true },
	.id = { [3] = true },
	.perf = { "sym" },
};

/* Rows (name, code, n, cpu), a pprof label after them: the row's number. */
static struct table *sort_table(struct doc *d)
{
	static const char *const rows[][4] = {
		{ "inf", "0x1e", "5", "2" }, { "nan", "0x7", "5", "0" },
		{ "abc", "0x30", "10", "1" }, { "abc", "0x7", "1", "3" },
	};
	struct table *t = doc_table(d, &sort_kind, "t");
	size_t r;
	int c;

	for (r = 0; r < ARRAY_SIZE(rows); r++) {
		table_row(t);
		for (c = 0; c < 4; c++)
			table_set(t, r, c, "%s", rows[r][c]);
		table_set(t, r, 4, "%zu", r);
	}
	return t;
}

/* The rows' first cells and labels, "name/label ..." after --sort @spec. */
static char *sorted_rows(const char *spec)
{
	struct sort_spec ss;
	struct doc d = { 0 };
	struct table *t = sort_table(&d);
	char *out = xstrdup(""), *tmp;
	size_t r;

	if (sort_spec_parse(&ss, spec)) {
		doc_free(&d);
		return out;
	}
	doc_sort(&d, &ss);
	for (r = 0; r < t->nrows; r++) {
		tmp = xasprintf("%s%s%s/%s", out, r ? " " : "",
				t->cells[r * TABLE_MAX_COLS],
				t->cells[r * TABLE_MAX_COLS + 4]);
		free(out);
		out = tmp;
	}
	doc_free(&d);
	return out;
}

static void test_sort(void)
{
	static const struct { const char *spec, *want, *what; } cases[] = {
		{ "code", "nan/1 abc/3 inf/0 abc/2",
		  "a hex code as a number (0x7 before 0x1e); ties in the view's order" },
		{ "name", "abc/2 abc/3 inf/0 nan/1",
		  "names in byte order: \"inf\" and \"nan\" are not numbers" },
		{ "sym", "abc/2 abc/3 inf/0 nan/1", "perf's name of the key" },
		{ "n", "abc/2 inf/0 nan/1 abc/3", "a number: the biggest first, ties kept" },
		{ "cpu", "nan/1 abc/2 inf/0 abc/3", "an id: the smallest first" },
		{ "+n,-name", "abc/3 nan/1 inf/0 abc/2", "+KEY, then -KEY among ties" },
		{ "-code", "abc/2 inf/0 nan/1 abc/3", "-KEY on a text column" },
		{ "nope", "inf/0 nan/1 abc/2 abc/3", "a key the table lacks: its order" },
	};
	struct sort_spec ss;
	char *got, longkey[80];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		got = sorted_rows(cases[i].spec);
		ok(!strcmp(got, cases[i].want), "--sort %s: %s (%s)", cases[i].spec,
		   cases[i].what, got);
		free(got);
	}
	memset(longkey, 'k', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	ok(sort_spec_parse(&ss, "") && sort_spec_parse(&ss, "a,") &&
	   sort_spec_parse(&ss, ",a") && sort_spec_parse(&ss, "+") &&
	   sort_spec_parse(&ss, "a,b,c,d,e,f,g,h,i") &&
	   sort_spec_parse(&ss, longkey),
	   "--sort: an empty key, a sign alone, 9 keys, a key too long are bad values");
	ok(!sort_spec_parse(&ss, "-a,+b,c") && ss.n == 3 && ss.f[0].dir == -1 &&
	   ss.f[1].dir == 1 && !ss.f[2].dir && !strcmp(ss.f[1].name, "b"),
	   "--sort -a,+b,c: three keys and their directions");
	ok(table_kind_col(&sort_kind, "sym") == 0 &&
	   table_kind_col(&sort_kind, "cpu") == 3 &&
	   table_kind_col(&sort_kind, "Name") < 0,
	   "a key is a JSON key or perf's name, not the title");
}

int main(void)
{
	ok(write_o() == 0, "write a file with hostile names");
	test_escaped();
	test_folded();
	test_sort();
	unlink(FILE_O);
	return tap_done();
}
