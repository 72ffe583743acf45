// SPDX-License-Identifier: GPL-2.0
/*
 * ELF files mapped by guest processes: their build-id, and their function
 * symbols as file offsets, read with libelf.  Each build-id is sent once
 * per connection; symbols are streamed out, never held in memory.
 */
#include <fcntl.h>
#include <gelf.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"

struct id_ent {
	uint8_t len;
	uint8_t id[VP_BUILD_ID_MAX];
};

static struct id_ent *id_cache;
static uint32_t id_nr;

int elf_init(void)
{
	if (elf_version(EV_CURRENT) == EV_NONE) {
		fprintf(stderr, PROG ": libelf too old: %s\n", elf_errmsg(-1));
		return -1;
	}
	return 0;
}

void elf_cache_reset(void)
{
	free(id_cache);
	id_cache = NULL;
	id_nr = 0;
}

/*
 * A linear scan is fine: a guest maps a few hundred distinct files and the
 * scan runs only when a process's maps changed.
 */
int elf_cache_claim(const uint8_t *id, uint8_t len)
{
	uint32_t i;

	for (i = 0; i < id_nr; i++)
		if (id_cache[i].len == len && !memcmp(id_cache[i].id, id, len))
			return 0;
	if (!id_cache) {
		id_cache = calloc(AGENT_MAX_ELF_CACHE, sizeof(*id_cache));
		if (!id_cache)
			return 1;
	}
	/* Full: forget nothing, just resend; the host keeps the first copy. */
	if (id_nr == AGENT_MAX_ELF_CACHE)
		return 1;
	id_cache[id_nr].len = len;
	memcpy(id_cache[id_nr].id, id, len);
	id_nr++;
	return 1;
}

/*
 * Any guest user can map a file it owns with PROT_EXEC, so what is opened
 * here is hostile.  O_NONBLOCK: a FIFO swapped in for the mapped path does
 * not block the open; only regular files are read; O_NOFOLLOW for a bare
 * path (the map_files/ links must be followed, they are the mapping).
 * ELF_C_READ reads with pread(): a file truncated while it is parsed gives
 * short reads, not SIGBUS as the mmap'ed file did.
 */
static Elf *elf_open(const char *path, int *fd)
{
	int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK;
	struct stat st;
	Elf *e;

	if (strncmp(path, "/proc/", 6))
		flags |= O_NOFOLLOW;
	*fd = open(path, flags);
	if (*fd < 0)
		return NULL;
	if (fstat(*fd, &st) || !S_ISREG(st.st_mode)) {
		close(*fd);
		return NULL;
	}
	e = elf_begin(*fd, ELF_C_READ, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF) {
		if (e)
			elf_end(e);
		close(*fd);
		return NULL;
	}
	return e;
}

static void elf_close(Elf *e, int fd)
{
	elf_end(e);
	close(fd);
}

static int note_build_id(Elf_Data *d, uint8_t *id, uint8_t *len)
{
	size_t off = 0, name_off, desc_off;
	GElf_Nhdr nh;

	while ((off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
		if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
		    memcmp((char *)d->d_buf + name_off, "GNU", 4))
			continue;
		if (!nh.n_descsz || nh.n_descsz > VP_BUILD_ID_MAX)
			return 1;
		memcpy(id, (char *)d->d_buf + desc_off, nh.n_descsz);
		*len = (uint8_t)nh.n_descsz;
		return 0;
	}
	return 1;
}

int elf_build_id(const char *path, uint8_t *id, uint8_t *len)
{
	Elf_Scn *scn = NULL;
	int fd, ret = 1;
	Elf *e;

	e = elf_open(path, &fd);
	if (!e)
		return -1;
	while (ret && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		/* A build-id note is 36 bytes: no need to read a huge one. */
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE ||
		    sh.sh_size > 4096)
			continue;
		d = elf_getdata(scn, NULL);
		if (d)
			ret = note_build_id(d, id, len);
	}
	elf_close(e, fd);
	return ret;
}

/* Prefer the full .symtab; a stripped file still has .dynsym. */
static Elf_Scn *find_symtab(Elf *e, GElf_Shdr *out)
{
	Elf_Scn *scn = NULL, *dyn = NULL;
	GElf_Shdr sh, dsh;

	while ((scn = elf_nextscn(e, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB) {
			*out = sh;
			return scn;
		}
		if (sh.sh_type == SHT_DYNSYM && !dyn) {
			dyn = scn;
			dsh = sh;
		}
	}
	if (dyn)
		*out = dsh;
	return dyn;
}

/*
 * The PT_LOAD segments, read once per file (they were re-read for every
 * symbol: 25 s for a crafted file of 50,000 headers).  Real files have a
 * handful; one with more than AGENT_MAX_LOADS gets no symbols.
 */
struct loads {
	GElf_Phdr ph[AGENT_MAX_LOADS];
	size_t n;
};

static int read_loads(Elf *e, struct loads *l)
{
	size_t nphdr, i;

	l->n = 0;
	if (elf_getphdrnum(e, &nphdr))
		return -1;
	for (i = 0; i < nphdr; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (l->n == AGENT_MAX_LOADS)
			return -1;
		l->ph[l->n++] = ph;
	}
	return 0;
}

/* Translate a virtual address to a file offset through its PT_LOAD. */
static int vaddr_to_off(const struct loads *l, uint64_t v, uint64_t *off)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		const GElf_Phdr *ph = &l->ph[i];

		if (v >= ph->p_vaddr && v - ph->p_vaddr < ph->p_filesz) {
			*off = v - ph->p_vaddr + ph->p_offset;
			return 0;
		}
	}
	return -1;
}

static int emit_symbols(Elf *e, Elf_Scn *scn, const GElf_Shdr *sh,
			struct msg_chunk *so)
{
	Elf_Scn *strs = elf_getscn(e, sh->sh_link);
	size_t i, nsym, bytes = 0;
	struct loads l;
	GElf_Shdr ssh;
	Elf_Data *d;

	/*
	 * Bounded before anything is read: libelf holds a table in memory
	 * (twice, converted, in the other byte order), and the unit has
	 * MemoryMax=64M.
	 */
	if (!sh->sh_entsize || sh->sh_size > AGENT_MAX_SYMTAB_BYTES ||
	    !strs || !gelf_getshdr(strs, &ssh) ||
	    ssh.sh_size > AGENT_MAX_SYMTAB_BYTES || read_loads(e, &l))
		return 0;
	d = elf_getdata(scn, NULL);
	if (!d)
		return 0;
	nsym = sh->sh_size / sh->sh_entsize;
	for (i = 0; i < nsym && i < VP_DEF_MAX_SYMS_PER_OBJECT; i++) {
		struct vp_sym s = { .type = 'T' };
		GElf_Sym sym;
		int type;

		if (!gelf_getsym(d, (int)i, &sym))
			break;
		type = GELF_ST_TYPE(sym.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) ||
		    sym.st_shndx == SHN_UNDEF || !sym.st_value)
			continue;
		s.name = elf_strptr(e, sh->sh_link, sym.st_name);
		if (!s.name || !*s.name ||
		    vaddr_to_off(&l, sym.st_value, &s.offset))
			continue;
		s.size = sym.st_size;
		/* Many symbols may share one long name: bound the output. */
		bytes += 18 + strnlen(s.name, VP_SYM_NAME_MAX);
		if (bytes > AGENT_MAX_SYM_BYTES)
			break;
		if (chunk_add_sym(so, &s))
			return -1;
	}
	return chunk_close(so);
}

int elf_send_symbols(struct vp_buf *b, const char *path, const uint8_t *id,
		     uint8_t len)
{
	struct msg_chunk so = {
		.b = b, .type = VP_MSG_SYMBOLS, .id = id, .id_len = len,
	};
	Elf_Scn *scn;
	GElf_Shdr sh;
	int fd, ret = 0;
	Elf *e;

	e = elf_open(path, &fd);
	if (!e) {
		if (agent_verbose)
			agent_log("%s: not readable as ELF: %s", path,
				  elf_errmsg(-1));
		return 0;
	}
	scn = find_symtab(e, &sh);
	if (scn)
		ret = emit_symbols(e, scn, &sh, &so);
	elf_close(e, fd);
	return ret;
}
