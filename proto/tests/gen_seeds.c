// SPDX-License-Identifier: GPL-2.0
/*
 * Write the fuzzer's seed corpus into the directory given: the sample
 * stream whole, then each message alone after HELLO, version 1 streams, a
 * later version's type, an OFFER.  Generated at build time so no binary
 * blobs live in the tree.  The first byte of each seed is the harness's
 * control byte (0: one feed, default limits).
 */
#include <stdio.h>
#include <stdlib.h>

#include "sample.h"

static int write_seed(const char *dir, const char *name, struct vp_buf *b,
		      unsigned char ctl)
{
	char path[4096];
	FILE *f;
	int bad;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f) {
		perror(path);
		return -1;
	}
	bad = fputc(ctl, f) == EOF || fwrite(b->data, 1, b->len, f) != b->len;
	if (fclose(f) || bad) {
		fprintf(stderr, "gen_seeds: cannot write %s\n", path);
		return -1;
	}
	vp_buf_reset(b);
	return 0;
}

int main(int argc, char **argv)
{
	struct vp_buf b;
	int err = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_seeds DIR\n");
		return 2;
	}
	vp_buf_init(&b);
	err |= sample_stream(&b) || write_seed(argv[1], "stream", &b, 0);
	err |= sample_stream(&b) || write_seed(argv[1], "stream-split", &b, 7);
	err |= sample_stream(&b) || write_seed(argv[1], "stream-tight", &b, 0x80);
	err |= sample_hello(&b) || sample_kallsyms(&b) ||
	       write_seed(argv[1], "kallsyms", &b, 0);
	err |= sample_hello(&b) || sample_full(&b) || sample_maps(&b, 100) ||
	       write_seed(argv[1], "maps", &b, 0);
	err |= sample_hello(&b) || sample_symbols(&b) ||
	       write_seed(argv[1], "symbols", &b, 0);
	err |= sample_hello(&b) || sample_full(&b) || sample_delta(&b) ||
	       write_seed(argv[1], "delta", &b, 0);
	/* A version 1 stream, read by a version 1 and a version 2 parser. */
	b.version = 1;
	err |= sample_stream(&b) || write_seed(argv[1], "stream-v1", &b, 0);
	err |= sample_stream(&b) || write_seed(argv[1], "stream-v1-only", &b, 0x40);
	b.version = 0;
	/* A later version's type between two messages, skipped. */
	err |= sample_hello(&b) || vp_msg_begin(&b, (enum vp_msg_type)9) ||
	       vp_put_u32(&b, 0x1234) || vp_msg_end(&b) || sample_full(&b) ||
	       write_seed(argv[1], "later-type", &b, 0);
	{
		const struct vp_offer o = { 1, 2, 0 };

		err |= vp_enc_offer(&b, &o) || sample_stream(&b) ||
		       write_seed(argv[1], "offer", &b, 0);
	}
	vp_buf_free(&b);
	return err ? 1 : 0;
}
