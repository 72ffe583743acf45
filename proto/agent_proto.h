/* SPDX-License-Identifier: GPL-2.0 */
/*
 * agent_proto.h - the vmprof guest agent stream: wire format, encoder and
 * the host-side parser API.
 *
 * The stream is a sequence of messages, each a 16-byte header followed by
 * `length` payload bytes.  Every integer is little-endian, every field is
 * at a fixed offset given below; there is no padding and no alignment
 * requirement.  docs/agent-protocol.md is the prose version of this file.
 *
 * The host treats the guest as hostile: vp_parser_feed() checks every
 * length, count and string against struct vp_limits and fails the stream
 * (never the process) on the first violation.
 *
 * Self-contained C99: no kernel headers.
 */
#ifndef VMPROF_AGENT_PROTO_H
#define VMPROF_AGENT_PROTO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- wire format ------------------------------------------------------ */

#define VP_MAGIC		0x47415056u	/* "VPAG" as LE bytes */
/*
 * Versions this tree speaks.  Version 1 is one-way: the agent connects to
 * the host and sends.  Version 2 starts with the host's OFFER (the range
 * of versions and the features it takes, below) and the agent answers
 * with a stream of the highest version both take; a host that sends no
 * OFFER gets version 1.
 */
#define VP_VERSION		2u
#define VP_VERSION_MIN		1u
/*
 * AF_VSOCK ports.  In version 2 the agent listens on VP_AGENT_PORT in the
 * guest and each recording connects to its own VM's CID, so that
 * recordings of different VMs, or two of one VM, never share a
 * connection.  The port is below 1024: binding it takes
 * CAP_NET_BIND_SERVICE, so no unprivileged guest user can pose as the
 * agent (anyone could connect to the host's port).  A version 1 agent
 * connects to VP_DEFAULT_PORT on the host (VP_HOST_CID).
 */
#define VP_AGENT_PORT		525u
#define VP_DEFAULT_PORT		5253u
#define VP_HOST_CID		2u

/*
 * Header, 16 bytes:
 *   0  u32 magic     VP_MAGIC
 *   4  u16 version   VP_VERSION_MIN..VP_VERSION: the HELLO's sets the
 *                    stream's version, every later header repeats it
 *   6  u16 type      enum vp_msg_type
 *   8  u32 length    payload bytes after the header, <= limits.max_payload
 *  12  u32 reserved  must be 0
 */
#define VP_HDR_SIZE		16u

enum vp_msg_type {
	VP_MSG_HELLO		= 1,	/* first message, exactly once */
	VP_MSG_CR3_MAP_FULL	= 2,	/* replaces the whole CR3 table */
	VP_MSG_CR3_MAP_DELTA	= 3,	/* fork/exec/exit events, in order */
	VP_MSG_PROC_MAPS	= 4,	/* replaces one process's mappings */
	VP_MSG_SYMBOLS		= 5,	/* appends symbols of one ELF file */
	VP_MSG_KALLSYMS		= 6,	/* appends kernel symbols */
	VP_MSG_OFFER		= 7,	/* host to agent only, version 2 */
	VP_MSG_MAX		= 7,
};

/*
 * A version 2 parser skips a message of a type above VP_MSG_MAX (counted
 * by vp_parser_skipped()): a later agent may add types an older host does
 * not use.  An agent sends such a type only when the host offered the
 * feature that names it.  Version 1 fails on them.
 */

/*
 * OFFER payload, the first bytes of a version 2 connection, host to agent
 * (header version 2, at most VP_OFFER_MAX_PAYLOAD bytes; a longer payload
 * from a later host is read and its tail ignored):
 *   0  u16 min_version  oldest stream version the host parses
 *   2  u16 max_version  newest
 *   4  u32 features     enum vp_features the host takes
 * The agent answers with the HELLO of the highest version in both ranges
 * and the features of the offer it uses; with no common version it closes
 * the connection (trace-cmd's agent answers "not supported" instead; here
 * the host sees the close in its log and does not retry faster than once
 * a second).
 */
#define VP_OFFER_PAYLOAD	8u
#define VP_OFFER_MAX_PAYLOAD	256u

/*
 * Optional parts of a version 2 stream: the host's OFFER names those it
 * takes, the agent's HELLO those of the offer it uses (vp_features_use():
 * both sides' bits, so neither uses one the other lacks), and either side
 * adds one without a version.  Each side ignores the bits it does not
 * know: an agent those of a later host's OFFER, a parser those of a
 * later agent's HELLO (read from a data file a later host recorded).  So
 * a feature may only add message types, which a parser that does not
 * know it skips; changing a layout takes a version.  None is defined yet.
 */
enum vp_features {
	VP_FEATURES_ALL = 0,
};

/* The features a stream uses: offered by one side, known to the other. */
static inline uint32_t vp_features_use(uint32_t offered, uint32_t known)
{
	return offered & known;
}

/*
 * Strings are a u16 byte count followed by that many bytes, no NUL.  The
 * parser rejects counts above the per-field limit and replaces every byte
 * outside 0x20..0x7e (including NUL and UTF-8) with '?'.
 *
 * A build-id is a u8 byte count (0..VP_BUILD_ID_MAX) followed by the bytes;
 * 0 means the file has none.
 */
#define VP_COMM_LEN		16u	/* fixed, NUL-padded, must hold a NUL */
#define VP_BUILD_ID_MAX		32u
#define VP_RELEASE_MAX		64u
#define VP_HOSTNAME_MAX		64u
#define VP_PATH_MAX		4096u
#define VP_SYM_NAME_MAX		1024u

/*
 * HELLO payload:
 *   0  u32 flags        enum vp_hello_flags
 *   4  u32 page_size    guest page size, a power of two 4096..65536
 *   8  u8  boot_id[16]  /proc/sys/kernel/random/boot_id as binary
 *  24  u64 mono_ns      guest CLOCK_MONOTONIC when the stream started
 *  32  str release      uname -r, <= VP_RELEASE_MAX
 *   .  str hostname     <= VP_HOSTNAME_MAX
 *   .  u32 features     version 2 only: the offered features used (bits
 *                       this tree does not know are kept, not acted on)
 */
enum vp_hello_flags {
	VP_HELLO_CR3	= 1u << 0,	/* table comes from vmprof_guest.ko */
	VP_HELLO_PTI	= 1u << 1,	/* guest runs with page-table isolation */
};
#define VP_HELLO_FLAGS_ALL	(VP_HELLO_CR3 | VP_HELLO_PTI)

/*
 * CR3_MAP_FULL and CR3_MAP_DELTA payload:
 *   0  u32 count
 *   4  u32 reserved     must be 0
 *   8  count x entry    length must be exactly 8 + count * 48
 *
 * Entry, 48 bytes:
 *   0  u64 cr3          __sme_pa(mm->pgd), the root as CR3 holds it (with
 *                       an SEV guest's C-bit); 0 when unknown (no module)
 *   8  u64 time_ns      guest CLOCK_MONOTONIC of the event or snapshot
 *  16  u32 tgid
 *  20  u32 pid          thread that was seen (leader for snapshots)
 *  24  u32 ppid
 *  28  u8  event        enum vp_cr3_event
 *  29  u8  flags        0
 *  30  u16 reserved     0
 *  32  u8  comm[16]     NUL-padded, must contain a NUL
 *
 * FULL entries carry VP_EV_SNAPSHOT and distinct tgids.  DELTA entries
 * carry FORK/EXEC (insert or replace the tgid) or EXIT (mark it exited;
 * exiting an unknown tgid is harmless).
 */
#define VP_CR3_ENTRY_SIZE	48u

enum vp_cr3_event {
	VP_EV_SNAPSHOT	= 0,
	VP_EV_FORK	= 1,
	VP_EV_EXEC	= 2,
	VP_EV_EXIT	= 3,
};

/*
 * PROC_MAPS payload (replaces every mapping previously sent for tgid; of a
 * tgid the parser does not hold, checked and dropped):
 *   0  u32 tgid
 *   4  u32 count
 *   8  count x entry, variable size:
 *        u64 start, u64 end, u64 pgoff (bytes), u32 prot (enum vp_prot),
 *        build-id, str path (<= VP_PATH_MAX)
 * Entries must be sorted by start, start < end, and must not overlap.
 */
enum vp_prot {
	VP_PROT_R = 1u << 0,
	VP_PROT_W = 1u << 1,
	VP_PROT_X = 1u << 2,
	VP_PROT_P = 1u << 3,	/* private */
};

/*
 * SYMBOLS payload (appends to the table of that build-id):
 * (consecutive SYMBOLS of one build-id make its table; once another
 * message follows, later SYMBOLS for it are checked and ignored)
 *   0  build-id         non-empty
 *   .  u32 count
 *   .  count x entry:   u64 offset, u64 size, str name (<= VP_SYM_NAME_MAX)
 * `offset` is the symbol's *file offset* (st_value translated through its
 * PT_LOAD segment), so the host resolves a user rip with
 *   offset = rip - map.start + map.pgoff
 * without knowing anything about the ELF file.
 */

/*
 * KALLSYMS payload (appends):
 *   0  u32 count
 *   4  count x entry:   u64 addr, u8 type (kallsyms letter), str name
 */

/*
 * Every guest string is cleaned by this one rule when it arrives: bytes
 * outside 0x20..0x7e (control characters, NUL, UTF-8) become '?', so
 * nothing a guest sends can drive a terminal.
 */
static inline void vp_sanitize(char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			s[i] = '?';
}

/* A little-endian field of @n bytes (1..8) at @s. */
static inline uint64_t vp_get_le(const uint8_t *s, unsigned int n)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)s[i] << (8 * i);
	return v;
}

/* FNV-1a over @n bytes, from @h (VP_FNV1A_BASIS, or a keyed start). */
#define VP_FNV1A_BASIS	14695981039346656037ull
static inline uint64_t vp_fnv1a(uint64_t h, const void *p, size_t n)
{
	const uint8_t *s = (const uint8_t *)p;

	while (n--)
		h = (h ^ *s++) * 1099511628211ull;
	return h;
}

/* ---- limits ------------------------------------------------------------ */

struct vp_limits {
	uint32_t max_payload;		/* bytes per message */
	uint32_t max_procs;		/* incarnations kept; all live: a new one is dropped */
	uint32_t max_maps_per_proc;
	uint32_t max_objects;		/* distinct build-ids */
	uint32_t max_syms_per_object;
	uint32_t max_kallsyms;
	uint64_t mem_budget;		/* bytes the parser state may hold */
	uint32_t max_version;		/* newest stream version taken */
};

/* The defaults, also what a zeroed field in vp_parser_new()'s argument means. */
#define VP_DEF_MAX_PAYLOAD		(4u << 20)
#define VP_DEF_MAX_PROCS		65536u
#define VP_DEF_MAX_MAPS_PER_PROC	65536u
#define VP_DEF_MAX_OBJECTS		16384u
#define VP_DEF_MAX_SYMS_PER_OBJECT	(1u << 20)
#define VP_DEF_MAX_KALLSYMS		(1u << 21)
#define VP_DEF_MEM_BUDGET		(512ull << 20)
#define VP_DEF_MAX_VERSION		VP_VERSION

/*
 * One memory budget for several parsers, e.g. every agent connection of a
 * report: what their states hold together (real malloc chunk sizes, and
 * each parser's reassembly buffer) stays under @limit.
 */
struct vp_pool {
	uint64_t limit;
	uint64_t used;
};

/* ---- decoded views ---------------------------------------------------- */

struct vp_hello {
	uint32_t flags;
	uint32_t page_size;
	uint8_t boot_id[16];
	uint64_t mono_ns;
	char release[VP_RELEASE_MAX + 1];
	char hostname[VP_HOSTNAME_MAX + 1];
	uint16_t version;		/* of the stream, from the HELLO's header */
	uint32_t features;		/* as sent; known: & VP_FEATURES_ALL */
};

struct vp_offer {
	uint16_t min_version;
	uint16_t max_version;
	uint32_t features;
};

struct vp_cr3_entry {
	uint64_t cr3;
	uint64_t time_ns;
	uint32_t tgid;
	uint32_t pid;
	uint32_t ppid;
	uint8_t event;
	char comm[VP_COMM_LEN];		/* NUL-terminated, sanitized */
};

struct vp_map {
	uint64_t start;
	uint64_t end;
	uint64_t pgoff;
	uint32_t prot;
	uint8_t build_id_len;
	uint8_t build_id[VP_BUILD_ID_MAX];
	char *path;			/* NUL-terminated, sanitized */
};

struct vp_sym {
	uint64_t offset;		/* file offset (SYMBOLS) or address */
	uint64_t size;
	char type;			/* kallsyms letter; 'T' for SYMBOLS */
	char *name;
};

/* A process as the parser state knows it. */
struct vp_proc {
	struct vp_cr3_entry ent;	/* latest fork/exec/snapshot; comm
					 * from the EXIT, if any */
	int exited;			/* an EXIT arrived; kept for lookups */
	uint64_t exit_ns;
	uint32_t nr_maps;
	struct vp_map *maps;		/* sorted by start */
};

/* ---- encoder (used by the agent) -------------------------------------- */

/*
 * A growable buffer holding one or more encoded messages.  vp_buf_*()
 * return 0 or -1 (ENOMEM / a limit exceeded, errno set).
 */
struct vp_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	size_t msg_start;		/* offset of the open message header */
	uint16_t version;		/* of the headers written; 0: VP_VERSION */
};

void vp_buf_init(struct vp_buf *b);
void vp_buf_free(struct vp_buf *b);
void vp_buf_reset(struct vp_buf *b);

/* Open a message of @type; its length is patched in by vp_msg_end(). */
int vp_msg_begin(struct vp_buf *b, enum vp_msg_type type);
int vp_msg_end(struct vp_buf *b);
/* Size of the payload written since vp_msg_begin(). */
size_t vp_msg_payload_len(const struct vp_buf *b);

int vp_put_u8(struct vp_buf *b, uint8_t v);
int vp_put_u16(struct vp_buf *b, uint16_t v);
int vp_put_u32(struct vp_buf *b, uint32_t v);
int vp_put_u64(struct vp_buf *b, uint64_t v);
int vp_put_bytes(struct vp_buf *b, const void *p, size_t n);
/* Strings longer than @max are truncated, never rejected, by the encoder. */
int vp_put_str(struct vp_buf *b, const char *s, size_t max);
int vp_put_build_id(struct vp_buf *b, const uint8_t *id, size_t len);
/* Patch a u32 already written at @off (counts known only at the end). */
void vp_patch_u32(struct vp_buf *b, size_t off, uint32_t v);

/* Whole messages.  A HELLO's version is @b's (its features only in 2). */
int vp_enc_hello(struct vp_buf *b, const struct vp_hello *h);
/* The host's OFFER (header version 2 whatever @b->version says). */
int vp_enc_offer(struct vp_buf *b, const struct vp_offer *o);
/*
 * Decode an OFFER at the start of @buf: returns the bytes it takes, 0 when
 * @len is too short to tell, -1 when @buf does not start with a valid one.
 */
long vp_offer_decode(const uint8_t *buf, size_t len, struct vp_offer *o);
/* The highest version in both ranges, 0 when there is none. */
uint16_t vp_offer_version(const struct vp_offer *o, uint16_t min,
			  uint16_t max);
int vp_enc_cr3(struct vp_buf *b, enum vp_msg_type type,
	       const struct vp_cr3_entry *e, uint32_t n);
/*
 * Entries of PROC_MAPS, SYMBOLS (@kernel = 0) and KALLSYMS (@kernel = 1):
 * open the message, write its leading fields and a count (vp_patch_u32()
 * it later), append entries, close it.
 */
int vp_put_map(struct vp_buf *b, const struct vp_map *m);
int vp_put_sym(struct vp_buf *b, const struct vp_sym *s, int kernel);

/* ---- parser + state (used by vmprofctl) -------------------------------- */

struct vp_parser;

/*
 * Called after a message has been validated *and* applied to the state.
 * @payload points at @hdr_len..: the raw payload, valid only during the
 * call; the collector can use it to store message-aligned chunks.
 */
struct vp_callbacks {
	void (*on_message)(void *ctx, enum vp_msg_type type,
			   const uint8_t *payload, uint32_t len);
	void (*on_hello)(void *ctx, const struct vp_hello *h);
	void (*on_cr3)(void *ctx, const struct vp_cr3_entry *e);
};

/* @lim and @cb may be NULL: defaults, no callbacks. NULL on ENOMEM. */
struct vp_parser *vp_parser_new(const struct vp_limits *lim,
				const struct vp_callbacks *cb, void *ctx);
void vp_parser_free(struct vp_parser *p);

/*
 * Feed raw stream bytes in any split (one byte at a time works).  Returns 0
 * while the stream is healthy, -1 once it failed: the caller closes that
 * connection and reports vp_parser_error().  After a failure every further
 * feed returns -1; the state built so far stays readable.
 */
int vp_parser_feed(struct vp_parser *p, const void *buf, size_t len);
/*
 * Charge @p to @pool instead of its own lim.mem_budget.  Only before the
 * first feed: returns -1 (and changes nothing) after.
 */
int vp_parser_set_pool(struct vp_parser *p, struct vp_pool *pool);
/* One line, no newline, "" while healthy. */
const char *vp_parser_error(const struct vp_parser *p);
/* 1 when fed bytes end inside a message (truncated stream at EOF). */
int vp_parser_partial(const struct vp_parser *p);
/* Messages accepted so far. */
uint64_t vp_parser_messages(const struct vp_parser *p);
/* Messages of a later version's types skipped (version 2 streams). */
uint64_t vp_parser_skipped(const struct vp_parser *p);
/*
 * Process entries and PROC_MAPS checked but not kept: a new process while
 * max_procs were live (none exited to forget), maps of a tgid never
 * introduced or already forgotten.  The stream goes on.
 */
uint64_t vp_parser_dropped(const struct vp_parser *p);

/*
 * Host time (e.g. the CLOCK_MONOTONIC receive time of the bytes fed next)
 * of the messages that complete from now on: the state remembers when each
 * process got and lost its CR3, for vp_lookup_cr3_at().  Times that go
 * backwards are taken as the latest one seen.  Never called: all 0.
 */
void vp_parser_set_time(struct vp_parser *p, uint64_t ns);
/* Steps of state work done so far: lets tests bound the cost per byte. */
uint64_t vp_parser_work(const struct vp_parser *p);

/* NULL before HELLO. */
const struct vp_hello *vp_state_hello(const struct vp_parser *p);

/*
 * The part of a guest CR3 that identifies the page-table root: clear PCID
 * (bits 11:0), the PTI user-half bit 12 and bits 63:61 (NOFLUSH, LAM).
 */
static inline uint64_t vp_cr3_mask(uint64_t cr3)
{
	return cr3 & ~(0xfffull | (1ull << 12) | (7ull << 61));
}

/*
 * Bit 12 is the PTI user half only in kernels built with PTI, whose
 * page-table roots are 8 KiB aligned; without PTI support a root is 4 KiB
 * aligned and bit 12 is an address bit.  So the table is keyed by CR3 with
 * bit 12 kept (vp_cr3_key()), and vp_lookup_cr3() tries that key first and
 * then the key with bit 12 cleared: exact for both kinds of guest.
 */
static inline uint64_t vp_cr3_key(uint64_t cr3)
{
	return cr3 & ~(0xfffull | (7ull << 61));
}

/*
 * Process owning @cr3 (any PCID/PTI/NOFLUSH bits) now: the newest that
 * still holds it, else the last one if it exited; NULL if unknown.
 */
const struct vp_proc *vp_lookup_cr3(const struct vp_parser *p, uint64_t cr3);
/*
 * Process that owned @cr3 at host time @t: the newest whose ownership
 * (from the receive time of the message that gave it the CR3 to that of
 * the one that ended it) holds @t; if none, the next owner when its
 * message came at most @late after @t.  NULL: nobody, or cannot tell.
 */
const struct vp_proc *vp_lookup_cr3_at(const struct vp_parser *p,
				       uint64_t cr3, uint64_t t, uint64_t late);
const struct vp_proc *vp_lookup_tgid(const struct vp_parser *p, uint32_t tgid);

/*
 * Resolve a user-space rip of @tgid.  Returns the symbol (or NULL when the
 * mapping is found but no symbol covers it) and sets *map (NULL when no
 * mapping covers rip) and *off (rip's offset from the symbol start, or the
 * file offset when there is no symbol).
 */
const struct vp_sym *vp_lookup_user(const struct vp_parser *p, uint32_t tgid,
				    uint64_t rip, const struct vp_map **map,
				    uint64_t *off);
/* The same for one incarnation, e.g. from vp_lookup_cr3_at(). */
const struct vp_sym *vp_lookup_user_proc(const struct vp_parser *p,
					 const struct vp_proc *pr, uint64_t rip,
					 const struct vp_map **map, uint64_t *off);
/* How far past the last kernel symbol a rip still belongs to it. */
#define VP_KSYM_MAX_TAIL	(1ull << 20)
/*
 * Resolve a kernel rip against KALLSYMS; NULL if below the first symbol
 * or more than VP_KSYM_MAX_TAIL past the last.
 */
const struct vp_sym *vp_lookup_kernel(const struct vp_parser *p,
				      uint64_t rip, uint64_t *off);

/*
 * Iterate processes (every incarnation, exited and exec'ed-away ones too):
 * idx from 0 until NULL.  Order is unspecified; an index stays valid until
 * the next vp_parser_feed().
 */
const struct vp_proc *vp_state_proc(const struct vp_parser *p, uint32_t idx);
uint32_t vp_state_proc_index(const struct vp_proc *pr);
uint32_t vp_state_nr_procs(const struct vp_parser *p);
int vp_state_proc_replaced(const struct vp_proc *pr);
uint32_t vp_state_nr_objects(const struct vp_parser *p);
uint32_t vp_state_nr_kallsyms(const struct vp_parser *p);
uint64_t vp_state_mem(const struct vp_parser *p);

#ifdef __cplusplus
}
#endif

#endif /* VMPROF_AGENT_PROTO_H */
