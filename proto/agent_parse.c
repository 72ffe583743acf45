// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side parser of the agent stream: reassembles messages from bytes
 * fed in any split, validates every field against struct vp_limits and
 * hands the result to agent_state.c.  The guest is untrusted: each count
 * is checked against the bytes left before anything is allocated, and the
 * first violation fails the stream for good.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>

#include "agent_parse_int.h"

static const char *const vp_type_names[] = {
	[VP_MSG_HELLO] = "HELLO",
	[VP_MSG_CR3_MAP_FULL] = "CR3_MAP_FULL",
	[VP_MSG_CR3_MAP_DELTA] = "CR3_MAP_DELTA",
	[VP_MSG_PROC_MAPS] = "PROC_MAPS",
	[VP_MSG_SYMBOLS] = "SYMBOLS",
	[VP_MSG_KALLSYMS] = "KALLSYMS",
	[VP_MSG_OFFER] = "OFFER",
};

/* A read cursor over one payload. */
struct vp_cur {
	const uint8_t *p;
	size_t left;
};

int vp_fail(struct vp_parser *p, const char *fmt, ...)
{
	const char *name = "header";
	va_list ap;
	int n;

	if (p->failed)
		return -1;
	p->failed = 1;
	if (p->hdr_have == VP_HDR_SIZE && p->type && p->type <= VP_MSG_MAX)
		name = vp_type_names[p->type];
	n = snprintf(p->err, sizeof(p->err), "agent stream: message %llu (%s): ",
		     (unsigned long long)p->nr_msgs + 1, name);
	if (n < 0 || (size_t)n >= sizeof(p->err))
		return -1;
	va_start(ap, fmt);
	vsnprintf(p->err + n, sizeof(p->err) - n, fmt, ap);
	va_end(ap);
	return -1;
}

static int cur_take(struct vp_cur *c, size_t n, const uint8_t **out)
{
	if (c->left < n)
		return -1;
	*out = c->p;
	c->p += n;
	c->left -= n;
	return 0;
}

static int cur_int(struct vp_cur *c, unsigned int n, uint64_t *v)
{
	const uint8_t *s;

	if (cur_take(c, n, &s))
		return -1;
	*v = vp_get_le(s, n);
	return 0;
}

static int cur_u32(struct vp_cur *c, uint32_t *v)
{
	uint64_t t;

	if (cur_int(c, 4, &t))
		return -1;
	*v = (uint32_t)t;
	return 0;
}

static int cur_u64(struct vp_cur *c, uint64_t *v)
{
	return cur_int(c, 8, v);
}

/* A string: u16 length, then bytes; over @max fails. */
static int cur_str(struct vp_parser *p, struct vp_cur *c, size_t max,
		   const char *what, const uint8_t **s, size_t *n)
{
	uint64_t len;

	if (cur_int(c, 2, &len))
		return vp_fail(p, "truncated %s length", what);
	if (len > max)
		return vp_fail(p, "%s of %llu bytes exceeds limit %zu", what,
			       (unsigned long long)len, max);
	if (cur_take(c, len, s))
		return vp_fail(p, "%s runs past the payload end", what);
	*n = len;
	return 0;
}

static int cur_build_id(struct vp_parser *p, struct vp_cur *c, uint8_t *id,
			uint8_t *len)
{
	const uint8_t *s;
	uint64_t n;

	if (cur_int(c, 1, &n))
		return vp_fail(p, "truncated build-id");
	if (n > VP_BUILD_ID_MAX)
		return vp_fail(p, "build-id of %llu bytes exceeds limit %u",
			       (unsigned long long)n, VP_BUILD_ID_MAX);
	if (cur_take(c, n, &s))
		return vp_fail(p, "build-id runs past the payload end");
	memcpy(id, s, n);
	*len = (uint8_t)n;
	return 0;
}

/* Fails unless @count entries of at least @min bytes fit in what is left. */
static int cur_count(struct vp_parser *p, struct vp_cur *c, uint32_t count,
		     size_t min, uint32_t limit, const char *what)
{
	if (count > limit)
		return vp_fail(p, "%u %s exceed limit %u", count, what, limit);
	if ((uint64_t)count * min > c->left)
		return vp_fail(p, "%u %s cannot fit in %zu bytes", count, what,
			       c->left);
	return 0;
}

static int cur_end(struct vp_parser *p, const struct vp_cur *c)
{
	if (c->left)
		return vp_fail(p, "%zu trailing bytes", c->left);
	return 0;
}

static void copy_clean(char *dst, const uint8_t *s, size_t n)
{
	memcpy(dst, s, n);
	dst[n] = '\0';
	vp_sanitize(dst, n);
}

static int parse_hello(struct vp_parser *p, struct vp_cur *c)
{
	struct vp_hello *h = &p->hello;
	const uint8_t *s;
	size_t n;

	if (p->have_hello)
		return vp_fail(p, "duplicate HELLO");
	if (cur_u32(c, &h->flags) || cur_u32(c, &h->page_size) ||
	    cur_take(c, sizeof(h->boot_id), &s) || cur_u64(c, &h->mono_ns))
		return vp_fail(p, "truncated");
	memcpy(h->boot_id, s, sizeof(h->boot_id));
	if (h->flags & ~VP_HELLO_FLAGS_ALL)
		return vp_fail(p, "unknown flags 0x%x", h->flags);
	if (h->page_size < 4096 || h->page_size > 65536 ||
	    (h->page_size & (h->page_size - 1)))
		return vp_fail(p, "bad page size %u", h->page_size);
	if (cur_str(p, c, VP_RELEASE_MAX, "release", &s, &n))
		return -1;
	copy_clean(h->release, s, n);
	if (cur_str(p, c, VP_HOSTNAME_MAX, "hostname", &s, &n))
		return -1;
	copy_clean(h->hostname, s, n);
	h->version = p->hdr_version;
	h->features = 0;
	if (h->version >= 2) {
		/* A later agent's bits name types this parser skips. */
		if (cur_u32(c, &h->features))
			return vp_fail(p, "truncated features");
	}
	if (cur_end(p, c))
		return -1;
	p->have_hello = 1;
	if (p->cb.on_hello)
		p->cb.on_hello(p->ctx, h);
	return 0;
}

static int parse_cr3_entry(struct vp_parser *p, struct vp_cur *c,
			   struct vp_cr3_entry *e)
{
	uint64_t ev, flags, rsv;
	const uint8_t *s;

	if (cur_u64(c, &e->cr3) || cur_u64(c, &e->time_ns) ||
	    cur_u32(c, &e->tgid) || cur_u32(c, &e->pid) ||
	    cur_u32(c, &e->ppid) || cur_int(c, 1, &ev) ||
	    cur_int(c, 1, &flags) || cur_int(c, 2, &rsv) ||
	    cur_take(c, VP_COMM_LEN, &s))
		return vp_fail(p, "truncated entry");
	if (flags || rsv)
		return vp_fail(p, "tgid %u: non-zero reserved fields", e->tgid);
	if (!memchr(s, 0, VP_COMM_LEN))
		return vp_fail(p, "tgid %u: unterminated comm", e->tgid);
	e->event = (uint8_t)ev;
	memcpy(e->comm, s, VP_COMM_LEN);
	vp_sanitize(e->comm, strlen(e->comm));
	return 0;
}

static int parse_cr3(struct vp_parser *p, struct vp_cur *c, int full)
{
	uint32_t count, rsv, i;
	uint64_t last_ns = 0;

	if (cur_u32(c, &count) || cur_u32(c, &rsv))
		return vp_fail(p, "truncated");
	if (rsv)
		return vp_fail(p, "non-zero reserved field");
	if ((uint64_t)count * VP_CR3_ENTRY_SIZE != c->left)
		return vp_fail(p, "count %u does not match %zu payload bytes",
			       count, c->left);
	if (full)
		vp_state_full_begin(p);
	for (i = 0; i < count; i++) {
		struct vp_cr3_entry e;

		if (parse_cr3_entry(p, c, &e))
			return -1;
		if (full != (e.event == VP_EV_SNAPSHOT) || e.event > VP_EV_EXIT)
			return vp_fail(p, "tgid %u: event %u not allowed here",
				       e.tgid, e.event);
		if (vp_state_cr3(p, &e, full))
			return -1;
		if (e.time_ns > last_ns)
			last_ns = e.time_ns;
		if (p->cb.on_cr3)
			p->cb.on_cr3(p->ctx, &e);
	}
	if (full)
		vp_state_full_end(p, last_ns);
	return 0;
}

/* With @keep 0 the entry is checked but its path not copied. */
static int parse_map(struct vp_parser *p, struct vp_cur *c, struct vp_map *m,
		     const struct vp_map *prev, int keep)
{
	const uint8_t *s;
	size_t n;

	if (cur_u64(c, &m->start) || cur_u64(c, &m->end) ||
	    cur_u64(c, &m->pgoff) || cur_u32(c, &m->prot))
		return vp_fail(p, "truncated map entry");
	if (m->start >= m->end)
		return vp_fail(p, "map %#llx-%#llx is empty or inverted",
			       (unsigned long long)m->start,
			       (unsigned long long)m->end);
	if (prev && m->start < prev->end)
		return vp_fail(p, "map at %#llx overlaps or precedes the previous one",
			       (unsigned long long)m->start);
	if (m->prot & ~0xfu)
		return vp_fail(p, "unknown prot bits 0x%x", m->prot);
	if (cur_build_id(p, c, m->build_id, &m->build_id_len))
		return -1;
	if (cur_str(p, c, VP_PATH_MAX, "path", &s, &n))
		return -1;
	if (!keep)
		return 0;
	m->path = vp_strdup_clean(p, s, n);
	return m->path ? 0 : -1;
}

/*
 * Maps of a process the state does not hold: never introduced (past
 * max_procs, at the agent or here) or forgotten (exited, then evicted).
 * Checked as any, not kept, and the stream goes on.
 */
static int drop_maps(struct vp_parser *p, struct vp_cur *c, uint32_t count)
{
	struct vp_map m[2];
	uint32_t i;

	for (i = 0; i < count; i++)
		if (parse_map(p, c, &m[i & 1], i ? &m[!(i & 1)] : NULL, 0))
			return -1;
	if (cur_end(p, c))
		return -1;
	p->dropped++;
	return 0;
}

static int parse_maps(struct vp_parser *p, struct vp_cur *c)
{
	struct vp_map *maps = NULL;
	uint32_t tgid, count, i;

	if (cur_u32(c, &tgid) || cur_u32(c, &count))
		return vp_fail(p, "truncated");
	if (cur_count(p, c, count, 31, p->lim.max_maps_per_proc, "maps"))
		return -1;
	if (!vp_lookup_tgid(p, tgid))
		return drop_maps(p, c, count);
	if (count) {
		maps = vp_alloc(p, (size_t)count * sizeof(*maps));
		if (!maps)
			return -1;
		memset(maps, 0, (size_t)count * sizeof(*maps));
	}
	for (i = 0; i < count; i++) {
		if (parse_map(p, c, &maps[i], i ? &maps[i - 1] : NULL, 1)) {
			vp_maps_free(p, maps, count);
			return -1;
		}
	}
	if (cur_end(p, c)) {
		vp_maps_free(p, maps, count);
		return -1;
	}
	return vp_state_maps(p, tgid, maps, count);
}

static int parse_sym(struct vp_parser *p, struct vp_cur *c,
		     struct vp_symtab *t, uint32_t limit, int kernel)
{
	struct vp_sym s = { .type = 'T' };
	const uint8_t *name;
	uint64_t type;
	size_t n;

	if (cur_u64(c, &s.offset))
		return vp_fail(p, "truncated symbol");
	if (kernel ? cur_int(c, 1, &type) : cur_u64(c, &s.size))
		return vp_fail(p, "truncated symbol");
	if (kernel) {
		s.type = (char)type;
		vp_sanitize(&s.type, 1);
	}
	if (cur_str(p, c, VP_SYM_NAME_MAX, "symbol name", &name, &n))
		return -1;
	if (!t) {
		p->sym_dups++;	/* checked, not kept: a sealed table */
		return 0;
	}
	s.name = vp_strdup_clean(p, name, n);
	if (!s.name)
		return -1;
	if (vp_symtab_add(p, t, limit, &s)) {
		vp_free(p, s.name, n + 1);
		return -1;
	}
	return 0;
}

static int parse_syms(struct vp_parser *p, struct vp_cur *c, int kernel)
{
	uint8_t id[VP_BUILD_ID_MAX], id_len = 0;
	struct vp_symtab *t = &p->kallsyms;
	uint32_t count, i, limit = p->lim.max_kallsyms;

	if (!kernel) {
		if (cur_build_id(p, c, id, &id_len))
			return -1;
		if (!id_len)
			return vp_fail(p, "empty build-id");
		limit = p->lim.max_syms_per_object;
	}
	if (cur_u32(c, &count))
		return vp_fail(p, "truncated");
	if (cur_count(p, c, count, kernel ? 11 : 18, limit, "symbols"))
		return -1;
	if (!kernel) {
		struct vp_object *o = vp_state_object(p, id, id_len);

		if (!o)
			return -1;
		if (p->sym_open && p->sym_open != o)
			p->sym_open->sealed = 1;
		p->sym_open = o->sealed ? NULL : o;
		t = o->sealed ? NULL : &o->tab;
	}
	for (i = 0; i < count; i++)
		if (parse_sym(p, c, t, limit, kernel))
			return -1;
	return cur_end(p, c);
}

static int parse_payload(struct vp_parser *p)
{
	struct vp_cur c = { p->payload, p->len };

	if (p->type != VP_MSG_HELLO && !p->have_hello)
		return vp_fail(p, "before HELLO");
	/*
	 * The agent sends a file's symbols as consecutive SYMBOLS messages:
	 * any other message closes that table, and a build-id sent again
	 * (a reconnect, a full agent cache, a hostile guest) adds nothing.
	 */
	if (p->type != VP_MSG_SYMBOLS && p->sym_open) {
		p->sym_open->sealed = 1;
		p->sym_open = NULL;
	}
	switch (p->type) {
	case VP_MSG_HELLO:
		return parse_hello(p, &c);
	case VP_MSG_CR3_MAP_FULL:
		return parse_cr3(p, &c, 1);
	case VP_MSG_CR3_MAP_DELTA:
		return parse_cr3(p, &c, 0);
	case VP_MSG_PROC_MAPS:
		return parse_maps(p, &c);
	case VP_MSG_SYMBOLS:
		return parse_syms(p, &c, 0);
	case VP_MSG_KALLSYMS:
		return parse_syms(p, &c, 1);
	}
	return vp_fail(p, "unknown type");
}

static int parse_header(struct vp_parser *p)
{
	uint32_t magic = (uint32_t)vp_get_le(p->hdr, 4);
	uint16_t version = (uint16_t)vp_get_le(p->hdr + 4, 2);
	uint32_t rsv = (uint32_t)vp_get_le(p->hdr + 12, 4);

	p->type = (uint16_t)vp_get_le(p->hdr + 6, 2);
	p->len = (uint32_t)vp_get_le(p->hdr + 8, 4);
	p->hdr_version = version;
	p->skip = 0;
	if (magic != VP_MAGIC)
		return vp_fail(p, "bad magic 0x%08x", magic);
	if (version < VP_VERSION_MIN || version > p->lim.max_version)
		return vp_fail(p, "unsupported version %u (want %u..%u)",
			       version, VP_VERSION_MIN, p->lim.max_version);
	if (p->have_hello && version != p->hello.version)
		return vp_fail(p, "version %u in a version %u stream", version,
			       p->hello.version);
	if (p->type == VP_MSG_OFFER)
		return vp_fail(p, "an OFFER goes from host to agent only");
	/* Only a version 2 stream, after its HELLO, may carry later types. */
	if (!p->type ||
	    (p->type > VP_MSG_MAX && (!p->have_hello || version < 2)))
		return vp_fail(p, "unknown type %u", p->type);
	if (rsv)
		return vp_fail(p, "non-zero reserved header field");
	if (p->len > p->lim.max_payload)
		return vp_fail(p, "length %u exceeds limit %u", p->len,
			       p->lim.max_payload);
	p->payload_have = 0;
	/* Skipped unread: it costs no buffer, whatever its length. */
	if (p->type > VP_MSG_MAX) {
		p->skip = 1;
		return 0;
	}
	if (p->len > p->payload_cap) {
		/* Charged too: 16 parsers hold up to 4 MiB each. */
		uint8_t *buf = vp_realloc(p, p->payload, p->payload_cap, p->len);

		if (!buf)
			return -1;
		p->payload = buf;
		p->payload_cap = p->len;
	}
	return 0;
}

static int finish_message(struct vp_parser *p)
{
	if (p->skip) {
		p->skipped++;
		p->hdr_have = 0;
		return 0;
	}
	if (parse_payload(p))
		return -1;
	p->nr_msgs++;
	if (p->cb.on_message)
		p->cb.on_message(p->ctx, p->type, p->payload, p->len);
	p->hdr_have = 0;
	return 0;
}

int vp_parser_feed(struct vp_parser *p, const void *buf, size_t len)
{
	const uint8_t *in = buf;

	if (p->failed)
		return -1;
	while (len) {
		size_t n;

		if (p->hdr_have < VP_HDR_SIZE) {
			n = VP_HDR_SIZE - p->hdr_have;
			n = n < len ? n : len;
			memcpy(p->hdr + p->hdr_have, in, n);
			p->hdr_have += n;
			in += n;
			len -= n;
			if (p->hdr_have < VP_HDR_SIZE)
				break;
			if (parse_header(p))
				return -1;
		}
		n = p->len - p->payload_have;
		n = n < len ? n : len;
		if (n && !p->skip)
			memcpy(p->payload + p->payload_have, in, n);
		p->payload_have += n;
		in += n;
		len -= n;
		if (p->payload_have == p->len && finish_message(p))
			return -1;
	}
	return 0;
}

/* A random odd multiplier; falls back to address and time bits. */
static uint64_t random_key(const void *salt)
{
	uint64_t k = 0;

	if (getrandom(&k, sizeof(k), GRND_NONBLOCK) != sizeof(k))
		k = (uintptr_t)salt ^ ((uint64_t)time(NULL) << 32) ^
		    (uint64_t)clock();
	k *= 0x9e3779b97f4a7c15ull;
	return k | 1;
}

static uint32_t pick(uint32_t v, uint32_t def)
{
	return v ? v : def;
}

struct vp_parser *vp_parser_new(const struct vp_limits *lim,
				const struct vp_callbacks *cb, void *ctx)
{
	struct vp_limits l = { 0 };
	struct vp_parser *p;

	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	if (lim)
		l = *lim;
	p->lim.max_payload = pick(l.max_payload, VP_DEF_MAX_PAYLOAD);
	p->lim.max_procs = pick(l.max_procs, VP_DEF_MAX_PROCS);
	p->lim.max_maps_per_proc = pick(l.max_maps_per_proc,
					VP_DEF_MAX_MAPS_PER_PROC);
	p->lim.max_objects = pick(l.max_objects, VP_DEF_MAX_OBJECTS);
	p->lim.max_syms_per_object = pick(l.max_syms_per_object,
					  VP_DEF_MAX_SYMS_PER_OBJECT);
	p->lim.max_kallsyms = pick(l.max_kallsyms, VP_DEF_MAX_KALLSYMS);
	p->lim.mem_budget = l.mem_budget ? l.mem_budget : VP_DEF_MEM_BUDGET;
	p->lim.max_version = pick(l.max_version, VP_DEF_MAX_VERSION);
	p->own_pool.limit = p->lim.mem_budget;
	p->pool = &p->own_pool;
	if (cb)
		p->cb = *cb;
	p->ctx = ctx;
	p->hash_key = random_key(p);
	return p;
}

void vp_parser_free(struct vp_parser *p)
{
	if (!p)
		return;
	vp_state_free(p);
	vp_free(p, p->payload, p->payload_cap);
	free(p);
}

int vp_parser_set_pool(struct vp_parser *p, struct vp_pool *pool)
{
	if (p->mem || p->hdr_have || p->nr_msgs)
		return -1;
	p->pool = pool;
	return 0;
}

const char *vp_parser_error(const struct vp_parser *p)
{
	return p->err;
}

int vp_parser_partial(const struct vp_parser *p)
{
	return p->hdr_have != 0 && !p->failed;
}

uint64_t vp_parser_messages(const struct vp_parser *p)
{
	return p->nr_msgs;
}

uint64_t vp_parser_skipped(const struct vp_parser *p)
{
	return p->skipped;
}

uint64_t vp_parser_dropped(const struct vp_parser *p)
{
	return p->dropped;
}

void vp_parser_set_time(struct vp_parser *p, uint64_t ns)
{
	if (ns > p->now)
		p->now = ns;
}

const struct vp_hello *vp_state_hello(const struct vp_parser *p)
{
	return p->have_hello ? &p->hello : NULL;
}
