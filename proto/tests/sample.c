// SPDX-License-Identifier: GPL-2.0
/*
 * A small valid stream: two processes sharing libc, a few kernel symbols,
 * then an exec and an exit.  Tests check lookups against these numbers.
 */
#include <string.h>

#include "sample.h"

int sample_hello(struct vp_buf *b)
{
	struct vp_hello h = {
		.flags = VP_HELLO_CR3 | VP_HELLO_PTI,
		.page_size = 4096,
		.mono_ns = 1000,
		.release = "6.12.0-test",
		.hostname = "guest1",
	};

	memcpy(h.boot_id, "0123456789abcdef", 16);
	return vp_enc_hello(b, &h);
}

int sample_kallsyms(struct vp_buf *b)
{
	static const struct vp_sym ks[] = {
		{ 0xffffffff81000000ull, 0, 'T', "_stext" },
		{ 0xffffffff81002000ull, 0, 't', "do_idle" },
		{ 0xffffffff81001000ull, 0, 'T', "schedule" },
	};
	unsigned int i;

	if (vp_msg_begin(b, VP_MSG_KALLSYMS) || vp_put_u32(b, 3))
		return -1;
	for (i = 0; i < 3; i++)
		if (vp_put_sym(b, &ks[i], 1))
			return -1;
	return vp_msg_end(b);
}

int sample_full(struct vp_buf *b)
{
	const struct vp_cr3_entry e[] = {
		{ SAMPLE_CR3_A, 2000, 100, 100, 1, VP_EV_SNAPSHOT, "bash" },
		{ SAMPLE_CR3_B, 2000, 200, 200, 100, VP_EV_SNAPSHOT, "worker" },
	};

	return vp_enc_cr3(b, VP_MSG_CR3_MAP_FULL, e, 2);
}

int sample_maps(struct vp_buf *b, uint32_t tgid)
{
	struct vp_map m[] = {
		{ 0x400000, 0x401000, 0x1000, VP_PROT_R | VP_PROT_X | VP_PROT_P,
		  0, { 0 }, "/bin/app" },
		{ 0x7f0000001000ull, 0x7f0000003000ull, 0x2000,
		  VP_PROT_R | VP_PROT_X | VP_PROT_P, 10, { 0 }, "/lib/libc.so.6" },
	};
	unsigned int i;

	memcpy(m[1].build_id, SAMPLE_LIBC_ID, 10);
	if (vp_msg_begin(b, VP_MSG_PROC_MAPS) || vp_put_u32(b, tgid) ||
	    vp_put_u32(b, 2))
		return -1;
	for (i = 0; i < 2; i++)
		if (vp_put_map(b, &m[i]))
			return -1;
	return vp_msg_end(b);
}

int sample_symbols(struct vp_buf *b)
{
	static const struct vp_sym s[] = {
		{ 0x2100, 0x100, 'T', "malloc" },
		{ 0x2000, 0x80, 'T', "memcpy" },
	};
	unsigned int i;

	if (vp_msg_begin(b, VP_MSG_SYMBOLS) ||
	    vp_put_build_id(b, (const uint8_t *)SAMPLE_LIBC_ID, 10) ||
	    vp_put_u32(b, 2))
		return -1;
	for (i = 0; i < 2; i++)
		if (vp_put_sym(b, &s[i], 0))
			return -1;
	return vp_msg_end(b);
}

int sample_delta(struct vp_buf *b)
{
	const struct vp_cr3_entry e[] = {
		{ 0x30e000ull, 3000, 300, 300, 100, VP_EV_FORK, "bash" },
		{ 0x40e000ull, 3100, 300, 300, 100, VP_EV_EXEC, "ls" },
		{ 0, 3200, 200, 200, 100, VP_EV_EXIT, "worker" },
	};

	return vp_enc_cr3(b, VP_MSG_CR3_MAP_DELTA, e, 3);
}

int sample_stream(struct vp_buf *b)
{
	return sample_hello(b) || sample_kallsyms(b) || sample_full(b) ||
	       sample_maps(b, 100) || sample_maps(b, 200) ||
	       sample_symbols(b) || sample_delta(b);
}
