// SPDX-License-Identifier: GPL-2.0
/* Data file writer: header, then one checksummed chunk per write. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc32c.h"
#include "datafile.h"
#include "records_pack.h"

static int df_put(struct df_writer *w, const void *p, size_t len)
{
	if (w->error)
		return -1;
	if (len && fwrite(p, 1, len, w->f) != len) {
		w->error = errno ? errno : EIO;
		pr_err("cannot write %s: %s; check free space", w->path,
		       strerror(w->error));
		return -1;
	}
	w->bytes += len;
	return 0;
}

/*
 * As perf keeps perf.data.old: a second 'record' must not destroy the
 * first recording.  Devices, pipes and empty files are left alone.
 */
int df_backup_old(const char *path)
{
	struct stat st;
	char *old;
	int ret = 0;

	if (stat(path, &st) || !S_ISREG(st.st_mode) || !st.st_size)
		return 0;
	old = xasprintf("%s.old", path);
	if (rename(path, old)) {
		pr_err("cannot rename %s to %s: %s; choose another -o path", path,
		       old, strerror(errno));
		ret = -1;
	}
	free(old);
	return ret;
}

int df_writer_open(struct df_writer *w, const char *path)
{
	struct df_file_header h;

	memset(w, 0, sizeof(*w));
	w->path = path;
	w->raw_records = getenv("VMPROFCTL_RAW_RECORDS") &&
			 !strcmp(getenv("VMPROFCTL_RAW_RECORDS"), "1");
	w->f = fopen(path, "wbe");
	if (!w->f) {
		pr_err("cannot create %s: %s; choose another -o path", path,
		       strerror(errno));
		return -1;
	}
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, DF_MAGIC, sizeof(h.magic));
	h.version_major = DF_VERSION_MAJOR;
	h.version_minor = DF_VERSION_MINOR;
	h.header_size = sizeof(h);
	h.created_realtime_ns = realtime_ns();
	h.header_crc = crc32c(0, &h, offsetof(struct df_file_header, header_crc));
	return df_put(w, &h, sizeof(h));
}

int df_write_chunk(struct df_writer *w, u32 type, const void *p, u32 len)
{
	struct df_chunk_header ch;

	ch.type = type;
	ch.length = len;
	ch.payload_crc = crc32c(0, p, len);
	ch.header_crc = crc32c(0, &ch, offsetof(struct df_chunk_header,
						header_crc));
	if (df_put(w, &ch, sizeof(ch)) || df_put(w, p, len))
		return -1;
	return 0;
}

int df_flush_records(struct df_writer *w)
{
	int ret = 0;

	/*
	 * Packed unless that is no smaller, or the bytes are not whole
	 * records (the collector's always are): kept raw, as read.
	 */
	w->packed.len = 0;
	if (w->records.len && !w->raw_records &&
	    !records_pack(&w->packed, w->records.data, w->records.len) &&
	    w->packed.len < w->records.len)
		ret = df_write_chunk(w, DF_CHUNK_RECORDS_PACKED, w->packed.data,
				     (u32)w->packed.len);
	else if (w->records.len)
		ret = df_write_chunk(w, DF_CHUNK_RECORDS, w->records.data,
				     (u32)w->records.len);
	w->records.len = 0;
	if (!ret && fflush(w->f)) {
		w->error = errno;
		pr_err("cannot write %s: %s", w->path, strerror(errno));
		ret = -1;
	}
	if (!ret) {
		w->records_written += w->pending_records;
		w->bytes_written = w->bytes;
	}
	w->pending_records = 0;
	return ret;
}

/* Append whole kernel records; a chunk never splits a record. */
int df_write_records(struct df_writer *w, const void *p, size_t len, u64 nrec)
{
	if (w->records.len + len > DF_RECORDS_CHUNK && df_flush_records(w))
		return -1;
	if (len > DF_MAX_CHUNK)
		return -1;
	buf_append(&w->records, p, len);
	w->pending_records += nrec;
	return 0;
}

int df_write_agent(struct df_writer *w, u64 recv_ns, u32 stream,
		   const void *p, u32 len)
{
	struct df_agent_header ah = { .recv_ns = recv_ns, .stream = stream };
	struct buf b = { 0 };
	int ret;

	/* Keep record order: records read before this message go first. */
	if (df_flush_records(w))
		return -1;
	buf_append(&b, &ah, sizeof(ah));
	buf_append(&b, p, len);
	ret = df_write_chunk(w, DF_CHUNK_AGENT, b.data, (u32)b.len);
	buf_free(&b);
	return ret;
}

/* The first error is the one reported; a close must not fail silently. */
static void close_error(struct df_writer *w, int earlier)
{
	if (w->error || earlier)
		return;
	w->error = errno ? errno : EIO;
	pr_err("cannot write %s: %s; check free space", w->path,
	       strerror(w->error));
}

int df_writer_close(struct df_writer *w, const struct df_end *end)
{
	int ret = df_flush_records(w);

	if (!ret && end)
		ret = df_write_chunk(w, DF_CHUNK_END, end, sizeof(*end));
	/* fsync() of a pipe or device (-o /dev/null) is EINVAL: not an error */
	if (fflush(w->f) ||
	    (fsync(fileno(w->f)) && errno != EINVAL && errno != EROFS))
		close_error(w, ret);
	else if (!ret)
		w->bytes_written = w->bytes;
	if (fclose(w->f))
		close_error(w, ret);
	w->f = NULL;
	buf_free(&w->records);
	buf_free(&w->packed);
	return ret || w->error ? -1 : 0;
}

void meta_put(struct buf *b, u16 tag, const void *p, u32 len)
{
	struct df_meta_entry e = { .tag = tag, .length = len };

	buf_append(b, &e, sizeof(e));
	buf_append(b, p, len);
}

void meta_put_str(struct buf *b, u16 tag, const char *s)
{
	if (s)
		meta_put(b, tag, s, (u32)strlen(s));
}

void meta_put_u32(struct buf *b, u16 tag, u32 v)
{
	meta_put(b, tag, &v, sizeof(v));
}

void meta_put_u64(struct buf *b, u16 tag, u64 v)
{
	meta_put(b, tag, &v, sizeof(v));
}
