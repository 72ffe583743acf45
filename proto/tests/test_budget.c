// SPDX-License-Identifier: GPL-2.0
/*
 * The memory budget counts what malloc holds (a 1-byte name is a chunk
 * with a header, not 2 bytes), and parsers sharing a pool (every agent
 * connection of one report) stay under it together.
 */
#include <string.h>

#include "../agent_proto.h"
#include "sample.h"
#include "tap.h"
#include "tests.h"

#define NSYMS	1000u

/* HELLO and one KALLSYMS of @n symbols with 1-byte names. */
static void tiny_syms(struct vp_buf *b, uint32_t n)
{
	struct vp_sym s = { 0xffffffff81000000ull, 0, 'T', "x" };
	uint32_t i;

	sample_hello(b);
	vp_msg_begin(b, VP_MSG_KALLSYMS);
	vp_put_u32(b, n);
	for (i = 0; i < n; i++) {
		s.offset += 16;
		vp_put_sym(b, &s, 1);
	}
	vp_msg_end(b);
}

static void test_real_size(void)
{
	struct vp_parser *p = vp_parser_new(NULL, NULL, NULL);
	struct vp_buf b;
	uint64_t mem;

	vp_buf_init(&b);
	tiny_syms(&b, NSYMS);
	vp_parser_feed(p, b.data, b.len);
	mem = vp_state_mem(p);
	/* Each: a 32-byte vp_sym, a 2-byte name and its chunk header. */
	tap_ok(mem >= NSYMS * (sizeof(struct vp_sym) + 2 + sizeof(size_t)),
	       "budget: a 1-byte name is charged with its malloc chunk header");
	printf("# %u tiny symbols charged %llu bytes\n", NSYMS,
	       (unsigned long long)mem);
	vp_parser_free(p);
	vp_buf_free(&b);
}

static void test_shared(void)
{
	struct vp_parser *p1 = vp_parser_new(NULL, NULL, NULL);
	struct vp_parser *p2 = vp_parser_new(NULL, NULL, NULL);
	struct vp_pool pool = { 0 };
	uint64_t one;
	struct vp_buf b;
	int rc1, rc2;

	vp_buf_init(&b);
	tiny_syms(&b, NSYMS);
	/* What one stream takes, measured alone, then room for 1.5 of them. */
	{
		struct vp_parser *m = vp_parser_new(NULL, NULL, NULL);

		vp_parser_feed(m, b.data, b.len);
		one = vp_state_mem(m);
		vp_parser_free(m);
	}
	pool.limit = one + one / 2;
	vp_parser_set_pool(p1, &pool);
	vp_parser_set_pool(p2, &pool);
	rc1 = vp_parser_feed(p1, b.data, b.len);
	rc2 = vp_parser_feed(p2, b.data, b.len);
	tap_ok(!rc1 && rc2 == -1 && strstr(vp_parser_error(p2), "memory budget") &&
	       pool.used <= pool.limit,
	       "budget: two streams share one pool; the second fails at it");
	tap_ok(vp_parser_set_pool(p1, &pool) == -1,
	       "budget: a parser that was fed keeps its pool");
	vp_parser_free(p1);
	vp_parser_free(p2);
	tap_ok(pool.used == 0, "budget: freeing both returns the pool to 0");
	vp_buf_free(&b);
}

void test_budget(void)
{
	test_real_size();
	test_shared();
}
