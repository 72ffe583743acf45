/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_HOST_ELF_H
#define VMPROF_HOST_ELF_H

#include "symbols.h"

/*
 * Host user-space symbols of the VMM: its executable mappings are recorded
 * (META VMM_MAPS) and its ELF files read with libelf at report time, when
 * vmprofctl is built with libelf (HAVE_LIBELF).
 */
struct host_map {
	u64 start, end, pgoff;
	char *path;
	struct symtab *syms;	/* by file offset; NULL until loaded */
	bool tried;
};

struct host_maps {
	struct host_map *v;
	size_t n;
};

extern const bool libelf_available;

/* Parse "start-end pgoff path" lines (the META VMM_MAPS text). */
void host_maps_parse(struct host_maps *m, const char *text, size_t len);
/* Symbol of ip in the VMM; false when no mapping or symbol covers it. */
bool host_maps_resolve(struct host_maps *m, u64 ip, char *func, size_t flen,
		       char *mod, size_t mlen);
void host_maps_free(struct host_maps *m);
/* Load the function symbols of an ELF file, keyed by file offset. */
int elf_load_symbols(const char *path, struct symtab *t);

#endif
