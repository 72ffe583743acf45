/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_SYMBOLS_H
#define VMPROF_SYMBOLS_H

#include "util.h"

struct sym {
	u64 addr;
	u32 name;	/* offset into strs */
	u32 module;	/* offset into strs, 0 = "" */
};

struct symtab {
	struct sym *syms;
	size_t n;
	size_t cap;
	struct buf strs;
	bool sorted;
};

void symtab_init(struct symtab *t);
void symtab_free(struct symtab *t);
void symtab_add(struct symtab *t, u64 addr, const char *name,
		const char *module);
/* Parse /proc/kallsyms text; keeps text symbols with non-zero addresses. */
size_t symtab_load_kallsyms(struct symtab *t, const char *text, size_t len);
const struct sym *symtab_find(struct symtab *t, u64 addr);
const char *symtab_str(const struct symtab *t, u32 off);

/*
 * Guest kernel symbols from a guest kallsyms file, when no agent sent
 * them.  Guest processes are known only from the agent's stream, through
 * the proto/ parser (agent_feed.c): one process lookup, vp_lookup_cr3_at().
 */
struct guest_info {
	struct symtab kernel;
};

#ifndef NO_AGENT_PROTO
#include "../proto/agent_proto.h"

/* The CR3 key the agent parser uses: PCID and bits 63:61 cleared. */
static inline u64 guest_cr3_key(u64 cr3)
{
	return vp_cr3_key(cr3);
}

/* Strings the guest or the VMM names: proto's one printable-ASCII rule. */
static inline void printable_ascii(char *s, size_t n)
{
	vp_sanitize(s, n);
}
#else
/* Without proto/: the same rules as its vp_cr3_key() and vp_sanitize(). */
static inline u64 guest_cr3_key(u64 cr3)
{
	return cr3 & ~0xe000000000000fffULL;
}

static inline void printable_ascii(char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			s[i] = '?';
}
#endif

void guest_info_init(struct guest_info *g);
void guest_info_free(struct guest_info *g);

#endif
