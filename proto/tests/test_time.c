// SPDX-License-Identifier: GPL-2.0
/*
 * A sample is named by the process that held its CR3 at the sample's host
 * time, not by the last one: CR3 reuse after an exit, a vfork child that
 * exits, an exec; and the cost of a FULL does not grow with the processes
 * an earlier one listed.
 */
#include <string.h>

#include "../agent_proto.h"
#include "sample.h"
#include "tap.h"
#include "tests.h"

#define ROOT_X	0x10a000ull
#define ROOT_Y	0x20a000ull
#define LATE	100u

static int feed_at(struct vp_parser *p, uint64_t t,
		   const struct vp_cr3_entry *e, uint32_t n, int full)
{
	struct vp_buf b;
	int rc;

	vp_buf_init(&b);
	vp_enc_cr3(&b, full ? VP_MSG_CR3_MAP_FULL : VP_MSG_CR3_MAP_DELTA, e, n);
	vp_parser_set_time(p, t);
	rc = vp_parser_feed(p, b.data, b.len);
	vp_buf_free(&b);
	return rc;
}

static struct vp_parser *new_parser(void)
{
	struct vp_parser *p = vp_parser_new(NULL, NULL, NULL);
	struct vp_buf b;

	vp_buf_init(&b);
	sample_hello(&b);
	vp_parser_feed(p, b.data, b.len);
	vp_buf_free(&b);
	return p;
}

static int is(const struct vp_proc *pr, uint32_t tgid)
{
	return pr && pr->ent.tgid == tgid;
}

/* procA runs with root X and exits, procB gets X: each keeps its samples. */
static void test_reuse(void)
{
	const struct vp_cr3_entry a = { ROOT_X, 1, 21, 21, 1, VP_EV_FORK, "procA" };
	struct vp_cr3_entry x = a;
	const struct vp_cr3_entry b = { ROOT_X, 3, 22, 22, 1, VP_EV_FORK, "procB" };
	struct vp_parser *p = new_parser();

	x.event = VP_EV_EXIT;
	feed_at(p, 1000, &a, 1, 0);
	feed_at(p, 2000, &x, 1, 0);
	feed_at(p, 3000, &b, 1, 0);
	tap_ok(is(vp_lookup_cr3_at(p, ROOT_X | 5, 1500, LATE), 21),
	       "reuse: a sample while procA held X is procA");
	tap_ok(is(vp_lookup_cr3_at(p, ROOT_X, 3500, LATE), 22),
	       "reuse: a sample after procB got X is procB");
	tap_ok(is(vp_lookup_cr3_at(p, ROOT_X, 2950, LATE), 22),
	       "reuse: between owners, procB's message came within the lateness bound");
	tap_ok(!vp_lookup_cr3_at(p, ROOT_X, 2500, LATE),
	       "reuse: between owners, nobody within the bound: unknown");
	tap_ok(is(vp_lookup_cr3_at(p, ROOT_X, 950, LATE), 21),
	       "reuse: a sample just before procA's fork reached the host is procA");
	tap_ok(is(vp_lookup_cr3(p, ROOT_X), 22), "reuse: now X is procB");
	vp_parser_free(p);
}

/*
 * vfork: the child runs on the parent's root while the parent waits; once
 * the child exits (exec failed: _exit) the parent owns it again.
 */
static void test_vfork_exit(void)
{
	const struct vp_cr3_entry par = { ROOT_X, 1, 10, 10, 1, VP_EV_SNAPSHOT, "shell" };
	const struct vp_cr3_entry ch = { ROOT_X, 2, 12, 12, 10, VP_EV_FORK, "shell" };
	struct vp_cr3_entry ex = ch;
	struct vp_parser *p = new_parser();

	ex.event = VP_EV_EXIT;
	feed_at(p, 1000, &par, 1, 1);
	feed_at(p, 2000, &ch, 1, 0);
	feed_at(p, 3000, &ex, 1, 0);
	tap_ok(is(vp_lookup_cr3(p, ROOT_X), 10),
	       "vfork+_exit: the live parent owns its root again, not the dead child");
	tap_ok(is(vp_lookup_cr3_at(p, ROOT_X, 2500, LATE), 12),
	       "vfork+_exit: a sample while the child ran is the child");
	tap_ok(is(vp_lookup_cr3_at(p, ROOT_X, 3500, LATE), 10),
	       "vfork+_exit: a later sample is the parent");
	tap_ok(is(vp_lookup_cr3_at(p, ROOT_X, 10, LATE), 10),
	       "snapshot: a sample before the agent connected is the listed process");
	vp_parser_free(p);
}

/* An exec keeps the tgid but not the name or the mappings: both stay. */
static void test_exec(void)
{
	const struct vp_cr3_entry f = { ROOT_X, 1, 30, 30, 1, VP_EV_FORK, "sh" };
	struct vp_cr3_entry e = f;
	const struct vp_proc *before, *after;
	struct vp_parser *p = new_parser();

	e.cr3 = ROOT_Y;
	e.event = VP_EV_EXEC;
	strcpy(e.comm, "ls");
	feed_at(p, 1000, &f, 1, 0);
	feed_at(p, 2000, &e, 1, 0);
	before = vp_lookup_cr3_at(p, ROOT_X, 1500, LATE);
	after = vp_lookup_cr3_at(p, ROOT_Y, 2500, LATE);
	tap_ok(before && after && before != after &&
	       !strcmp(before->ent.comm, "sh") && !strcmp(after->ent.comm, "ls") &&
	       vp_lookup_tgid(p, 30) == after,
	       "exec: samples before it are the old image, after it the new");
	tap_ok(!vp_lookup_cr3(p, ROOT_X), "exec: the old root no longer maps now");
	tap_ok(vp_state_proc(p, vp_state_proc_index(before)) == before,
	       "an incarnation is found again by its index");
	tap_ok(vp_state_proc_replaced(before) && !vp_state_proc_replaced(after),
	       "exec: the old incarnation is marked replaced, the new one not");
	vp_parser_free(p);
}

/*
 * 65,536 processes, then empty FULLs: each used to walk every process.
 * Work is counted, not timed: at most a few steps per entry and message.
 */
#define MANY	65536u
#define EMPTY	2000u

static void test_full_cost(void)
{
	static struct vp_cr3_entry e[MANY];
	struct vp_parser *p = new_parser();
	uint64_t w0, w;
	uint32_t i;
	int rc;

	for (i = 0; i < MANY; i++) {
		e[i] = (struct vp_cr3_entry){ 0x1000000ull + (uint64_t)i * 0x2000,
					      1, i + 1, i + 1, 1, VP_EV_SNAPSHOT, "p" };
	}
	rc = feed_at(p, 1, e, MANY, 1);
	w0 = vp_parser_work(p);
	for (i = 0; i < EMPTY && !rc; i++)
		rc = feed_at(p, 2 + i, NULL, 0, 1);
	w = vp_parser_work(p) - w0;
	tap_ok(!rc && vp_state_nr_procs(p) == MANY, "65,536 processes, then empty FULLs");
	tap_ok(w <= 2 * (MANY + EMPTY),
	       "empty FULLs after 65,536 processes: work bounded by entries + messages");
	printf("# %llu steps for %u empty FULLs\n", (unsigned long long)w, EMPTY);
	vp_parser_free(p);
}

void test_time(void)
{
	test_reuse();
	test_vfork_exit();
	test_exec();
	test_full_cost();
}

/* Only a fork that did not exec runs its parent's code. */
void test_parent_maps(void)
{
	const struct vp_cr3_entry f = { ROOT_X, 1, 40, 40, 100, VP_EV_FORK, "bash" };
	struct vp_cr3_entry e = f;
	const struct vp_proc *child, *execd;
	const struct vp_map *m1 = NULL, *m2 = NULL;
	struct vp_parser *p = new_parser();
	struct vp_buf b;

	vp_buf_init(&b);
	sample_full(&b);
	sample_maps(&b, 100);
	vp_parser_feed(p, b.data, b.len);
	vp_buf_free(&b);
	e.cr3 = ROOT_Y;
	e.event = VP_EV_EXEC;
	strcpy(e.comm, "ls");
	feed_at(p, 1000, &f, 1, 0);
	feed_at(p, 2000, &e, 1, 0);
	child = vp_lookup_cr3_at(p, ROOT_X, 1500, LATE);
	execd = vp_lookup_cr3_at(p, ROOT_Y, 2500, LATE);
	vp_lookup_user_proc(p, child, 0x7f0000001010ull, &m1, NULL);
	vp_lookup_user_proc(p, execd, 0x7f0000001010ull, &m2, NULL);
	tap_ok(m1 && !m2,
	       "a forked child uses its parent's maps; an exec'ed one without maps does not");
	vp_parser_free(p);
}
