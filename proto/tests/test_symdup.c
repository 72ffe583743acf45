// SPDX-License-Identifier: GPL-2.0
/*
 * A build-id's SYMBOLS sent again (after other messages) add nothing: the
 * table grew by one copy per send, and past 2^20 symbols the stream failed.
 * Consecutive chunks of one table are still all kept.  And a kernel rip
 * far past the last kernel symbol is not that symbol.
 */
#include <stdio.h>
#include <string.h>

#include "../agent_proto.h"
#include "sample.h"
#include "tap.h"
#include "tests.h"

#define OTHER_ID "\x99\x88"

static void other_symbols(struct vp_buf *b)
{
	const struct vp_sym s = { 0x10, 0x10, 'T', "other" };

	vp_msg_begin(b, VP_MSG_SYMBOLS);
	vp_put_build_id(b, (const uint8_t *)OTHER_ID, 2);
	vp_put_u32(b, 1);
	vp_put_sym(b, &s, 0);
	vp_msg_end(b);
}

static uint64_t mem_after(int sends)
{
	struct vp_parser *p = vp_parser_new(NULL, NULL, NULL);
	struct vp_buf b;
	uint64_t mem;
	int i;

	vp_buf_init(&b);
	sample_hello(&b);
	sample_full(&b);
	sample_symbols(&b);
	sample_maps(&b, 100);
	other_symbols(&b);
	for (i = 1; i < sends; i++) {
		sample_symbols(&b);	/* after another object's */
		sample_maps(&b, 100);
		sample_symbols(&b);	/* after a PROC_MAPS */
	}
	mem = vp_parser_feed(p, b.data, b.len) ? 0 : vp_state_mem(p);
	vp_parser_free(p);
	vp_buf_free(&b);
	return mem;
}

static void test_chunks(void)
{
	const struct vp_sym s = { 0x3000, 0x10, 'T', "third" };
	struct vp_parser *p = vp_parser_new(NULL, NULL, NULL);
	const struct vp_sym *a, *c;
	struct vp_buf b;

	vp_buf_init(&b);
	sample_hello(&b);
	sample_full(&b);
	sample_maps(&b, 100);
	sample_symbols(&b);
	vp_msg_begin(&b, VP_MSG_SYMBOLS);	/* the same table's next chunk */
	vp_put_build_id(&b, (const uint8_t *)SAMPLE_LIBC_ID, 10);
	vp_put_u32(&b, 1);
	vp_put_sym(&b, &s, 0);
	vp_msg_end(&b);
	vp_parser_feed(p, b.data, b.len);
	a = vp_lookup_user(p, 100, 0x7f0000001010ull, NULL, NULL);
	c = vp_lookup_user(p, 100, 0x7f0000002004ull, NULL, NULL);
	tap_ok(a && c && !strcmp(a->name, "memcpy") && !strcmp(c->name, "third"),
	       "symdup: consecutive chunks of one table are all kept");
	vp_parser_free(p);
	vp_buf_free(&b);
}

void test_symdup(void)
{
	uint64_t once = mem_after(1), thrice = mem_after(3);

	tap_ok(once && once == thrice,
	       "symdup: a build-id's SYMBOLS sent 3 times keep one copy");
	printf("# state %llu bytes sent once, %llu sent 3 times\n",
	       (unsigned long long)once, (unsigned long long)thrice);
	test_chunks();
}

/* A rip far past the last kernel symbol (BPF JIT, vmalloc) is unknown. */
void test_ktail(void)
{
	struct vp_parser *p = vp_parser_new(NULL, NULL, NULL);
	const struct vp_sym *s;
	struct vp_buf b;
	uint64_t off;

	vp_buf_init(&b);
	sample_hello(&b);
	sample_kallsyms(&b);
	vp_parser_feed(p, b.data, b.len);
	s = vp_lookup_kernel(p, 0xffffffff81002000ull + 0x800, &off);
	tap_ok(s && !strcmp(s->name, "do_idle") && off == 0x800,
	       "ktail: a rip just past the last kernel symbol is in it");
	tap_ok(!vp_lookup_kernel(p, 0xffffffffc0001000ull, &off),
	       "ktail: a rip 1 GiB past the last kernel symbol is unknown");
	vp_parser_free(p);
	vp_buf_free(&b);
}

/* The in-place sort: a table sent backwards (and with ties) resolves. */
void test_ksort(void)
{
	struct vp_parser *p = vp_parser_new(NULL, NULL, NULL);
	struct vp_sym s = { 0, 0, 'T', NULL };
	const struct vp_sym *r;
	char name[16];
	struct vp_buf b;
	uint32_t i, bad = 0;

	vp_buf_init(&b);
	sample_hello(&b);
	vp_msg_begin(&b, VP_MSG_KALLSYMS);
	vp_put_u32(&b, 1001);
	for (i = 1000; i-- > 0;) {
		snprintf(name, sizeof(name), "f%u", i);
		s.offset = 0xffffffff81000000ull + 0x100ull * i;
		s.name = name;
		vp_put_sym(&b, &s, 1);
	}
	s.offset = 0xffffffff81000000ull;	/* a tie with f0, sorts before */
	s.name = "a_alias";
	vp_put_sym(&b, &s, 1);
	vp_msg_end(&b);
	vp_parser_feed(p, b.data, b.len);
	for (i = 1; i < 1000; i++) {
		snprintf(name, sizeof(name), "f%u", i);
		r = vp_lookup_kernel(p, 0xffffffff81000000ull + 0x100ull * i + 8, NULL);
		bad += !r || strcmp(r->name, name);
	}
	r = vp_lookup_kernel(p, 0xffffffff81000008ull, NULL);
	tap_ok(!bad && r && !strcmp(r->name, "f0"),
	       "ksort: 1001 kernel symbols sent backwards, with a tie, all resolve");
	vp_parser_free(p);
	vp_buf_free(&b);
}
