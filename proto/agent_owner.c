// SPDX-License-Identifier: GPL-2.0
/*
 * Which process owned a CR3 key when.  A page-table root freed by an exit
 * is handed out again soon, so one key names several processes over a
 * recording; a sample must be named by the one that held the key at the
 * sample's time, not by the last one.  Times are host times given by
 * vp_parser_set_time() (the host receive time of each message, the clock
 * the samples use), so no guest clock is trusted.
 */
#include <stdlib.h>
#include <string.h>

#include "agent_parse_int.h"

static struct vp_key *key_find(const struct vp_parser *p, uint64_t key)
{
	struct vp_key *k;

	if (!key)
		return NULL;
	k = p->by_cr3[vp_hash(p, key)];
	while (k && k->key != key)
		k = k->next;
	return k;
}

static struct vp_key *key_get(struct vp_parser *p, uint64_t key)
{
	struct vp_key *k = key_find(p, key);
	uint32_t h;

	if (k)
		return k;
	k = vp_alloc(p, sizeof(*k));
	if (!k)
		return NULL;
	memset(k, 0, sizeof(*k));
	k->key = key;
	h = vp_hash(p, key);
	k->next = p->by_cr3[h];
	p->by_cr3[h] = k;
	return k;
}

/*
 * The newest owner still holding @k, found down the @below chain from the
 * last owner: everything open now was open when the last one arrived.
 */
static uint32_t top_open(const struct vp_key *k, uint64_t *work)
{
	uint32_t i = k->nr ? k->nr - 1 : VP_NONE, steps = 0;

	while (i != VP_NONE && k->own[i].to != VP_OPEN) {
		if (++steps > VP_OWNER_WALK)
			return VP_NONE;
		i = k->own[i].below;
	}
	*work += steps;
	return i;
}

/*
 * A snapshot entry on a key without history stands for a process that was
 * already running: it owns the key from the beginning of time, so samples
 * taken before the agent connected are named too.
 */
int vp_owner_add(struct vp_parser *p, struct vp_pnode *node, int snapshot)
{
	uint64_t key = vp_cr3_key(node->proc.ent.cr3);
	struct vp_owner *o;
	struct vp_key *k;

	node->key = NULL;
	if (!key)
		return 0;
	k = key_get(p, key);
	if (!k)
		return -1;
	if (k->nr == k->cap) {
		uint32_t cap = k->cap ? k->cap * 2 : 2;
		void *v = vp_realloc(p, k->own, (size_t)k->cap * sizeof(*k->own),
				     (size_t)cap * sizeof(*k->own));

		if (!v)
			return -1;
		k->own = v;
		k->cap = cap;
	}
	o = &k->own[k->nr];
	o->from = snapshot && !k->nr ? 0 : p->now;
	o->to = VP_OPEN;
	o->node = node;
	o->below = top_open(k, &p->work);
	node->key = k;
	node->own = k->nr++;
	return 0;
}

void vp_owner_end(struct vp_parser *p, struct vp_pnode *node)
{
	struct vp_owner *o;

	if (!node->key)
		return;
	o = &node->key->own[node->own];
	if (o->to == VP_OPEN)
		o->to = p->now;
}

/* Evicted: its time stays taken, so samples then are not given to another. */
void vp_owner_forget(struct vp_parser *p, struct vp_pnode *node)
{
	vp_owner_end(p, node);
	if (node->key)
		node->key->own[node->own].node = NULL;
	node->key = NULL;
}

void vp_owner_free(struct vp_parser *p)
{
	uint32_t i;

	for (i = 0; i < VP_HASH_SIZE; i++) {
		while (p->by_cr3[i]) {
			struct vp_key *k = p->by_cr3[i];

			p->by_cr3[i] = k->next;
			vp_free(p, k->own, (size_t)k->cap * sizeof(*k->own));
			vp_free(p, k, sizeof(*k));
		}
	}
}

/*
 * The newest owner whose [from, to) holds @t.  None: @t falls between
 * owners (the previous one's exit reached the host before @t), so take
 * the next owner if its message came at most @late after @t (it started
 * before the host heard of it).  NULL when the walk bound is hit: a guest
 * that nested thousands of owners on one key gets no answer, not a slow one.
 */
static const struct vp_owner *owner_at(const struct vp_key *k, uint64_t t,
				       uint64_t late)
{
	uint32_t lo = 0, hi = k->nr, i, steps = 0;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (k->own[mid].from <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo ? lo - 1 : VP_NONE; i != VP_NONE; i = k->own[i].below) {
		if (t < k->own[i].to)
			return &k->own[i];
		if (++steps > VP_OWNER_WALK)
			return NULL;
	}
	if (lo < k->nr && k->own[lo].from - t <= late)
		return &k->own[lo];
	return NULL;
}

static const struct vp_proc *proc_at(const struct vp_parser *p, uint64_t key,
				     uint64_t t, uint64_t late)
{
	const struct vp_key *k = key_find(p, key);
	const struct vp_owner *o = k ? owner_at(k, t, late) : NULL;

	return o && o->node ? &o->node->proc : NULL;
}

const struct vp_proc *vp_lookup_cr3_at(const struct vp_parser *p,
				       uint64_t cr3, uint64_t t, uint64_t late)
{
	uint64_t key = vp_cr3_key(cr3);
	const struct vp_proc *pr = proc_at(p, key, t, late);

	/* Not an exact root: maybe the PTI user half of one. */
	if (!pr && (key & (1ull << 12)) && !key_find(p, key))
		pr = proc_at(p, key & ~(1ull << 12), t, late);
	return pr;
}

/*
 * Now: the newest owner still holding the key (a vfork parent again once
 * its child exited), else the last one if it exited rather than exec'ed
 * away: samples that arrive after an exit still resolve.
 */
static const struct vp_proc *proc_now(const struct vp_parser *p, uint64_t key)
{
	const struct vp_key *k = key_find(p, key);
	const struct vp_pnode *n;
	uint64_t work = 0;
	uint32_t i;

	if (!k || !k->nr)
		return NULL;
	i = top_open(k, &work);
	if (i != VP_NONE)
		return k->own[i].node ? &k->own[i].node->proc : NULL;
	n = k->own[k->nr - 1].node;
	return n && !n->retired ? &n->proc : NULL;
}

const struct vp_proc *vp_lookup_cr3(const struct vp_parser *p, uint64_t cr3)
{
	uint64_t key = vp_cr3_key(cr3);
	const struct vp_proc *pr = proc_now(p, key);

	if (!pr && (key & (1ull << 12)))
		pr = proc_now(p, key & ~(1ull << 12));
	return pr;
}
