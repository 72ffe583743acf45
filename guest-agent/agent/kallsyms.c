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

int send_kallsyms(struct vp_buf *b)
{
	struct msg_chunk c = { .b = b, .type = VP_MSG_KALLSYMS };
	uint32_t total = 0, zero = 0;
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
		if (chunk_add_sym(&c, &s)) {
			fclose(f);
			return -1;
		}
		total++;
	}
	fclose(f);
	if (!total && zero)
		fprintf(stderr, PROG ": /proc/kallsyms addresses are hidden (kptr_restrict); run as root\n");
	return chunk_close(&c);
}
