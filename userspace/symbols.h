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
 * Guest-side knowledge: CR3 -> process, guest kernel symbols and per-process
 * user symbols.  Filled from agent messages (agent_feed.c) or, for the
 * kernel, from a guest kallsyms file.
 */
/*
 * The CR3 key: PCID (11:0) and NOFLUSH/LAM (63:61) cleared.  Bit 12 stays:
 * without PTI a pgd is any 4 KiB page, so bit 12 is part of the root; with
 * PTI the user half of an 8 KiB pgd sets it, and lookups that miss retry
 * with bit 12 cleared (as the agent parser's vp_lookup_cr3() does).
 */
#define GUEST_CR3_MASK (~0xe000000000000fffULL)
#define GUEST_CR3_PTI_USER (1ULL << 12)

struct guest_proc {
	u64 cr3;	/* masked */
	u32 pid;
	char comm[16];
	struct symtab syms;
};

struct guest_info {
	struct symtab kernel;
	struct guest_proc *procs;
	size_t nprocs;
	size_t cap;
};

static inline u64 guest_cr3_key(u64 cr3)
{
	return cr3 & GUEST_CR3_MASK;
}

void guest_info_init(struct guest_info *g);
void guest_info_free(struct guest_info *g);
struct guest_proc *guest_add_process(struct guest_info *g, u64 cr3, u32 pid,
				     const char *comm);
struct guest_proc *guest_find_process(struct guest_info *g, u64 cr3);

#endif
