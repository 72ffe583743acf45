/* SPDX-License-Identifier: GPL-2.0 */
/* A small valid stream shared by the tests and the fuzz seed generator. */
#ifndef VMPROF_SAMPLE_H
#define VMPROF_SAMPLE_H

#include "../agent_proto.h"

#define SAMPLE_CR3_A	0x10a000ull	/* bit 12 clear: 8 KiB-aligned */
#define SAMPLE_CR3_B	0x20c000ull
#define SAMPLE_LIBC_ID	"\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa"

int sample_hello(struct vp_buf *b);
int sample_kallsyms(struct vp_buf *b);
int sample_full(struct vp_buf *b);
int sample_maps(struct vp_buf *b, uint32_t tgid);
int sample_symbols(struct vp_buf *b);
int sample_delta(struct vp_buf *b);
/* All of the above in protocol order. */
int sample_stream(struct vp_buf *b);

#endif /* VMPROF_SAMPLE_H */
