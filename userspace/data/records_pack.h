/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RECORDS_PACKED: a lossless compact form of a RECORDS payload (the raw
 * kernel records), specified field by field in docs/data-format.md.  A
 * packed payload decodes to exactly the bytes it was made from.
 */
#ifndef VMPROF_RECORDS_PACK_H
#define VMPROF_RECORDS_PACK_H

#include <stddef.h>

#include "util.h"

/* The payload's header: what it decodes to. */
struct df_packed_header {
	u32 raw_length;		/* bytes of the RECORDS payload it decodes to */
	u32 records;		/* whole records in it */
};

/*
 * Append the packed form of @len bytes of whole records to @out: 0, or -1
 * (nothing appended) when the bytes are not whole records or @len is
 * larger than a chunk, which the caller then writes raw.
 */
int records_pack(struct buf *out, const u8 *p, size_t len);

/*
 * Decode a packed payload into @out (emptied first): 0, or -1 when it is
 * damaged; @out then holds the whole records decoded before the damage.
 * Never reads past @len nor writes past the raw_length it announces
 * (at most DF_MAX_CHUNK).
 */
int records_unpack(struct buf *out, const u8 *p, size_t len);

#endif
