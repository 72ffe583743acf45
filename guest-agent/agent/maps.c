// SPDX-License-Identifier: GPL-2.0
/*
 * PROC_MAPS: the executable file mappings of one process, with the
 * build-id of each file, followed by SYMBOLS for build-ids this connection
 * has not sent yet.  A process is resent only when its maps changed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "agent.h"

/* Files whose build-id is known, by device, inode, size and times. */
struct file_id {
	uint64_t dev;
	uint64_t ino;
	uint64_t size;
	uint64_t mtime;		/* ns */
	uint64_t ctime;		/* ns */
	int8_t state;		/* 0 has build-id, 1 none, -1 unreadable */
	uint8_t len;
	uint8_t id[VP_BUILD_ID_MAX];
};

#define FILE_CACHE_SIZE	4096u	/* direct-mapped: a miss just rereads */

static struct file_id *file_cache;

struct map_line {
	struct vp_map m;
	uint64_t dev;
	uint64_t ino;
};

/* "start-end perms pgoff maj:min inode   path"; exec file maps only. */
static int parse_line(char *line, struct map_line *ml)
{
	unsigned int maj, min;
	char perms[8];
	int pos = 0;
	char *path;

	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %x:%x %" SCNu64 " %n",
		   &ml->m.start, &ml->m.end, perms, &ml->m.pgoff, &maj, &min,
		   &ml->ino, &pos) < 7 || !pos)
		return -1;
	path = line + pos;
	path[strcspn(path, "\n")] = '\0';
	if (perms[2] != 'x' || !ml->ino || path[0] != '/')
		return -1;
	ml->m.prot = (perms[0] == 'r' ? VP_PROT_R : 0) |
		     (perms[1] == 'w' ? VP_PROT_W : 0) | VP_PROT_X |
		     (perms[3] == 'p' ? VP_PROT_P : 0);
	ml->dev = ((uint64_t)maj << 32) | min;
	ml->m.path = strndup(path, VP_PATH_MAX);
	return ml->m.path ? 0 : -1;
}

static void read_id(uint32_t tgid, const struct map_line *ml,
		    struct file_id *fi)
{
	char path[64];

	fi->dev = ml->dev;
	fi->ino = ml->ino;
	snprintf(path, sizeof(path), "/proc/%u/map_files/%" PRIx64 "-%" PRIx64,
		 tgid, ml->m.start, ml->m.end);
	fi->state = (int8_t)elf_build_id(path, fi->id, &fi->len);
	if (fi->state < 0)
		fi->state = (int8_t)elf_build_id(ml->m.path, fi->id, &fi->len);
}

/*
 * What a file looks like now: an inode number is reused after a delete,
 * and a file rewritten in place keeps its own, so (dev, ino) alone would
 * give a rebuilt binary the old build-id and the host the old symbols.
 */
static void file_now(uint32_t tgid, const struct map_line *ml,
		     struct file_id *now)
{
	char path[64];
	struct stat st;

	memset(now, 0, sizeof(*now));
	snprintf(path, sizeof(path), "/proc/%u/map_files/%" PRIx64 "-%" PRIx64,
		 tgid, ml->m.start, ml->m.end);
	if (stat(path, &st) && stat(ml->m.path, &st))
		return;
	now->size = (uint64_t)st.st_size;
	now->mtime = (uint64_t)st.st_mtim.tv_sec * 1000000000ull +
		     (uint64_t)st.st_mtim.tv_nsec;
	now->ctime = (uint64_t)st.st_ctim.tv_sec * 1000000000ull +
		     (uint64_t)st.st_ctim.tv_nsec;
}

/* Build-id of the mapped file; map_files/ sees through mount namespaces. */
static void lookup_id(uint32_t tgid, struct map_line *ml)
{
	struct file_id tmp, *fi = &tmp, now;

	if (!file_cache)
		file_cache = calloc(FILE_CACHE_SIZE, sizeof(*file_cache));
	if (file_cache)
		fi = &file_cache[(ml->ino * 0x9e3779b97f4a7c15ull ^ ml->dev) %
				 FILE_CACHE_SIZE];
	file_now(tgid, ml, &now);
	if (fi == &tmp || fi->ino != ml->ino || fi->dev != ml->dev ||
	    fi->size != now.size || fi->mtime != now.mtime ||
	    fi->ctime != now.ctime) {
		read_id(tgid, ml, fi);
		fi->size = now.size;
		fi->mtime = now.mtime;
		fi->ctime = now.ctime;
	}
	if (!fi->state) {
		ml->m.build_id_len = fi->len;
		memcpy(ml->m.build_id, fi->id, fi->len);
	}
}

static int send_symbols_for(struct vp_buf *b, uint32_t tgid,
			    const struct map_line *ml)
{
	char path[64];

	if (!ml->m.build_id_len ||
	    !elf_cache_claim(ml->m.build_id, ml->m.build_id_len))
		return 0;
	snprintf(path, sizeof(path), "/proc/%u/map_files/%" PRIx64 "-%" PRIx64,
		 tgid, ml->m.start, ml->m.end);
	return elf_send_symbols(b, access(path, R_OK) ? ml->m.path : path,
				ml->m.build_id, ml->m.build_id_len);
}

static void free_maps(struct map_line *v, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		free(v[i].m.path);
	free(v);
}

/*
 * Read the exec mappings; NULL if the process is gone or going: from its
 * exit_mm() on (a zombie, or a group whose leader has exited) the file is
 * empty, and sending that would take from the host the maps that its
 * samples, taken while it ran, need.
 */
static struct map_line *read_maps(uint32_t tgid, uint32_t *nr, uint64_t *hash)
{
	struct map_line *v = NULL, *nv;
	uint32_t n = 0, cap = 0;
	size_t lines = 0;
	char fname[64];
	char *line = NULL;
	size_t lcap = 0;
	FILE *f;

	snprintf(fname, sizeof(fname), "/proc/%u/maps", tgid);
	f = fopen(fname, "re");
	if (!f)
		return NULL;
	*hash = VP_FNV1A_BASIS;
	while (getline(&line, &lcap, f) > 0 && n < VP_DEF_MAX_MAPS_PER_PROC) {
		lines++;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				break;
			v = nv;
		}
		memset(&v[n], 0, sizeof(v[n]));
		if (parse_line(line, &v[n]))
			continue;
		*hash = vp_fnv1a(*hash, line, strlen(line));
		n++;
	}
	free(line);
	fclose(f);
	if (!lines) {
		free(v);
		return NULL;
	}
	*nr = n;
	return v ? v : calloc(1, sizeof(*v));
}

/* One PROC_MAPS message; a pathological process is cut at the size cap. */
static int put_maps(struct vp_buf *b, uint32_t tgid, struct map_line *v,
		    uint32_t n)
{
	struct msg_chunk c = { .b = b, .type = VP_MSG_PROC_MAPS, .tgid = tgid };
	uint32_t i;
	int full = 0;

	if (chunk_open(&c))
		return -1;
	for (i = 0; i < n && !full; i++) {
		full = chunk_add_map(&c, &v[i].m);
		if (full < 0)
			return -1;
	}
	return chunk_close(&c);
}

int send_maps(struct vp_buf *b, uint32_t tgid, uint64_t *hash)
{
	struct map_line *v;
	uint64_t h = 0;
	uint32_t n = 0, i;
	int ret = 0;

	v = read_maps(tgid, &n, &h);
	if (!v || h == *hash) {
		if (v)
			free_maps(v, n);
		return 0;
	}
	*hash = h;
	for (i = 0; i < n; i++)
		lookup_id(tgid, &v[i]);
	ret = put_maps(b, tgid, v, n);
	for (i = 0; !ret && i < n; i++)
		ret = send_symbols_for(b, tgid, &v[i]);
	free_maps(v, n);
	if (!ret && b->len >= AGENT_FLUSH_BYTES)
		ret = out_send(b);
	return ret;
}
