// SPDX-License-Identifier: GPL-2.0
/*
 * Native tests of the agent stream encoder and hostile-input parser: a
 * round trip fed whole and byte by byte, lookups with every CR3 masking
 * case, then one case per rejected input, each checking that the stream
 * fails with the expected one-line error and that nothing crashes.
 */
#include <stdlib.h>
#include <string.h>

#include "../agent_proto.h"
#include "sample.h"
#include "tap.h"
#include "tests.h"

static struct vp_parser *feed_all(const struct vp_buf *b, size_t step,
				  int *rc)
{
	struct vp_parser *p = vp_parser_new(NULL, NULL, NULL);
	size_t off;

	*rc = 0;
	for (off = 0; off < b->len && !*rc; off += step) {
		size_t n = b->len - off < step ? b->len - off : step;

		*rc = vp_parser_feed(p, b->data + off, n);
	}
	return p;
}

static void check_state(struct vp_parser *p, const char *how)
{
	const struct vp_map *m;
	const struct vp_proc *pr;
	const struct vp_sym *s;
	char what[128];
	uint64_t off;

	pr = vp_lookup_cr3(p, SAMPLE_CR3_A | 0x1000 | 0x5 | (1ull << 63));
	snprintf(what, sizeof(what), "%s: cr3 with PTI bit, PCID, NOFLUSH -> bash", how);
	tap_ok(pr && pr->ent.tgid == 100 && !strcmp(pr->ent.comm, "bash"), what);
	pr = vp_lookup_cr3(p, 0x40e000ull | (3ull << 61));
	snprintf(what, sizeof(what), "%s: exec'ed process found by its new cr3", how);
	tap_ok(pr && pr->ent.tgid == 300 && !strcmp(pr->ent.comm, "ls"), what);
	snprintf(what, sizeof(what), "%s: cr3 before exec no longer maps", how);
	tap_ok(!vp_lookup_cr3(p, 0x30e000ull), what);
	pr = vp_lookup_tgid(p, 200);
	snprintf(what, sizeof(what), "%s: exited process kept, marked exited", how);
	tap_ok(pr && pr->exited && pr->exit_ns == 3200, what);
	s = vp_lookup_user(p, 100, 0x7f0000001010ull, &m, &off);
	snprintf(what, sizeof(what), "%s: user rip -> libc memcpy+0x10", how);
	tap_ok(s && m && !strcmp(s->name, "memcpy") && off == 0x10, what);
	s = vp_lookup_user(p, 200, 0x7f0000001090ull, &m, &off);
	snprintf(what, sizeof(what), "%s: rip in symbol gap -> map, no symbol", how);
	tap_ok(!s && m && off == 0x2090, what);
	s = vp_lookup_kernel(p, 0xffffffff81001234ull, &off);
	snprintf(what, sizeof(what), "%s: kernel rip -> schedule+0x234", how);
	tap_ok(s && !strcmp(s->name, "schedule") && off == 0x234, what);
	snprintf(what, sizeof(what), "%s: 4 incarnations (300 before and after exec), 1 object, 3 kallsyms", how);
	tap_ok(vp_state_nr_procs(p) == 4 && vp_state_nr_objects(p) == 1 &&
	       vp_state_nr_kallsyms(p) == 3, what);
}

/*
 * An SEV guest's CR3 carries the C-bit (here 47): the key keeps it, so a
 * sample matches the root the module reports with __sme_pa() and not the
 * __pa() it reported before, which matched no sample of such a guest.
 */
static void test_sev_cbit(void)
{
	const uint64_t c = 1ull << 47;
	const struct vp_cr3_entry e[] = {
		{ 0x10a000ull | c, 1, 10, 10, 1, VP_EV_SNAPSHOT, "sme_pa" },
		{ 0x20a000ull, 1, 11, 11, 1, VP_EV_SNAPSHOT, "pa" },
	};
	struct vp_parser *p = vp_parser_new(NULL, NULL, NULL);
	const struct vp_proc *a;
	struct vp_buf buf;

	vp_buf_init(&buf);
	sample_hello(&buf);
	vp_enc_cr3(&buf, VP_MSG_CR3_MAP_FULL, e, 2);
	vp_parser_feed(p, buf.data, buf.len);
	a = vp_lookup_cr3(p, 0x10a000ull | c | 0x3);
	tap_ok(a && a->ent.tgid == 10,
	       "sev: a CR3 with the C-bit matches the __sme_pa() root");
	tap_ok(!vp_lookup_cr3(p, 0x20a000ull | c | 0x3),
	       "sev: it does not match a __pa() root without the C-bit");
	vp_parser_free(p);
	vp_buf_free(&buf);
}

/* Without PTI support page-table roots are 4 KiB aligned: bit 12 counts. */
static void test_pgd_4k(void)
{
	const struct vp_cr3_entry e[] = {
		{ 0x10a000ull, 1, 10, 10, 1, VP_EV_SNAPSHOT, "even" },
		{ 0x10b000ull, 1, 11, 11, 1, VP_EV_SNAPSHOT, "odd" },
	};
	struct vp_parser *p = vp_parser_new(NULL, NULL, NULL);
	const struct vp_proc *a, *b;
	struct vp_buf buf;

	vp_buf_init(&buf);
	sample_hello(&buf);
	vp_enc_cr3(&buf, VP_MSG_CR3_MAP_FULL, e, 2);
	vp_parser_feed(p, buf.data, buf.len);
	a = vp_lookup_cr3(p, 0x10a000ull | 3);
	b = vp_lookup_cr3(p, 0x10b000ull | 3);
	tap_ok(a && b && a->ent.tgid == 10 && b->ent.tgid == 11,
	       "4 KiB-aligned roots one page apart stay distinct");

	/* vfork: the child shares the root until it execs, newest wins. */
	vp_buf_reset(&buf);
	{
		struct vp_cr3_entry v = { 0x10a000ull, 2, 12, 12, 10,
					  VP_EV_FORK, "child" };

		vp_enc_cr3(&buf, VP_MSG_CR3_MAP_DELTA, &v, 1);
		v.cr3 = 0x20a000ull;
		v.event = VP_EV_EXEC;
		vp_enc_cr3(&buf, VP_MSG_CR3_MAP_DELTA, &v, 1);
	}
	vp_parser_feed(p, buf.data, buf.len - VP_HDR_SIZE - 8 - VP_CR3_ENTRY_SIZE);
	a = vp_lookup_cr3(p, 0x10a000ull);
	tap_ok(a && a->ent.tgid == 12, "vfork child owns the shared root");
	vp_parser_feed(p, buf.data + buf.len - VP_HDR_SIZE - 8 - VP_CR3_ENTRY_SIZE,
		       VP_HDR_SIZE + 8 + VP_CR3_ENTRY_SIZE);
	a = vp_lookup_cr3(p, 0x10a000ull);
	b = vp_lookup_cr3(p, 0x20a000ull);
	tap_ok(a && b && a->ent.tgid == 10 && b->ent.tgid == 12,
	       "after the child's exec the parent owns its root again");
	vp_parser_free(p);
	vp_buf_free(&buf);
}

/*
 * busybox re-executes itself as /proc/self/exe (exec event: "exe"), then
 * renames itself to the applet with prctl(PR_SET_NAME): only the EXIT
 * carries the final name.  It must win, and the CR3 stay.
 */
static void test_exit_rename(void)
{
	const struct vp_cr3_entry e[] = {
		{ 0x50a000ull, 10, 50, 50, 1, VP_EV_FORK, "sh" },
		{ 0x60a000ull, 20, 50, 50, 1, VP_EV_EXEC, "exe" },
		{ 0, 30, 50, 50, 1, VP_EV_EXIT, "sleep" },
		{ 0x70a000ull, 40, 51, 51, 1, VP_EV_FORK, "sh" },
		{ 0, 50, 51, 51, 1, VP_EV_EXIT, "" },
	};
	struct vp_parser *p = vp_parser_new(NULL, NULL, NULL);
	const struct vp_proc *a, *b;
	struct vp_buf buf;
	int rc;

	vp_buf_init(&buf);
	sample_hello(&buf);
	vp_enc_cr3(&buf, VP_MSG_CR3_MAP_DELTA, e, 5);
	rc = vp_parser_feed(p, buf.data, buf.len);
	a = vp_lookup_tgid(p, 50);
	b = vp_lookup_tgid(p, 51);
	tap_ok(!rc && a && a->exited && a->exit_ns == 30 &&
	       !strcmp(a->ent.comm, "sleep") && a->ent.cr3 == 0x60a000ull &&
	       vp_lookup_cr3(p, 0x60a000ull) == a,
	       "EXIT renames (prctl after exec), keeps the exec's cr3");
	tap_ok(b && b->exited && !strcmp(b->ent.comm, "sh"),
	       "EXIT with an empty comm keeps the name");
	vp_parser_free(p);
	vp_buf_free(&buf);
}

static void test_round_trip(void)
{
	struct vp_parser *p;
	struct vp_buf b;
	int rc;

	vp_buf_init(&b);
	tap_ok(!sample_stream(&b), "encode sample stream");
	p = feed_all(&b, b.len, &rc);
	tap_ok(rc == 0 && vp_parser_messages(p) == 7 && !vp_parser_partial(p),
	       "whole stream parses: 7 messages");
	tap_ok(vp_state_hello(p) &&
	       !strcmp(vp_state_hello(p)->release, "6.12.0-test"),
	       "HELLO release round-trips");
	check_state(p, "whole");
	vp_parser_free(p);
	p = feed_all(&b, 1, &rc);
	tap_ok(rc == 0 && vp_parser_messages(p) == 7, "byte-by-byte feed parses");
	check_state(p, "bytewise");
	vp_parser_free(p);
	vp_buf_free(&b);
}

/* Feed @b after a valid prefix; expect failure mentioning @needle. */
static void expect_fail(const struct vp_buf *b, int with_prefix,
			const char *needle, const char *what)
{
	struct vp_parser *p = vp_parser_new(NULL, NULL, NULL);
	struct vp_buf pre;
	int ok = 1;

	vp_buf_init(&pre);
	if (with_prefix) {
		sample_hello(&pre);
		sample_full(&pre);
		ok = vp_parser_feed(p, pre.data, pre.len) == 0;
	}
	ok = ok && vp_parser_feed(p, b->data, b->len) == -1 &&
	     strstr(vp_parser_error(p), needle) &&
	     vp_parser_feed(p, "x", 1) == -1 &&
	     !strchr(vp_parser_error(p), '\n');
	if (!ok)
		fprintf(stdout, "# error was: '%s'\n", vp_parser_error(p));
	tap_ok(ok, what);
	vp_parser_free(p);
	vp_buf_free(&pre);
}

static void test_truncated(void)
{
	struct vp_parser *p = vp_parser_new(NULL, NULL, NULL);
	struct vp_buf b;

	vp_buf_init(&b);
	sample_stream(&b);
	tap_ok(vp_parser_feed(p, b.data, b.len - 5) == 0 &&
	       vp_parser_partial(p) && vp_parser_messages(p) == 6,
	       "stream cut inside a message: partial, earlier messages kept");
	vp_parser_free(p);
	vp_buf_reset(&b);

	/* The header says 20 payload bytes, the fixed fields need 32. */
	sample_hello(&b);
	vp_patch_u32(&b, 8, 20);
	expect_fail(&b, 0, "truncated", "HELLO shorter than its fields");
	vp_buf_reset(&b);
	sample_hello(&b);
	vp_put_u8(&b, 0);
	vp_patch_u32(&b, 8, (uint32_t)vp_msg_payload_len(&b));
	expect_fail(&b, 0, "trailing", "HELLO with trailing bytes");
	vp_buf_reset(&b);
	sample_maps(&b, 100);
	vp_patch_u32(&b, 8, (uint32_t)vp_msg_payload_len(&b) - 3);
	expect_fail(&b, 1, "past the payload end", "path runs past the payload");
	vp_buf_free(&b);
}

static void test_header(void)
{
	struct vp_buf b;

	vp_buf_init(&b);
	sample_hello(&b);
	b.data[4] = 3;
	expect_fail(&b, 0, "unsupported version 3", "bad version");
	b.data[4] = 0;
	expect_fail(&b, 0, "unsupported version 0", "version 0");
	b.data[4] = 2;
	b.data[0] ^= 0xff;
	expect_fail(&b, 0, "bad magic", "bad magic");
	b.data[0] ^= 0xff;
	b.data[6] = 9;
	expect_fail(&b, 0, "unknown type 9", "unknown type");
	b.data[6] = 1;
	b.data[12] = 1;
	expect_fail(&b, 0, "reserved", "non-zero reserved header field");
	b.data[12] = 0;
	vp_patch_u32(&b, 8, 0xffffffffu);
	expect_fail(&b, 0, "exceeds limit", "oversized length 4 GiB");
	vp_patch_u32(&b, 8, VP_DEF_MAX_PAYLOAD + 1);
	expect_fail(&b, 0, "exceeds limit", "length one over max_payload");
	vp_buf_reset(&b);
	sample_full(&b);
	expect_fail(&b, 0, "before HELLO", "CR3 map before HELLO");
	vp_buf_reset(&b);
	sample_hello(&b);
	expect_fail(&b, 1, "duplicate HELLO", "second HELLO");
	vp_buf_reset(&b);
	sample_hello(&b);
	b.data[VP_HDR_SIZE] = 0x80;
	expect_fail(&b, 0, "unknown flags", "unknown HELLO flags");
	vp_buf_reset(&b);
	sample_hello(&b);
	b.data[VP_HDR_SIZE + 5] = 0x30;	/* page size 0x3000 */
	expect_fail(&b, 0, "page size", "page size not a power of two");
	vp_buf_free(&b);
}

static void test_counts(void)
{
	struct vp_buf b;

	vp_buf_init(&b);
	sample_maps(&b, 100);
	vp_patch_u32(&b, VP_HDR_SIZE + 4, 0xffffffffu);
	expect_fail(&b, 1, "exceed limit", "maps count 2^32-1");
	vp_patch_u32(&b, VP_HDR_SIZE + 4, 1000);
	expect_fail(&b, 1, "cannot fit", "maps count larger than payload");
	vp_buf_reset(&b);
	sample_symbols(&b);
	vp_patch_u32(&b, VP_HDR_SIZE + 11, 100000u);
	expect_fail(&b, 1, "cannot fit", "symbol count overflow");
	vp_buf_reset(&b);
	sample_kallsyms(&b);
	vp_patch_u32(&b, VP_HDR_SIZE, 0xffffffffu);
	expect_fail(&b, 1, "exceed limit", "kallsyms count 2^32-1");
	vp_buf_reset(&b);
	sample_full(&b);
	vp_patch_u32(&b, VP_HDR_SIZE, 0x05555556u);	/* * 48 wraps 32 bits */
	expect_fail(&b, 1, "does not match", "CR3 count whose size wraps");
	vp_buf_free(&b);
}

static void test_strings(void)
{
	struct vp_cr3_entry e = { 0x5000, 1, 7, 7, 1, VP_EV_FORK, "x" };
	struct vp_map m = { 0x1000, 0x2000, 0, VP_PROT_X, 0, { 0 }, NULL };
	struct vp_parser *p;
	struct vp_buf b;
	char *path;

	vp_buf_init(&b);
	vp_enc_cr3(&b, VP_MSG_CR3_MAP_DELTA, &e, 1);
	memset(b.data + b.len - VP_COMM_LEN, 'A', VP_COMM_LEN);
	expect_fail(&b, 1, "unterminated comm", "comm without NUL");
	vp_buf_reset(&b);

	path = malloc(VP_PATH_MAX + 2);
	memset(path, 'p', VP_PATH_MAX + 1);
	path[VP_PATH_MAX + 1] = '\0';
	vp_msg_begin(&b, VP_MSG_PROC_MAPS);
	vp_put_u32(&b, 100);
	vp_put_u32(&b, 1);
	m.path = path;
	vp_put_map(&b, &m);
	/* The encoder truncates; forge the length the parser must refuse. */
	vp_put_u8(&b, 'p');
	b.data[b.len - VP_PATH_MAX - 3] = (VP_PATH_MAX + 1) & 0xff;
	b.data[b.len - VP_PATH_MAX - 2] = (VP_PATH_MAX + 1) >> 8;
	vp_msg_end(&b);
	expect_fail(&b, 1, "path of 4097 bytes exceeds", "path of 4097 bytes");
	vp_buf_reset(&b);
	free(path);

	vp_msg_begin(&b, VP_MSG_SYMBOLS);
	vp_put_u8(&b, VP_BUILD_ID_MAX + 1);
	vp_msg_end(&b);
	expect_fail(&b, 1, "build-id of 33", "build-id of 33 bytes");
	vp_buf_reset(&b);
	vp_msg_begin(&b, VP_MSG_SYMBOLS);
	vp_put_u8(&b, 0);
	vp_put_u32(&b, 0);
	vp_msg_end(&b);
	expect_fail(&b, 1, "empty build-id", "SYMBOLS with empty build-id");
	vp_buf_reset(&b);

	/* Control bytes, NUL, escape sequences and UTF-8 become '?'. */
	p = vp_parser_new(NULL, NULL, NULL);
	sample_hello(&b);
	sample_full(&b);
	vp_msg_begin(&b, VP_MSG_PROC_MAPS);
	vp_put_u32(&b, 100);
	vp_put_u32(&b, 1);
	m.path = "/a\x1b[2Jb\x7f\xc3\xa9";
	vp_put_map(&b, &m);
	b.data[b.len - 8] = '\0';	/* a NUL inside the counted string */
	vp_msg_end(&b);
	tap_ok(vp_parser_feed(p, b.data, b.len) == 0 &&
	       vp_lookup_tgid(p, 100)->nr_maps == 1 &&
	       !strcmp(vp_lookup_tgid(p, 100)->maps[0].path, "/a?[2Jb???"),
	       "non-printable bytes in path sanitized to '?'");
	vp_parser_free(p);
	vp_buf_free(&b);
}

static void test_contradictions(void)
{
	struct vp_cr3_entry dup[2] = {
		{ 0x5000, 1, 7, 7, 1, VP_EV_SNAPSHOT, "a" },
		{ 0x7000, 1, 7, 7, 1, VP_EV_SNAPSHOT, "b" },
	};
	struct vp_map m[2] = {
		{ 0x1000, 0x3000, 0, VP_PROT_X, 0, { 0 }, "a" },
		{ 0x2000, 0x4000, 0, VP_PROT_X, 0, { 0 }, "b" },
	};
	struct vp_buf b;

	vp_buf_init(&b);
	vp_enc_cr3(&b, VP_MSG_CR3_MAP_FULL, dup, 2);
	expect_fail(&b, 1, "listed twice", "FULL lists one tgid twice");
	vp_buf_reset(&b);
	dup[1].event = VP_EV_EXEC;
	vp_enc_cr3(&b, VP_MSG_CR3_MAP_FULL, dup, 2);
	expect_fail(&b, 1, "not allowed", "FULL with an exec event");
	vp_buf_reset(&b);
	dup[1].event = 9;
	vp_enc_cr3(&b, VP_MSG_CR3_MAP_DELTA, dup + 1, 1);
	expect_fail(&b, 1, "not allowed", "DELTA with unknown event 9");
	vp_buf_reset(&b);
	vp_msg_begin(&b, VP_MSG_PROC_MAPS);
	vp_put_u32(&b, 100);
	vp_put_u32(&b, 2);
	vp_put_map(&b, &m[0]);
	vp_put_map(&b, &m[1]);
	vp_msg_end(&b);
	expect_fail(&b, 1, "overlaps", "overlapping maps");
	vp_buf_reset(&b);
	m[0].end = m[0].start;
	vp_msg_begin(&b, VP_MSG_PROC_MAPS);
	vp_put_u32(&b, 100);
	vp_put_u32(&b, 1);
	vp_put_map(&b, &m[0]);
	vp_msg_end(&b);
	expect_fail(&b, 1, "empty or inverted", "map with start == end");
	vp_buf_free(&b);
}

static void test_limits(void)
{
	struct vp_limits lim = { .max_procs = 2, .mem_budget = 4096 };
	struct vp_cr3_entry e = { 0x5000, 1, 7, 7, 1, VP_EV_FORK, "a" };
	struct vp_parser *p;
	struct vp_buf b;
	int rc;

	vp_buf_init(&b);
	sample_hello(&b);
	sample_full(&b);		/* tgids 100, 200 */
	e.event = VP_EV_EXIT;
	e.tgid = 200;
	vp_enc_cr3(&b, VP_MSG_CR3_MAP_DELTA, &e, 1);
	e.event = VP_EV_FORK;
	e.tgid = 300;
	vp_enc_cr3(&b, VP_MSG_CR3_MAP_DELTA, &e, 1);
	p = vp_parser_new(&lim, NULL, NULL);
	rc = vp_parser_feed(p, b.data, b.len);
	tap_ok(rc == 0 && vp_state_nr_procs(p) == 2 && !vp_lookup_tgid(p, 200),
	       "at max_procs an exited process is evicted");
	/* 100 exits after 200 did: 200 is forgotten first. */
	vp_buf_reset(&b);
	e.event = VP_EV_EXIT;
	e.tgid = 100;
	vp_enc_cr3(&b, VP_MSG_CR3_MAP_DELTA, &e, 1);
	e.event = VP_EV_FORK;
	e.tgid = 301;
	vp_enc_cr3(&b, VP_MSG_CR3_MAP_DELTA, &e, 1);
	rc = vp_parser_feed(p, b.data, b.len);
	tap_ok(rc == 0 && vp_lookup_tgid(p, 301) && !vp_lookup_tgid(p, 100) &&
	       vp_lookup_tgid(p, 300), "the process that exited first goes first");
	vp_parser_free(p);

	vp_buf_reset(&b);
	sample_hello(&b);
	sample_kallsyms(&b);
	sample_kallsyms(&b);
	sample_kallsyms(&b);
	lim.max_procs = 0;
	/* Room for the first symbol array and two names only. */
	lim.mem_budget = 256 * sizeof(struct vp_sym) + 16;
	p = vp_parser_new(&lim, NULL, NULL);
	rc = vp_parser_feed(p, b.data, b.len);
	tap_ok(rc == -1 && strstr(vp_parser_error(p), "memory budget") &&
	       vp_state_mem(p) <= lim.mem_budget,
	       "memory budget enforced");
	vp_parser_free(p);
	vp_buf_free(&b);
}

int main(void)
{
	test_round_trip();
	test_pgd_4k();
	test_sev_cbit();
	test_exit_rename();
	test_truncated();
	test_header();
	test_counts();
	test_strings();
	test_contradictions();
	test_limits();
	test_time();
	test_parent_maps();
	test_symdup();
	test_ktail();
	test_ksort();
	test_budget();
	test_version();
	test_offer();
	test_procs();
	return tap_done();
}
