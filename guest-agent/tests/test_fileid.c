// SPDX-License-Identifier: GPL-2.0
/*
 * A file rewritten in place keeps its device and inode: the agent must not
 * send the build-id it cached for the old contents (nor does an inode
 * number reused after a delete, the same case seen from the cache).  This
 * process maps a copy of /bin/true, sends its maps, rewrites the copy with
 * /bin/ls and sends them again: the second PROC_MAPS must carry ls's id.
 *
 * Links agent/maps.c and agent/elf.c with a stub out_send().
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../agent/agent.h"
#include "../../proto/tests/tap.h"

int agent_verbose;
static struct vp_buf out;

void agent_log(const char *fmt, ...)
{
	(void)fmt;
}

int out_send(struct vp_buf *b)
{
	vp_put_bytes(&out, b->data, b->len);
	vp_buf_reset(b);
	return 0;
}

static int copy(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY), o;
	ssize_t n;

	/* O_TRUNC, not a new file: the inode stays the same. */
	o = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0700);
	if (in < 0 || o < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(o, buf, (size_t)n) != n)
			return -1;
	close(in);
	return close(o);
}

/* The build-id the agent sends for the mapping at @addr of this process. */
static int sent_id(void *addr, uint8_t *id, uint8_t *len)
{
	struct vp_cr3_entry e = { 0x1000, 1, (uint32_t)getpid(), (uint32_t)getpid(),
				  1, VP_EV_SNAPSHOT, "test" };
	struct vp_hello h = { .page_size = 4096 };
	struct vp_parser *p = vp_parser_new(NULL, NULL, NULL);
	const struct vp_map *m = NULL;
	uint64_t hash = 0;	/* 0: the maps count as changed */
	struct vp_buf b;
	int ret = -1;

	vp_buf_init(&b);
	vp_buf_reset(&out);
	vp_enc_hello(&out, &h);
	vp_enc_cr3(&out, VP_MSG_CR3_MAP_FULL, &e, 1);
	if (!send_maps(&b, (uint32_t)getpid(), &hash))
		out_send(&b);
	if (!vp_parser_feed(p, out.data, out.len)) {
		vp_lookup_user(p, (uint32_t)getpid(), (uintptr_t)addr, &m, NULL);
		if (m) {
			memcpy(id, m->build_id, m->build_id_len);
			*len = m->build_id_len;
			ret = 0;
		}
	}
	vp_parser_free(p);
	vp_buf_free(&b);
	return ret;
}

int main(void)
{
	char dir[] = "/tmp/vmprof-fileid-XXXXXX", path[256];
	uint8_t want1[VP_BUILD_ID_MAX], want2[VP_BUILD_ID_MAX];
	uint8_t got1[VP_BUILD_ID_MAX], got2[VP_BUILD_ID_MAX];
	uint8_t l1 = 0, l2 = 0, g1 = 0, g2 = 0;
	void *a;
	int fd;

	vp_buf_init(&out);
	if (!mkdtemp(dir) || elf_init() ||
	    elf_build_id("/bin/true", want1, &l1) ||
	    elf_build_id("/bin/ls", want2, &l2)) {
		printf("# skip: no build-ids in /bin/true and /bin/ls\n");
		return tap_done();
	}
	snprintf(path, sizeof(path), "%s/prog", dir);
	copy("/bin/true", path);
	fd = open(path, O_RDONLY);
	a = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	if (a == MAP_FAILED) {
		printf("# skip: cannot map %s executable (noexec?)\n", path);
		unlink(path);
		rmdir(dir);
		return tap_done();
	}
	tap_ok(!sent_id(a, got1, &g1) && g1 == l1 && !memcmp(got1, want1, l1),
	       "fileid: the mapped copy of true is sent with true's build-id");
	munmap(a, 4096);
	copy("/bin/ls", path);
	a = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	tap_ok(a != MAP_FAILED && !sent_id(a, got2, &g2) && g2 == l2 &&
	       !memcmp(got2, want2, l2),
	       "fileid: rewritten in place with ls, it is sent with ls's build-id");
	close(fd);
	unlink(path);
	rmdir(dir);
	vp_buf_free(&out);
	return tap_done();
}
