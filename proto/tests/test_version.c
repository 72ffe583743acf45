// SPDX-License-Identifier: GPL-2.0
/*
 * Versions: a version 1 stream (an old agent, or a new one that got no
 * OFFER) and a version 2 stream both parse to the same state; a parser
 * limited to version 1 (an old report) refuses version 2 in one line; a
 * version 2 stream may carry types of a later version, which are skipped
 * without being buffered; a version 1 stream may not; the version cannot
 * change after the HELLO.  And the host's OFFER: encoded, decoded,
 * refused when malformed, and the version both sides pick.
 */
#include <stdio.h>
#include <string.h>

#include "../agent_proto.h"
#include "sample.h"
#include "tap.h"
#include "tests.h"

/* A later version's message: type 42, @n payload bytes. */
static void later_type(struct vp_buf *b, uint32_t n)
{
	uint32_t i;

	vp_msg_begin(b, (enum vp_msg_type)42);
	for (i = 0; i < n; i++)
		vp_put_u8(b, (uint8_t)i);
	vp_msg_end(b);
}

static struct vp_parser *parse(const struct vp_buf *b, uint32_t max_version,
			       int *rc)
{
	struct vp_limits lim = { .max_version = max_version };
	struct vp_parser *p = vp_parser_new(&lim, NULL, NULL);

	*rc = vp_parser_feed(p, b->data, b->len);
	return p;
}

static void stream_of(struct vp_buf *b, uint16_t version)
{
	vp_buf_init(b);
	b->version = version;
	sample_stream(b);
}

static int same_state(const struct vp_parser *p)
{
	const struct vp_sym *s;
	const struct vp_map *m;
	uint64_t off;

	s = vp_lookup_user(p, 100, 0x7f0000001010ull, &m, &off);
	return vp_state_nr_procs(p) == 4 && vp_state_nr_kallsyms(p) == 3 &&
	       s && !strcmp(s->name, "memcpy");
}

static void expect(const struct vp_buf *b, uint32_t max_version,
		   const char *needle, const char *what)
{
	struct vp_parser *p;
	int rc, ok;

	p = parse(b, max_version, &rc);
	ok = rc == -1 && strstr(vp_parser_error(p), needle) &&
	     !strchr(vp_parser_error(p), '\n');
	if (!ok)
		printf("# error was: '%s'\n", vp_parser_error(p));
	tap_ok(ok, what);
	vp_parser_free(p);
}

void test_version(void)
{
	struct vp_parser *p;
	struct vp_buf b, v2, skip;
	uint64_t mem;
	int rc;

	stream_of(&b, 1);
	p = parse(&b, 0, &rc);
	tap_ok(!rc && same_state(p) && vp_state_hello(p)->version == 1 &&
	       !vp_state_hello(p)->features,
	       "version: a version 1 stream parses, HELLO says version 1");
	vp_parser_free(p);
	p = parse(&b, 1, &rc);
	tap_ok(!rc && same_state(p),
	       "version: a parser limited to version 1 takes a version 1 stream");
	vp_parser_free(p);

	stream_of(&v2, 2);
	tap_ok(v2.len == b.len + 4,
	       "version: version 2 differs only by the HELLO's features word");
	p = parse(&v2, 0, &rc);
	tap_ok(!rc && same_state(p) && vp_state_hello(p)->version == 2,
	       "version: a version 2 stream parses to the same state");
	mem = vp_state_mem(p);
	vp_parser_free(p);
	expect(&v2, 1, "unsupported version 2 (want 1..1)",
	       "version: a version 1 parser refuses version 2 in one line");

	/* A later type between the FULL and the rest, 1 MiB long. */
	vp_buf_init(&skip);
	sample_hello(&skip);
	sample_full(&skip);
	later_type(&skip, 1u << 20);
	vp_buf_free(&b);
	vp_buf_init(&b);
	sample_symbols(&b);
	sample_maps(&b, 100);
	sample_maps(&b, 200);
	sample_kallsyms(&b);
	sample_delta(&b);
	vp_put_bytes(&skip, b.data, b.len);
	p = parse(&skip, 0, &rc);
	tap_ok(!rc && vp_parser_skipped(p) == 1 && same_state(p),
	       "version: version 2 skips a later version's message type");
	tap_ok(vp_state_mem(p) == mem,
	       "version: the skipped 1 MiB payload is not buffered");
	vp_parser_free(p);

	vp_buf_free(&b);
	vp_buf_init(&b);
	b.version = 1;
	sample_hello(&b);
	later_type(&b, 8);
	expect(&b, 0, "unknown type 42",
	       "version: version 1 fails on an unknown type");

	vp_buf_free(&b);
	vp_buf_init(&b);
	later_type(&b, 8);
	sample_hello(&b);
	expect(&b, 0, "unknown type 42",
	       "version: a later type before the HELLO fails");

	vp_buf_free(&b);
	vp_buf_init(&b);
	sample_hello(&b);
	b.version = 1;
	sample_full(&b);
	expect(&b, 0, "version 1 in a version 2 stream",
	       "version: the version cannot change after the HELLO");

	vp_buf_free(&b);
	vp_buf_init(&b);
	sample_hello(&b);
	{
		const struct vp_offer o = { 1, 2, 0 };

		vp_enc_offer(&b, &o);
	}
	expect(&b, 0, "from host to agent only",
	       "version: an OFFER in the agent's stream fails");

	vp_buf_free(&b);
	vp_buf_init(&b);
	{
		struct vp_hello h = { .page_size = 4096, .features = 1u << 31 };
		struct vp_parser *later = vp_parser_new(NULL, NULL, NULL);

		vp_enc_hello(&b, &h);
		sample_full(&b);
		later_type(&b, 8);	/* what the bit would add */
		sample_maps(&b, 100);
		tap_ok(!vp_parser_feed(later, b.data, b.len) &&
		       vp_state_hello(later)->features == 1u << 31 &&
		       !(vp_state_hello(later)->features & VP_FEATURES_ALL) &&
		       vp_parser_skipped(later) == 1 && vp_lookup_tgid(later, 100)->nr_maps,
		       "features: a later agent's unknown bit in HELLO is ignored, its type skipped");
		vp_parser_free(later);
	}
	tap_ok(vp_features_use(1u << 31 | VP_FEATURES_ALL, VP_FEATURES_ALL) ==
	       VP_FEATURES_ALL,
	       "features: an agent uses no offered bit it does not know");

	/* A version 1 HELLO's payload under a version 2 header. */
	vp_buf_free(&b);
	vp_buf_init(&b);
	b.version = 1;
	sample_hello(&b);
	b.data[4] = 2;
	expect(&b, 0, "truncated features",
	       "version: a version 2 HELLO without its features word fails");

	vp_buf_free(&b);
	vp_buf_free(&v2);
	vp_buf_free(&skip);
}

void test_offer(void)
{
	const struct vp_offer o = { 1, 2, 0 };
	struct vp_offer d = { 0 };
	struct vp_buf b;
	long n;

	vp_buf_init(&b);
	b.version = 1;	/* an OFFER's header says 2 on any buffer */
	vp_enc_offer(&b, &o);
	n = vp_offer_decode(b.data, b.len, &d);
	tap_ok(n == (long)(VP_HDR_SIZE + VP_OFFER_PAYLOAD) && b.data[4] == 2 &&
	       d.min_version == 1 && d.max_version == 2 && !d.features,
	       "offer: round trip, 24 bytes, header version 2");
	tap_ok(vp_offer_decode(b.data, b.len - 1, &d) == 0 &&
	       vp_offer_decode(b.data, 10, &d) == 0,
	       "offer: a short read asks for more");
	b.data[0] ^= 1;
	tap_ok(vp_offer_decode(b.data, b.len, &d) == -1,
	       "offer: bad magic refused");
	b.data[0] ^= 1;
	b.data[VP_HDR_SIZE] = 3;	/* min 3 > max 2 */
	tap_ok(vp_offer_decode(b.data, b.len, &d) == -1,
	       "offer: min version above max refused");
	b.data[VP_HDR_SIZE] = 1;
	vp_patch_u32(&b, 8, VP_OFFER_MAX_PAYLOAD + 1);
	tap_ok(vp_offer_decode(b.data, b.len, &d) == -1,
	       "offer: a payload over 256 bytes refused");
	/* A later host's longer OFFER: its tail is read and ignored. */
	vp_patch_u32(&b, 8, VP_OFFER_PAYLOAD + 4);
	vp_put_u32(&b, 0xdeadbeef);
	tap_ok(vp_offer_decode(b.data, b.len, &d) == (long)b.len &&
	       d.max_version == 2,
	       "offer: a longer OFFER of a later host is taken");
	vp_buf_free(&b);

	tap_ok(vp_offer_version(&o, 1, 2) == 2 &&
	       vp_offer_version(&(struct vp_offer){ 1, 1, 0 }, 1, 2) == 1 &&
	       vp_offer_version(&(struct vp_offer){ 1, 5, 0 }, 1, 2) == 2 &&
	       vp_offer_version(&(struct vp_offer){ 3, 4, 0 }, 1, 2) == 0 &&
	       vp_offer_version(&o, 1, 1) == 1,
	       "offer: the highest version in both ranges, 0 when none");
}
