// SPDX-License-Identifier: GPL-2.0
/*
 * Data file reader.  Never trusts the file: every length is bounded before
 * it is used, and a damaged tail ends the walk with a warning so the report
 * covers everything up to the last whole chunk.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc32c.h"
#include "datafile.h"
#include "records_pack.h"

static ssize_t read_full(int fd, void *p, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = read(fd, (char *)p + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

static int check_header(struct df_reader *r, const struct df_file_header *h)
{
	if (memcmp(h->magic, DF_MAGIC, sizeof(h->magic))) {
		pr_err("%s is not a vmprofctl data file (bad magic); record one with 'vmprofctl record'",
		       r->path);
		return -1;
	}
	if (h->header_crc != crc32c(0, h, offsetof(struct df_file_header,
						   header_crc))) {
		pr_err("%s: file header checksum mismatch; the file is corrupt",
		       r->path);
		return -1;
	}
	if (h->version_major < DF_VERSION_MAJOR_OLDEST ||
	    h->version_major > DF_VERSION_MAJOR) {
		pr_err("%s: data format version %u.%u is not supported (this vmprofctl reads %u.x to %u.x); use a matching vmprofctl",
		       r->path, h->version_major, h->version_minor,
		       DF_VERSION_MAJOR_OLDEST, DF_VERSION_MAJOR);
		return -1;
	}
	if (h->header_size < sizeof(*h) || h->header_size > 4096) {
		pr_err("%s: bad header size %u; the file is corrupt", r->path,
		       h->header_size);
		return -1;
	}
	return 0;
}

/* Past the rest of a longer header by reading: a pipe cannot seek. */
static int skip_bytes(struct df_reader *r, size_t len)
{
	char tmp[512];
	size_t n;

	while (len) {
		n = len < sizeof(tmp) ? len : sizeof(tmp);
		if (read_full(r->fd, tmp, n) != (ssize_t)n)
			return -1;
		len -= n;
	}
	return 0;
}

/* "-" is standard input, which may be a pipe. */
static int open_input(struct df_reader *r, const char *path)
{
	struct stat st;

	if (!strcmp(path, "-")) {
		r->path = "standard input";
		r->fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);
		/* A file spooled for a second pass is read from its start. */
		if (r->fd >= 0 && !fstat(r->fd, &st) && S_ISREG(st.st_mode))
			lseek(r->fd, 0, SEEK_SET);
	} else {
		r->fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (r->fd < 0) {
		pr_err("cannot open %s: %s; pass an existing file with -i",
		       r->path, strerror(errno));
		return -1;
	}
	if (!fstat(r->fd, &st) && S_ISDIR(st.st_mode)) {
		pr_err("cannot read %s: %s; pass a data file with -i", r->path,
		       strerror(EISDIR));
		close(r->fd);
		r->fd = -1;
		return -1;
	}
	return 0;
}

int df_reader_open(struct df_reader *r, const char *path)
{
	struct df_file_header h;
	ssize_t n;

	memset(r, 0, sizeof(*r));
	r->path = path;
	if (open_input(r, path))
		return -1;
	n = read_full(r->fd, &h, sizeof(h));
	if (n != (ssize_t)sizeof(h)) {
		pr_err("%s is too short to be a vmprofctl data file", r->path);
		goto fail;
	}
	if (check_header(r, &h))
		goto fail;
	r->version_minor = h.version_minor;
	r->offset = h.header_size;
	if (skip_bytes(r, h.header_size - sizeof(h))) {
		pr_err("%s is too short to be a vmprofctl data file", r->path);
		goto fail;
	}
	return 0;
fail:
	close(r->fd);
	r->fd = -1;
	return -1;
}

void df_reader_rewind(struct df_reader *r)
{
	struct df_file_header h;

	lseek(r->fd, 0, SEEK_SET);
	if (read_full(r->fd, &h, sizeof(h)) == (ssize_t)sizeof(h))
		r->offset = h.header_size;
	lseek(r->fd, (off_t)r->offset, SEEK_SET);
	r->chunks = 0;
	r->ahead = 0;
	r->bad_chunks = 0;
	r->truncated = r->corrupt = false;
}

/*
 * A chunk cut short at the end of a file still being written: go back to
 * its start, to read it whole once the writer has finished it.
 */
static int not_written_yet(struct df_reader *r)
{
	lseek(r->fd, (off_t)r->offset, SEEK_SET);
	return 0;
}

int df_tail_chunk(struct df_reader *r, u32 type, u32 length, struct df_chunk *c)
{
	struct df_chunk_header ch;
	struct stat st;
	off_t at;

	if (fstat(r->fd, &st) || !S_ISREG(st.st_mode) ||
	    (u64)st.st_size < r->offset + sizeof(ch) + length)
		return 0;
	at = st.st_size - (off_t)(sizeof(ch) + length);
	r->payload.len = 0;
	buf_reserve(&r->payload, length);
	if (pread(r->fd, &ch, sizeof(ch), at) != (ssize_t)sizeof(ch) ||
	    ch.type != type || ch.length != length ||
	    ch.header_crc != crc32c(0, &ch, offsetof(struct df_chunk_header,
						      header_crc)) ||
	    pread(r->fd, r->payload.data, length, at + (off_t)sizeof(ch)) !=
	    (ssize_t)length ||
	    ch.payload_crc != crc32c(0, r->payload.data, length))
		return 0;
	c->type = type;
	c->length = length;
	c->offset = (u64)at;
	c->packed = false;
	c->data = r->payload.data;
	return 1;
}

static int tail_damaged(struct df_reader *r, const char *what)
{
	if (r->only_type)
		return 0;	/* a first pass: the full pass warns */
	pr_warn("%s: %s at offset %llu; reporting the %llu whole chunks before it",
		r->path, what, (unsigned long long)r->offset,
		(unsigned long long)r->chunks);
	return 0;
}

/*
 * Seeking over chunks (only_type) reads one header a megabyte: on a cold
 * page cache each waited for the disk, 0.2 ms, as the kernel's readahead
 * does not take them for a sequential read (40 ms of the 1M-sample
 * report's first pass).  The headers to come are where the chunk just
 * skipped says, if the next ones are as long: ask for their pages now, a
 * few dozen in flight at once.  A wrong guess costs one page read.
 */
#define HEADERS_AHEAD 32

static void headers_ahead(struct df_reader *r, u64 next, u64 stride)
{
	u64 at;
	int i;

	if (r->follow)
		return;
	for (i = 1; i <= HEADERS_AHEAD; i++) {
		at = next + i * stride;
		if (at <= r->ahead)
			continue;
		posix_fadvise(r->fd, (off_t)at, sizeof(struct df_chunk_header),
			      POSIX_FADV_WILLNEED);
		r->ahead = at;
	}
}

/* Packed records are asked for as the RECORDS they decode to. */
static bool wanted(const struct df_reader *r, u32 type)
{
	return !r->only_type || type == r->only_type ||
	       (r->also_type && type == r->also_type) ||
	       (type == DF_CHUNK_RECORDS_PACKED &&
		r->only_type == DF_CHUNK_RECORDS);
}

/*
 * The chunk as its reader sees it: a RECORDS_PACKED one decoded into the
 * RECORDS it was made from.  A packed chunk that does not decode whole
 * (its checksum was sound: a writer's bug or a crafted file) gives the
 * whole records before the damage, with a warning when @loud.
 */
static void set_chunk(struct df_reader *r, struct df_chunk *c, u32 type,
		      u32 length, bool loud)
{
	c->type = type;
	c->length = length;
	c->data = r->payload.data;
	c->packed = false;
	if (type != DF_CHUNK_RECORDS_PACKED)
		return;
	c->packed = true;
	c->type = DF_CHUNK_RECORDS;
	if (records_unpack(&r->unpacked, r->payload.data, length)) {
		r->bad_packed++;
		if (loud)
			pr_warn("%s: packed records at offset %llu are damaged after %zu bytes of records; reporting those",
				r->path, (unsigned long long)c->offset,
				r->unpacked.len);
	}
	c->data = r->unpacked.data;
	c->length = (u32)r->unpacked.len;
}

int df_next_chunk(struct df_reader *r, struct df_chunk *c)
{
	struct df_chunk_header ch;
	ssize_t n;

	for (;;) {
		n = read_full(r->fd, &ch, sizeof(ch));
		if (n == 0)
			return 0;
		if (n != (ssize_t)sizeof(ch) && r->follow)
			return not_written_yet(r);
		if (n != (ssize_t)sizeof(ch)) {
			r->truncated = true;
			return tail_damaged(r, "truncated chunk header");
		}
		if (ch.header_crc != crc32c(0, &ch, offsetof(struct df_chunk_header,
							      header_crc))) {
			r->corrupt = true;
			return tail_damaged(r, "corrupt chunk header");
		}
		if (ch.length > DF_MAX_CHUNK) {
			r->corrupt = true;
			return tail_damaged(r, "oversized chunk");
		}
		if (!wanted(r, ch.type)) {
			if (lseek(r->fd, (off_t)ch.length, SEEK_CUR) < 0)
				return 0;
			r->offset += sizeof(ch) + ch.length;
			headers_ahead(r, r->offset, sizeof(ch) + ch.length);
			continue;
		}
		r->payload.len = 0;
		buf_reserve(&r->payload, ch.length);
		n = read_full(r->fd, r->payload.data, ch.length);
		if (n != (ssize_t)ch.length && r->follow)
			return not_written_yet(r);
		if (n != (ssize_t)ch.length) {
			r->truncated = true;
			return tail_damaged(r, "truncated chunk");
		}
		c->offset = r->offset;
		r->offset += sizeof(ch) + ch.length;
		if (ch.payload_crc != crc32c(0, r->payload.data, ch.length)) {
			r->bad_chunks++;
			if (!r->only_type)
				pr_warn("%s: chunk at offset %llu has a bad checksum; skipping it",
					r->path, (unsigned long long)c->offset);
			continue;
		}
		r->chunks++;
		set_chunk(r, c, ch.type, ch.length, !r->only_type);
		return 1;
	}
}

static bool pread_full(int fd, void *p, size_t len, u64 off)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pread(fd, (char *)p + done, len - done, (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		done += (size_t)n;
	}
	return true;
}

int df_chunk_at(struct df_reader *r, u64 offset, struct df_chunk *c)
{
	struct df_chunk_header ch;

	if (!pread_full(r->fd, &ch, sizeof(ch), offset) ||
	    ch.header_crc != crc32c(0, &ch, offsetof(struct df_chunk_header,
						  header_crc)) ||
	    ch.length > DF_MAX_CHUNK)
		return 0;
	r->payload.len = 0;
	buf_reserve(&r->payload, ch.length);
	if (!pread_full(r->fd, r->payload.data, ch.length, offset + sizeof(ch)) ||
	    ch.payload_crc != crc32c(0, r->payload.data, ch.length))
		return 0;
	c->offset = offset;
	set_chunk(r, c, ch.type, ch.length, false);
	return 1;
}

void df_reader_close(struct df_reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	buf_free(&r->payload);
	buf_free(&r->unpacked);
}
