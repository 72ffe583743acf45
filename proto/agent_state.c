// SPDX-License-Identifier: GPL-2.0
/*
 * State the parser builds from a validated agent stream: processes indexed
 * by tgid and by masked CR3, mappings per process, symbol tables per
 * build-id, and kallsyms.  Every byte is charged to limits.mem_budget so a
 * hostile guest cannot make the host allocate without bound.
 */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent_parse_int.h"

/*
 * Charged is what malloc really holds: the usable size plus the chunk
 * header (a 1-byte name costs a 32-byte chunk), not the size asked for.
 * Before allocating, the budget is checked with glibc's chunk size for
 * the request; after, with the real one.
 */
#define VP_CHUNK_HDR	sizeof(size_t)

static size_t chunk_est(size_t n)
{
	size_t c = (n + VP_CHUNK_HDR + 15) & ~(size_t)15;

	return c < 32 ? 32 : c;
}

static size_t chunk_of(void *ptr)
{
	return malloc_usable_size(ptr) + VP_CHUNK_HDR;
}

static int over_budget(struct vp_parser *p, size_t more)
{
	const struct vp_pool *pool = p->pool;

	if (more <= pool->limit && pool->used <= pool->limit - more)
		return 0;
	vp_fail(p, "state would exceed the memory budget of %llu bytes",
		(unsigned long long)pool->limit);
	return 1;
}

static void charge(struct vp_parser *p, size_t add, size_t sub)
{
	p->mem = p->mem - sub + add;
	p->pool->used = p->pool->used - sub + add;
}

void *vp_alloc(struct vp_parser *p, size_t n)
{
	void *ptr;

	if (n > SIZE_MAX / 2 || over_budget(p, chunk_est(n)))
		return NULL;
	ptr = malloc(n ? n : 1);
	if (!ptr) {
		vp_fail(p, "out of memory");
		return NULL;
	}
	if (over_budget(p, chunk_of(ptr))) {
		free(ptr);
		return NULL;
	}
	charge(p, chunk_of(ptr), 0);
	return ptr;
}

/* @old_n is not needed: the charge is the chunk's real size. */
void *vp_realloc(struct vp_parser *p, void *old, size_t old_n, size_t new_n)
{
	size_t oldc = old ? chunk_of(old) : 0, est;
	void *ptr;

	if (new_n > SIZE_MAX / 2)
		return vp_fail(p, "out of memory"), NULL;
	est = chunk_est(new_n);
	if (est > oldc && over_budget(p, est - oldc))
		return NULL;
	ptr = realloc(old, new_n ? new_n : 1);
	if (!ptr) {
		vp_fail(p, "out of memory");
		return NULL;
	}
	/* Past the estimate by at most mmap's page rounding: kept, charged. */
	charge(p, chunk_of(ptr), oldc);
	return ptr;
}

void vp_free(struct vp_parser *p, void *ptr, size_t n)
{
	if (!ptr)
		return;
	charge(p, 0, chunk_of(ptr));
	free(ptr);
}

char *vp_strdup_clean(struct vp_parser *p, const uint8_t *s, size_t n)
{
	char *d = vp_alloc(p, n + 1);

	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	vp_sanitize(d, n);
	return d;
}

/*
 * Multiplicative hashing with a random odd multiplier per parser: pids and
 * page-aligned addresses spread well, and a guest that does not know the
 * multiplier cannot fill one chain to make every lookup linear.
 */
uint32_t vp_hash(const struct vp_parser *p, uint64_t key)
{
	key ^= key >> 29;
	return (uint32_t)((key * p->hash_key) >> (64 - VP_HASH_BITS));
}

void vp_maps_free(struct vp_parser *p, struct vp_map *maps, uint32_t n)
{
	uint32_t i;

	if (!maps)
		return;
	for (i = 0; i < n; i++)
		if (maps[i].path)
			vp_free(p, maps[i].path, strlen(maps[i].path) + 1);
	vp_free(p, maps, (size_t)n * sizeof(*maps));
}

/* ---- processes ---------------------------------------------------------- */

static struct vp_pnode *find_tgid(const struct vp_parser *p, uint32_t tgid)
{
	struct vp_pnode *n = p->by_tgid[vp_hash(p, tgid)];

	while (n && n->proc.ent.tgid != tgid)
		n = n->next_tgid;
	return n;
}

static void tgid_unhash(struct vp_parser *p, struct vp_pnode *node)
{
	struct vp_pnode **pp = &p->by_tgid[vp_hash(p, node->proc.ent.tgid)];

	if (!node->hashed)
		return;
	while (*pp != node)
		pp = &(*pp)->next_tgid;
	*pp = node->next_tgid;
	node->next_tgid = NULL;
	node->hashed = 0;
}

static void live_unlink(struct vp_parser *p, struct vp_pnode *node)
{
	if (node->live_prev)
		node->live_prev->live_next = node->live_next;
	else if (p->live_head == node)
		p->live_head = node->live_next;
	if (node->live_next)
		node->live_next->live_prev = node->live_prev;
	node->live_prev = NULL;
	node->live_next = NULL;
}

static void exit_unlink(struct vp_parser *p, struct vp_pnode *node)
{
	if (!node->proc.exited && !node->retired)
		return;
	if (node->exit_prev)
		node->exit_prev->exit_next = node->exit_next;
	else
		p->exit_head = node->exit_next;
	if (node->exit_next)
		node->exit_next->exit_prev = node->exit_prev;
	else
		p->exit_tail = node->exit_prev;
	node->exit_prev = NULL;
	node->exit_next = NULL;
}

/* An incarnation ends: it lets go of its CR3 and becomes evictable. */
static void proc_end(struct vp_parser *p, struct vp_pnode *node)
{
	live_unlink(p, node);
	vp_owner_end(p, node);
	node->exit_prev = p->exit_tail;
	node->exit_next = NULL;
	if (p->exit_tail)
		p->exit_tail->exit_next = node;
	else
		p->exit_head = node;
	p->exit_tail = node;
}

static void mark_exited(struct vp_parser *p, struct vp_pnode *node,
			uint64_t time_ns)
{
	if (node->proc.exited || node->retired)
		return;
	node->proc.exited = 1;
	node->proc.exit_ns = time_ns;
	proc_end(p, node);
}

/* A newer incarnation of the tgid takes over; this one stays for lookups. */
static void retire(struct vp_parser *p, struct vp_pnode *node)
{
	tgid_unhash(p, node);
	if (node->proc.exited || node->retired)
		return;
	node->retired = 1;
	proc_end(p, node);
}

static void proc_remove(struct vp_parser *p, struct vp_pnode *node)
{
	struct vp_pnode *last;

	tgid_unhash(p, node);
	live_unlink(p, node);
	exit_unlink(p, node);
	vp_owner_forget(p, node);
	last = p->procs[--p->nr_procs];
	last->idx = node->idx;
	p->procs[node->idx] = last;
	vp_maps_free(p, node->proc.maps, node->proc.nr_maps);
	vp_free(p, node, sizeof(*node));
}

/*
 * At the process limit, forget the incarnation that ended first; 1 when
 * every one is live: the caller does not keep the new one.
 */
static int proc_make_room(struct vp_parser *p)
{
	if (p->nr_procs < p->lim.max_procs)
		return 0;
	if (!p->exit_head)
		return 1;
	proc_remove(p, p->exit_head);
	return 0;
}

static struct vp_pnode *proc_new(struct vp_parser *p,
				 const struct vp_cr3_entry *e, int full)
{
	struct vp_pnode *node;
	uint32_t h = vp_hash(p, e->tgid);

	if (proc_make_room(p)) {
		p->dropped++;
		return NULL;
	}
	if (p->nr_procs == p->cap_procs) {
		uint32_t cap = p->cap_procs ? p->cap_procs * 2 : 64;
		void *v = vp_realloc(p, p->procs,
				     p->cap_procs * sizeof(*p->procs),
				     cap * sizeof(*p->procs));

		if (!v)
			return NULL;
		p->procs = v;
		p->cap_procs = cap;
	}
	node = vp_alloc(p, sizeof(*node));
	if (!node)
		return NULL;
	memset(node, 0, sizeof(*node));
	node->proc.ent = *e;
	if (vp_owner_add(p, node, full)) {
		vp_free(p, node, sizeof(*node));
		return NULL;
	}
	node->next_tgid = p->by_tgid[h];
	p->by_tgid[h] = node;
	node->hashed = 1;
	node->live_next = p->live_head;
	if (p->live_head)
		p->live_head->live_prev = node;
	p->live_head = node;
	node->idx = p->nr_procs;
	p->procs[p->nr_procs++] = node;
	return node;
}

void vp_state_full_begin(struct vp_parser *p)
{
	p->gen++;
}

/*
 * Processes a new snapshot no longer lists have exited meanwhile.  Only
 * live ones can be, so only they are walked: each got there by an entry,
 * which pays for its visit (an empty FULL after 65,536 processes costs
 * them once, not at every FULL).
 */
void vp_state_full_end(struct vp_parser *p, uint64_t time_ns)
{
	struct vp_pnode *n = p->live_head, *next;

	for (; n; n = next) {
		next = n->live_next;
		p->work++;
		if (n->gen != p->gen)
			mark_exited(p, n, time_ns);
	}
}

/*
 * An EXIT carries the name the process had when it died: a process may
 * rename itself after exec (prctl(PR_SET_NAME); busybox re-executes
 * itself as /proc/self/exe, so its exec event says "exe", then renames
 * itself to the applet), which no other event reports.  Keep everything
 * else of the last fork/exec/snapshot entry: an EXIT has no CR3.
 */
static int state_exit(struct vp_parser *p, const struct vp_cr3_entry *e)
{
	struct vp_pnode *node = find_tgid(p, e->tgid);

	if (!node)
		return 0;
	if (e->comm[0])
		memcpy(node->proc.ent.comm, e->comm, VP_COMM_LEN);
	mark_exited(p, node, e->time_ns);
	return 0;
}

/*
 * The same incarnation goes on only when a snapshot lists a live process
 * with the CR3 it had: a fork, an exec, a new CR3 or a tgid that had
 * exited start a new one, and the old one keeps its name and mappings for
 * the samples taken while it ran.
 */
int vp_state_cr3(struct vp_parser *p, const struct vp_cr3_entry *e, int full)
{
	struct vp_pnode *node;

	p->work++;
	if (e->event == VP_EV_EXIT)
		return state_exit(p, e);
	node = find_tgid(p, e->tgid);
	if (full && node && node->gen == p->gen)
		return vp_fail(p, "tgid %u listed twice", e->tgid);
	if (node && e->event == VP_EV_SNAPSHOT && !node->proc.exited &&
	    node->proc.ent.cr3 == e->cr3) {
		node->proc.ent = *e;
	} else {
		uint64_t dropped = p->dropped;

		if (node)
			retire(p, node);
		node = proc_new(p, e, full);
		/*
		 * Past max_procs live processes a guest of more is still
		 * profiled: this one is unnamed, its maps are dropped.
		 */
		if (!node)
			return p->dropped != dropped ? 0 : -1;
	}
	if (full)
		node->gen = p->gen;
	return 0;
}

int vp_state_maps(struct vp_parser *p, uint32_t tgid, struct vp_map *maps,
		  uint32_t n)
{
	struct vp_pnode *node = find_tgid(p, tgid);

	vp_maps_free(p, node->proc.maps, node->proc.nr_maps);
	node->proc.maps = maps;
	node->proc.nr_maps = n;
	return 0;
}

const struct vp_proc *vp_lookup_tgid(const struct vp_parser *p, uint32_t tgid)
{
	struct vp_pnode *n = find_tgid(p, tgid);

	return n ? &n->proc : NULL;
}

const struct vp_proc *vp_state_proc(const struct vp_parser *p, uint32_t idx)
{
	return idx < p->nr_procs ? &p->procs[idx]->proc : NULL;
}

uint32_t vp_state_nr_procs(const struct vp_parser *p)
{
	return p->nr_procs;
}

uint32_t vp_state_nr_objects(const struct vp_parser *p)
{
	return p->nr_objects;
}

uint32_t vp_state_nr_kallsyms(const struct vp_parser *p)
{
	return p->kallsyms.nr;
}

uint64_t vp_state_mem(const struct vp_parser *p)
{
	return p->mem;
}

/* Every vp_proc the API hands out is the first member of a vp_pnode. */
uint32_t vp_state_proc_index(const struct vp_proc *pr)
{
	_Static_assert(offsetof(struct vp_pnode, proc) == 0, "proc first");
	return ((const struct vp_pnode *)pr)->idx;
}

/* An incarnation that a newer one of its tgid (an exec) replaced. */
int vp_state_proc_replaced(const struct vp_proc *pr)
{
	return ((const struct vp_pnode *)pr)->retired;
}

uint64_t vp_parser_work(const struct vp_parser *p)
{
	return p->work;
}

static void symtab_free(struct vp_parser *p, struct vp_symtab *t)
{
	uint32_t i;

	for (i = 0; i < t->nr; i++)
		vp_free(p, t->syms[i].name, strlen(t->syms[i].name) + 1);
	vp_free(p, t->syms, (size_t)t->cap * sizeof(*t->syms));
	memset(t, 0, sizeof(*t));
}

void vp_state_free(struct vp_parser *p)
{
	uint32_t i;

	while (p->nr_procs)
		proc_remove(p, p->procs[0]);
	vp_free(p, p->procs, (size_t)p->cap_procs * sizeof(*p->procs));
	p->procs = NULL;
	p->cap_procs = 0;
	for (i = 0; i < VP_HASH_SIZE; i++) {
		while (p->objects[i]) {
			struct vp_object *o = p->objects[i];

			p->objects[i] = o->next;
			symtab_free(p, &o->tab);
			vp_free(p, o, sizeof(*o));
		}
	}
	symtab_free(p, &p->kallsyms);
	vp_owner_free(p);
}
