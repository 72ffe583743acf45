// SPDX-License-Identifier: GPL-2.0
/*
 * VMM user-space symbols.  A sampled IP maps to a file offset through the
 * recorded mapping (ip - start + pgoff); ELF symbols are converted to file
 * offsets through the PT_LOAD segment holding them, so PIE and non-PIE
 * binaries resolve alike.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host_elf.h"

#define MAX_HOST_MAPS 4096

void host_maps_parse(struct host_maps *m, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl;
	unsigned long long s, e, off;
	char path[512];

	while (p < end && m->n < MAX_HOST_MAPS) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		if ((size_t)(nl - p) < sizeof(path)) {
			char line[600];

			memcpy(line, p, (size_t)(nl - p));
			line[nl - p] = '\0';
			if (sscanf(line, "%llx-%llx %llx %511s", &s, &e, &off, path) == 4 &&
			    s < e && path[0] == '/') {
				m->v = xrealloc(m->v, (m->n + 1) * sizeof(*m->v));
				m->v[m->n++] = (struct host_map){ s, e, off, xstrdup(path),
								  NULL, false };
			}
		}
		p = nl + 1;
	}
}

static void warn_no_libelf(void)
{
	static bool warned;

	if (!warned)
		pr_warn("built without libelf: VMM functions show as [unknown]; install libelf-dev and rebuild");
	warned = true;
}

bool host_maps_resolve(struct host_maps *m, u64 ip, char *func, size_t flen,
		       char *mod, size_t mlen)
{
	const struct sym *s;
	struct host_map *hm = NULL;
	size_t i;

	for (i = 0; i < m->n; i++)
		if (ip >= m->v[i].start && ip < m->v[i].end)
			hm = &m->v[i];
	if (!hm)
		return false;
	if (!hm->tried) {
		hm->tried = true;
		hm->syms = xcalloc(1, sizeof(*hm->syms));
		symtab_init(hm->syms);
		if (!libelf_available)
			warn_no_libelf();
		else if (elf_load_symbols(hm->path, hm->syms) < 0)
			pr_warn("no symbols from %s (missing or not ELF): its functions show as [unknown]",
				hm->path);
	}
	snprintf(mod, mlen, "%s", path_base_name(hm->path));
	s = symtab_find(hm->syms, ip - hm->start + hm->pgoff);
	if (s)
		snprintf(func, flen, "%s", symtab_str(hm->syms, s->name));
	else
		snprintf(func, flen, "[unknown] 0x%llx", (unsigned long long)ip);
	return true;
}

void host_maps_free(struct host_maps *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		free(m->v[i].path);
		if (m->v[i].syms)
			symtab_free(m->v[i].syms);
		free(m->v[i].syms);
	}
	free(m->v);
	memset(m, 0, sizeof(*m));
}

#ifdef HAVE_LIBELF
#include <gelf.h>
#include <libelf.h>

const bool libelf_available = true;

/* File offset of vaddr through the PT_LOAD segment holding it. */
static bool vaddr_to_off(Elf *e, size_t nph, u64 vaddr, u64 *off)
{
	GElf_Phdr ph;
	size_t i;

	for (i = 0; i < nph; i++) {
		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_filesz) {
			*off = vaddr - ph.p_vaddr + ph.p_offset;
			return true;
		}
	}
	return false;
}

static size_t add_section_syms(Elf *e, Elf_Scn *scn, const GElf_Shdr *sh,
			       size_t nph, const char *mod, struct symtab *t)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t i, n = 0, cnt;
	const char *name;
	GElf_Sym sym;
	u64 off;

	if (!data || !sh->sh_entsize)
		return 0;
	cnt = sh->sh_size / sh->sh_entsize;
	for (i = 0; i < cnt; i++) {
		if (!gelf_getsym(data, (int)i, &sym) ||
		    GELF_ST_TYPE(sym.st_info) != STT_FUNC || !sym.st_value)
			continue;
		name = elf_strptr(e, sh->sh_link, sym.st_name);
		if (!name || !*name || !vaddr_to_off(e, nph, sym.st_value, &off))
			continue;
		symtab_add(t, off, name, mod);
		n++;
	}
	return n;
}

/* Prefer SHT_SYMTAB, fall back to SHT_DYNSYM (stripped binaries). */
static size_t load_syms(Elf *e, const char *mod, struct symtab *t)
{
	Elf_Scn *scn, *dyn = NULL;
	GElf_Shdr sh, dsh;
	size_t nph;

	if (elf_getphdrnum(e, &nph))
		return 0;
	for (scn = elf_nextscn(e, NULL); scn; scn = elf_nextscn(e, scn)) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB)
			return add_section_syms(e, scn, &sh, nph, mod, t);
		if (sh.sh_type == SHT_DYNSYM) {
			dyn = scn;
			dsh = sh;
		}
	}
	return dyn ? add_section_syms(e, dyn, &dsh, nph, mod, t) : 0;
}

int elf_load_symbols(const char *path, struct symtab *t)
{
	size_t n = 0;
	Elf *e;
	int fd;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e) {
		pr_warn("%s: %s", path, elf_errmsg(-1));
		close(fd);
		return -1;
	}
	if (elf_kind(e) == ELF_K_ELF)
		n = load_syms(e, path_base_name(path), t);
	elf_end(e);
	close(fd);
	return n ? (int)n : -1;
}
#else
const bool libelf_available;

int elf_load_symbols(const char *path, struct symtab *t)
{
	(void)path;
	(void)t;
	return -1;
}
#endif
