// SPDX-License-Identifier: GPL-2.0
/*
 * A guest with more processes than max_procs (H7): the stream goes on.
 * A new process while max_procs are live is not kept (unnamed), maps of a
 * tgid the state does not hold are checked and dropped, and both are
 * counted by vp_parser_dropped().  Both used to fail the whole stream, and
 * with it the naming of every other process of the recording.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../agent_proto.h"
#include "sample.h"
#include "tap.h"
#include "tests.h"

static void entry(struct vp_cr3_entry *e, uint32_t tgid, uint8_t ev)
{
	memset(e, 0, sizeof(*e));
	e->cr3 = 0x100000ull + (uint64_t)tgid * 0x2000;
	e->time_ns = tgid;
	e->tgid = tgid;
	e->pid = tgid;
	e->ppid = 1;
	e->event = ev;
	snprintf(e->comm, sizeof(e->comm), "p%u", tgid);
}

static void delta(struct vp_buf *b, uint32_t tgid, uint8_t ev)
{
	struct vp_cr3_entry e;

	entry(&e, tgid, ev);
	vp_enc_cr3(b, VP_MSG_CR3_MAP_DELTA, &e, 1);
}

static int feed(struct vp_parser *p, struct vp_buf *b)
{
	int rc = vp_parser_feed(p, b->data, b->len);

	if (rc)
		printf("# error: %s\n", vp_parser_error(p));
	vp_buf_reset(b);
	return rc;
}

static int has_maps(const struct vp_parser *p, uint32_t tgid)
{
	const struct vp_proc *pr = vp_lookup_tgid(p, tgid);

	return pr && pr->nr_maps == 2;
}

/* Maps of a tgid never introduced: dropped, but still checked. */
static void test_unknown_maps(void)
{
	const struct vp_map m = { 0x2000, 0x1000, 0, VP_PROT_R, 0, { 0 }, "x" };
	struct vp_parser *p = vp_parser_new(NULL, NULL, NULL);
	struct vp_buf b;
	int rc;

	vp_buf_init(&b);
	sample_hello(&b);
	sample_full(&b);
	sample_maps(&b, 4242);
	sample_maps(&b, 100);
	rc = feed(p, &b);
	tap_ok(!rc && vp_parser_dropped(p) == 1 && !vp_lookup_tgid(p, 4242) &&
	       has_maps(p, 100),
	       "procs: maps for an unknown tgid are dropped, the stream goes on");
	vp_msg_begin(&b, VP_MSG_PROC_MAPS);
	vp_put_u32(&b, 4242);
	vp_put_u32(&b, 1);
	vp_put_map(&b, &m);
	vp_msg_end(&b);
	rc = vp_parser_feed(p, b.data, b.len);
	tap_ok(rc == -1 && strstr(vp_parser_error(p), "empty or inverted"),
	       "procs: dropped maps are still checked (an inverted map fails)");
	vp_parser_free(p);
	vp_buf_free(&b);
}

/* max_procs 2: a third live process is unnamed until one exits. */
static void test_small_limit(void)
{
	struct vp_limits lim = { .max_procs = 2 };
	struct vp_parser *p = vp_parser_new(&lim, NULL, NULL);
	struct vp_buf b;
	int rc;

	vp_buf_init(&b);
	sample_hello(&b);
	sample_full(&b);		/* tgids 100, 200 */
	delta(&b, 300, VP_EV_FORK);
	sample_maps(&b, 300);
	sample_maps(&b, 200);
	rc = feed(p, &b);
	tap_ok(!rc && !vp_lookup_tgid(p, 300) && has_maps(p, 200) &&
	       vp_parser_dropped(p) == 2,
	       "procs: a fork past max_procs live processes is dropped, not a failure");
	delta(&b, 100, VP_EV_EXIT);
	delta(&b, 301, VP_EV_FORK);
	sample_maps(&b, 301);
	rc = feed(p, &b);
	tap_ok(!rc && has_maps(p, 301) && vp_parser_dropped(p) == 2,
	       "procs: once one has exited, the next fork is kept with its maps");
	delta(&b, 200, VP_EV_EXEC);
	sample_maps(&b, 200);
	rc = feed(p, &b);
	tap_ok(!rc && has_maps(p, 200) && vp_parser_dropped(p) == 2,
	       "procs: at the limit, an exec replaces its own incarnation");
	vp_parser_free(p);
	vp_buf_free(&b);
}

/* The default limit, as a guest of 65,537 processes sends it. */
static void test_default_limit(void)
{
	const uint32_t n = VP_DEF_MAX_PROCS + 1;
	struct vp_parser *p = vp_parser_new(NULL, NULL, NULL);
	struct vp_cr3_entry *all = calloc(n, sizeof(*all));
	struct vp_buf b;
	uint32_t i, named = 0;
	int rc;

	vp_buf_init(&b);
	sample_hello(&b);
	for (i = 0; i < n; i++)
		entry(&all[i], 1000 + i, VP_EV_SNAPSHOT);
	vp_enc_cr3(&b, VP_MSG_CR3_MAP_FULL, all, n);
	for (i = 0; i < n; i++)
		sample_maps(&b, 1000 + i);
	delta(&b, 1000 + n, VP_EV_FORK);
	rc = feed(p, &b);
	for (i = 0; i < n; i++)
		named += has_maps(p, 1000 + i);
	printf("# %u processes: %u named, %llu entries or maps dropped\n", n,
	       named, (unsigned long long)vp_parser_dropped(p));
	tap_ok(!rc && named == VP_DEF_MAX_PROCS && vp_parser_dropped(p) == 3,
	       "procs: 65,537 processes and a fork: 65,536 named, the stream goes on");
	vp_parser_free(p);
	vp_buf_free(&b);
	free(all);
}

void test_procs(void)
{
	test_unknown_maps();
	test_small_limit();
	test_default_limit();
}
