// SPDX-License-Identifier: GPL-2.0
/*
 * KALLSYMS: the guest kernel's text symbols from /proc/kallsyms, so the
 * host can name guest kernel rips.  Data symbols are skipped: a rip never
 * points at them and they are half the file.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "agent.h"

static int is_text(char type)
{
	return type == 't' || type == 'T' || type == 'w' || type == 'W';
}

/* Close the open KALLSYMS message holding @n entries, if any. */
static int kallsyms_close(struct vp_buf *b, uint32_t n, size_t count_off)
{
	if (!n)
		return 0;
	vp_patch_u32(b, count_off, n);
	if (vp_msg_end(b))
		return -1;
	return b->len >= AGENT_FLUSH_BYTES ? out_send(b) : 0;
}

static int kallsyms_add(struct vp_buf *b, const struct vp_sym *s, uint32_t *n,
			size_t *count_off)
{
	if (!*n) {
		if (vp_msg_begin(b, VP_MSG_KALLSYMS))
			return -1;
		*count_off = b->len;
		if (vp_put_u32(b, 0))
			return -1;
	}
	if (vp_put_sym(b, s, 1))
		return -1;
	if (++*n < AGENT_SYMS_PER_MSG &&
	    vp_msg_payload_len(b) < AGENT_MSG_SOFT_MAX)
		return 0;
	if (kallsyms_close(b, *n, *count_off))
		return -1;
	*n = 0;
	return 0;
}

int send_kallsyms(struct vp_buf *b)
{
	uint32_t n = 0, total = 0, zero = 0;
	size_t count_off = 0;
	char line[1024];
	FILE *f;

	f = fopen("/proc/kallsyms", "re");
	if (!f) {
		fprintf(stderr, PROG ": cannot read /proc/kallsyms: %s; kernel rips stay unnamed\n",
			strerror(errno));
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		char name[512], type;
		struct vp_sym s = { 0 };
		uint64_t addr;

		if (sscanf(line, "%" SCNx64 " %c %511s", &addr, &type, name) != 3 ||
		    !is_text(type))
			continue;
		if (!addr) {
			zero++;
			continue;
		}
		s.offset = addr;
		s.type = type;
		s.name = name;
		if (kallsyms_add(b, &s, &n, &count_off)) {
			fclose(f);
			return -1;
		}
		total++;
	}
	fclose(f);
	if (!total && zero)
		fprintf(stderr, PROG ": /proc/kallsyms addresses are hidden (kptr_restrict); run as root\n");
	return kallsyms_close(b, n, count_off);
}
