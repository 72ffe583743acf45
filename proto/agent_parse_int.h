/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals shared by the framing/decoding half (agent_parse.c) and the
 * state half (agent_state.c) of the host-side parser.  Not an API.
 */
#ifndef VMPROF_AGENT_PARSE_INT_H
#define VMPROF_AGENT_PARSE_INT_H

#include "agent_proto.h"

/* Fixed bucket counts: chains stay short for the default limits. */
#define VP_HASH_BITS	12
#define VP_HASH_SIZE	(1u << VP_HASH_BITS)

/*
 * One incarnation of a process: a fork, an exec or a new CR3 starts a new
 * node, and the old one stays (retired, or exited) so that samples taken
 * while it ran still find it.  Only the newest incarnation of a tgid is in
 * the tgid hash; live ones are also on the live list, the others on the
 * exited list (oldest first), which max_procs evicts from.
 */
struct vp_pnode {
	struct vp_proc proc;
	struct vp_pnode *next_tgid;
	struct vp_pnode *exit_prev;	/* exited list, oldest first */
	struct vp_pnode *exit_next;
	struct vp_pnode *live_prev;	/* live list: what a FULL may end */
	struct vp_pnode *live_next;
	struct vp_key *key;		/* CR3 key it owned, NULL none */
	uint32_t own;			/* its entry in key->own */
	uint32_t idx;			/* position in parser->procs */
	uint32_t gen;			/* last FULL that listed it */
	uint8_t hashed;			/* newest incarnation of its tgid */
	uint8_t retired;		/* replaced by a newer incarnation */
};

/*
 * Who owned a CR3 key when, in host time (vp_parser_set_time()): owners
 * are appended in time order;  is VP_OPEN while the owner still holds
 * the key.   is the owner that was on top when this one arrived
 * (a vfork parent under its child), so a lookup finds the one that holds
 * the key again without walking every owner in between.
 */
#define VP_OPEN		UINT64_MAX
#define VP_NONE		UINT32_MAX
/* Steps a lookup may take down the  chain: bounded cost per sample. */
#define VP_OWNER_WALK	64

struct vp_owner {
	uint64_t from;
	uint64_t to;
	struct vp_pnode *node;		/* NULL once evicted */
	uint32_t below;			/* index, or VP_NONE */
};

struct vp_key {
	struct vp_key *next;
	uint64_t key;
	struct vp_owner *own;
	uint32_t nr;
	uint32_t cap;
};

struct vp_symtab {
	struct vp_sym *syms;
	uint32_t nr;
	uint32_t cap;
	int sorted;
};

struct vp_object {
	struct vp_object *next;
	uint8_t build_id_len;
	uint8_t build_id[VP_BUILD_ID_MAX];
	uint8_t sealed;			/* complete: later SYMBOLS are ignored */
	struct vp_symtab tab;
};

struct vp_parser {
	struct vp_limits lim;
	struct vp_callbacks cb;
	void *ctx;

	/* framing */
	uint8_t hdr[VP_HDR_SIZE];
	uint32_t hdr_have;
	uint16_t type;
	uint16_t hdr_version;
	uint32_t len;
	int skip;			/* a later version's type: not kept */
	uint64_t skipped;
	uint64_t dropped;		/* see vp_parser_dropped() */
	uint8_t *payload;
	uint32_t payload_cap;
	uint32_t payload_have;
	uint64_t nr_msgs;
	int failed;
	char err[256];

	/* state */
	int have_hello;
	struct vp_hello hello;
	uint64_t mem;			/* charged by this parser */
	struct vp_pool own_pool;	/* lim.mem_budget, unless shared */
	struct vp_pool *pool;		/* what allocations are charged to */
	uint32_t gen;
	uint64_t hash_key;		/* random: the guest cannot aim collisions */
	struct vp_pnode *exit_head;
	struct vp_pnode *exit_tail;
	struct vp_pnode **procs;
	uint32_t nr_procs;
	uint32_t cap_procs;
	struct vp_pnode *by_tgid[VP_HASH_SIZE];
	struct vp_key *by_cr3[VP_HASH_SIZE];
	struct vp_pnode *live_head;
	uint64_t now;			/* host time of the message being applied */
	uint64_t work;			/* state steps taken, see vp_parser_work() */
	/* The object the last message added symbols to, still open. */
	struct vp_object *sym_open;
	uint64_t sym_dups;		/* symbols of sealed objects ignored */
	struct vp_object *objects[VP_HASH_SIZE];
	uint32_t nr_objects;
	struct vp_symtab kallsyms;
};

/* Sets the error once; always returns -1. */
int vp_fail(struct vp_parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Budget-charged allocation; fails the stream when over budget. */
void *vp_alloc(struct vp_parser *p, size_t n);
void *vp_realloc(struct vp_parser *p, void *old, size_t old_n, size_t new_n);
void vp_free(struct vp_parser *p, void *ptr, size_t n);
/* Copy @n bytes into a NUL-terminated, sanitized, charged string. */
char *vp_strdup_clean(struct vp_parser *p, const uint8_t *s, size_t n);
uint32_t vp_hash(const struct vp_parser *p, uint64_t key);

/* CR3 ownership history (agent_owner.c). */
int vp_owner_add(struct vp_parser *p, struct vp_pnode *node, int snapshot);
void vp_owner_end(struct vp_parser *p, struct vp_pnode *node);
void vp_owner_forget(struct vp_parser *p, struct vp_pnode *node);
void vp_owner_free(struct vp_parser *p);

/* State updates, called with validated fields. */
int vp_state_cr3(struct vp_parser *p, const struct vp_cr3_entry *e, int full);
void vp_state_full_begin(struct vp_parser *p);
void vp_state_full_end(struct vp_parser *p, uint64_t time_ns);
int vp_state_maps(struct vp_parser *p, uint32_t tgid, struct vp_map *maps,
		  uint32_t n);
void vp_maps_free(struct vp_parser *p, struct vp_map *maps, uint32_t n);
/* The object of a build-id, created empty if new; NULL: stream failed. */
struct vp_object *vp_state_object(struct vp_parser *p, const uint8_t *id,
				  uint8_t len);
int vp_symtab_add(struct vp_parser *p, struct vp_symtab *t, uint32_t limit,
		  const struct vp_sym *s);
void vp_state_free(struct vp_parser *p);

#endif /* VMPROF_AGENT_PARSE_INT_H */
