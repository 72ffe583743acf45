// SPDX-License-Identifier: GPL-2.0
/*
 * HELLO: the stream's version (its header, from the negotiation) and the
 * guest kernel and boot.  vmprofctl keeps streams apart by connection and
 * host time (a reboot's stream is a new connection); boot_id, mono_ns
 * and page_size are for tools (vmprof-agent-dump), not used by the report.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>

#include "agent.h"

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* boot_id is a UUID string; keep its 16 bytes, zero if unreadable. */
static void read_boot_id(uint8_t id[16])
{
	char line[64];
	unsigned int n = 0;
	FILE *f;
	char *c;

	memset(id, 0, 16);
	f = fopen("/proc/sys/kernel/random/boot_id", "re");
	if (!f)
		return;
	if (fgets(line, sizeof(line), f)) {
		for (c = line; *c && n < 32; c++) {
			int v = hexval(*c);

			if (v < 0)
				continue;
			id[n / 2] |= v << ((n & 1) ? 0 : 4);
			n++;
		}
	}
	fclose(f);
}

/* PTI shows up as a "pti" flag in /proc/cpuinfo. */
static int pti_enabled(void)
{
	char line[4096];
	int pti = 0;
	FILE *f;

	f = fopen("/proc/cpuinfo", "re");
	if (!f)
		return 0;
	while (!pti && fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5) && strstr(line, " pti"))
			pti = 1;
	fclose(f);
	return pti;
}

int send_hello(struct vp_buf *b, int have_module)
{
	struct vp_hello h = { 0 };
	struct utsname u;
	long ps = sysconf(_SC_PAGESIZE);

	h.flags = (have_module ? VP_HELLO_CR3 : 0) |
		  (pti_enabled() ? VP_HELLO_PTI : 0);
	h.page_size = ps > 0 ? (uint32_t)ps : 4096;
	read_boot_id(h.boot_id);
	h.mono_ns = now_ns();
	h.features = out_features();
	if (!uname(&u)) {
		snprintf(h.release, sizeof(h.release), "%s", u.release);
		snprintf(h.hostname, sizeof(h.hostname), "%s", u.nodename);
	}
	return vp_enc_hello(b, &h);
}
