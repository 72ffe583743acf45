// SPDX-License-Identifier: GPL-2.0
/*
 * ELF files mapped by guest processes: their build-id, and their function
 * symbols as file offsets, read with libelf.  Each build-id is sent once
 * per connection.  The agent opens a file; libelf reads it in a confined
 * process (elf_child.c), which sends back plain records that are checked
 * here before anything goes into the stream.
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
 */
static int hostile_open(const char *path)
{
	int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK, fd;
	struct stat st;

	if (strncmp(path, "/proc/", 6))
		flags |= O_NOFOLLOW;
	fd = open(path, flags);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * In the reader.  ELF_C_READ reads with pread(): a file truncated while
 * it is parsed gives short reads, not SIGBUS as the mmap'ed file did.
 */
static Elf *reader_elf(int fd)
{
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);

	if (e && elf_kind(e) != ELF_K_ELF) {
		elf_end(e);
		e = NULL;
	}
	return e;
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

/* In the reader: the build-id as { i8 state, u8 len, id } */
int elf_job_build_id(int fd, struct elf_out *o)
{
	uint8_t rec[2 + VP_BUILD_ID_MAX] = { (uint8_t)-1, 0 };
	Elf_Scn *scn = NULL;
	int ret = 1;
	Elf *e;

	e = reader_elf(fd);
	while (e && ret && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		/* A build-id note is 36 bytes: no need to read a huge one. */
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE ||
		    sh.sh_size > 4096)
			continue;
		d = elf_getdata(scn, NULL);
		if (d)
			ret = note_build_id(d, rec + 2, &rec[1]);
	}
	if (e) {
		rec[0] = (uint8_t)ret;
		elf_end(e);
	}
	return elf_out_put(o, rec, 2 + (rec[0] ? 0 : rec[1]));
}

/* A file whose reader failed has no build-id: nothing more is read of it. */
int elf_build_id(const char *path, uint8_t *id, uint8_t *len)
{
	uint8_t *res;
	size_t n;
	int fd, ret = 1;

	fd = hostile_open(path);
	if (fd < 0)
		return -1;
	if (!elf_child_run(fd, path, ELF_JOB_BUILD_ID, 2 + VP_BUILD_ID_MAX,
			   &res, &n)) {
		if (n == 2 && res[0] == (uint8_t)-1) {
			ret = -1;
		} else if (n >= 2 && !res[0] && res[1] &&
			   res[1] <= VP_BUILD_ID_MAX && n == 2u + res[1]) {
			memcpy(id, res + 2, res[1]);
			*len = res[1];
			ret = 0;
		}
		free(res);
	}
	close(fd);
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

/*
 * In the reader: each symbol as { u64 offset, u64 size, u16 n, name[n] },
 * native byte order (one program on both ends of the pipe).
 */
#define SYM_REC		18u

static int put_symbol(struct elf_out *o, const struct vp_sym *s, size_t n)
{
	uint16_t n16 = (uint16_t)n;
	uint8_t rec[SYM_REC];

	memcpy(rec, &s->offset, 8);
	memcpy(rec + 8, &s->size, 8);
	memcpy(rec + 16, &n16, 2);
	return elf_out_put(o, rec, sizeof(rec)) || elf_out_put(o, s->name, n);
}

static int emit_symbols(Elf *e, Elf_Scn *scn, const GElf_Shdr *sh,
			struct elf_out *o)
{
	Elf_Scn *strs = elf_getscn(e, sh->sh_link);
	size_t i, n, nsym, bytes = 0;
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
		n = strnlen(s.name, VP_SYM_NAME_MAX);
		/* Many symbols may share one long name: bound the output. */
		bytes += SYM_REC + n;
		if (bytes > AGENT_MAX_SYM_BYTES)
			break;
		if (put_symbol(o, &s, n))
			return -1;
	}
	return 0;
}

int elf_job_symbols(int fd, struct elf_out *o)
{
	Elf *e = reader_elf(fd);
	Elf_Scn *scn;
	GElf_Shdr sh;
	int ret = 0;

	if (!e)
		return 0;
	scn = find_symtab(e, &sh);
	if (scn)
		ret = emit_symbols(e, scn, &sh, o);
	elf_end(e);
	return ret;
}

/* The reader's records, all well formed, or none is taken. */
static int check_symbols(const uint8_t *r, size_t len)
{
	uint16_t n;

	while (len) {
		if (len < SYM_REC)
			return -1;
		memcpy(&n, r + 16, 2);
		if (n > VP_SYM_NAME_MAX || len - SYM_REC < n)
			return -1;
		r += SYM_REC + n;
		len -= SYM_REC + n;
	}
	return 0;
}

static int put_symbols(struct msg_chunk *so, const uint8_t *r, size_t len)
{
	char name[VP_SYM_NAME_MAX + 1];
	struct vp_sym s = { .type = 'T', .name = name };
	uint16_t n;

	while (len) {
		memcpy(&s.offset, r, 8);
		memcpy(&s.size, r + 8, 8);
		memcpy(&n, r + 16, 2);
		memcpy(name, r + SYM_REC, n);
		name[n] = '\0';
		if (chunk_add_sym(so, &s))
			return -1;
		r += SYM_REC + n;
		len -= SYM_REC + n;
	}
	return chunk_close(so);
}

int elf_send_symbols(struct vp_buf *b, const char *path, const uint8_t *id,
		     uint8_t len)
{
	struct msg_chunk so = {
		.b = b, .type = VP_MSG_SYMBOLS, .id = id, .id_len = len,
	};
	uint8_t *res;
	size_t n;
	int fd, ret = 0;

	fd = hostile_open(path);
	if (fd < 0) {
		if (agent_verbose)
			agent_log("%s: not a regular file", path);
		return 0;
	}
	/* The reader stops past AGENT_MAX_SYM_BYTES: one record more at most. */
	if (!elf_child_run(fd, path, ELF_JOB_SYMBOLS,
			   AGENT_MAX_SYM_BYTES + SYM_REC + VP_SYM_NAME_MAX, &res,
			   &n)) {
		if (!check_symbols(res, n))
			ret = put_symbols(&so, res, n);
		else
			agent_log("%s: the ELF reader sent malformed records: file skipped",
				  path);
		free(res);
	}
	close(fd);
	return ret;
}
