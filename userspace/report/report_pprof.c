// SPDX-License-Identifier: GPL-2.0
/*
 * pprof export: the stacks of the folded output as a gzipped profile.proto
 * (github.com/google/pprof, proto/profile.proto), which go tool pprof,
 * Parca, Pyroscope and Grafana read.  The few messages needed are encoded
 * by hand, so no protobuf library is needed; zlib does the gzip.
 *
 * Each row of a foldable table (unified, host) is one sample whose stack
 * is, leaf first: function, module, then the table's prefix frames (vCPU,
 * VM).  Values: samples/count and time/nanoseconds (samples times the
 * sampling period; steal and halt rows are their sample equivalents, as in
 * the unified view).  The rows --top cut are one [other] sample.  Labels:
 * vcpu (the table's) and vm, so a fleet's profiles can be told apart, and
 * a row's own (guest_process and guest_pid of guest user code the agent
 * named: the view then gives such rows one per process).
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "aggtab.h"
#include "table.h"

/* profile.proto field numbers */
enum {
	PROFILE_SAMPLE_TYPE = 1, PROFILE_SAMPLE = 2, PROFILE_LOCATION = 4,
	PROFILE_FUNCTION = 5, PROFILE_STRING_TABLE = 6,
	PROFILE_DURATION_NANOS = 10, PROFILE_PERIOD_TYPE = 11,
	PROFILE_PERIOD = 12, PROFILE_DEFAULT_SAMPLE_TYPE = 14,
	VALUETYPE_TYPE = 1, VALUETYPE_UNIT = 2,
	SAMPLE_LOCATION_ID = 1, SAMPLE_VALUE = 2, SAMPLE_LABEL = 3,
	LABEL_KEY = 1, LABEL_STR = 2, LABEL_NUM = 3,
	LOCATION_ID = 1, LOCATION_LINE = 4,
	LINE_FUNCTION_ID = 1,
	FUNCTION_ID = 1, FUNCTION_NAME = 2, FUNCTION_SYSTEM_NAME = 3,
	FUNCTION_FILENAME = 4,
};

#define WIRE_VARINT 0
#define WIRE_LEN 2
#define MAX_FRAMES 5

struct pprof {
	struct buf out;		/* the Profile message */
	struct strmap strs;	/* string -> string_table index */
	char **strv;
	size_t nstrs;
	struct strmap funcs;	/* "name\x1ffile" -> function (= location) id */
	u64 period_ns;
	const char *vm;		/* the VM's name, a label of every sample */
};

static void put_varint(struct buf *b, u64 v)
{
	u8 tmp[10];
	size_t n = 0;

	do {
		tmp[n] = (u8)(v & 0x7f);
		v >>= 7;
		if (v)
			tmp[n] |= 0x80;
		n++;
	} while (v);
	buf_append(b, tmp, n);
}

static void put_key(struct buf *b, u32 field, u32 wire)
{
	put_varint(b, (u64)field << 3 | wire);
}

static void put_u64(struct buf *b, u32 field, u64 v)
{
	put_key(b, field, WIRE_VARINT);
	put_varint(b, v);
}

static void put_bytes(struct buf *b, u32 field, const void *p, size_t len)
{
	put_key(b, field, WIRE_LEN);
	put_varint(b, len);
	buf_append(b, p, len);
}

/* A nested message, built in m, becomes field of b; m is reset. */
static void put_msg(struct buf *b, u32 field, struct buf *m)
{
	put_bytes(b, field, m->data, m->len);
	m->len = 0;
}

static u64 str_id(struct pprof *p, const char *s)
{
	bool found;
	u32 id = strmap_get(&p->strs, s, (u32)p->nstrs, &found);

	if (!found) {
		p->strv = xrealloc(p->strv, (p->nstrs + 1) * sizeof(*p->strv));
		p->strv[p->nstrs++] = xstrdup(s);
	}
	return id;
}

/* The function (and its one location) of a frame; ids start at 1. */
static u64 func_id(struct pprof *p, struct buf *funcs, const char *name,
		   const char *file)
{
	struct buf m = { 0 }, line = { 0 };
	char key[600];
	bool found;
	u32 id;

	snprintf(key, sizeof(key), "%s\x1f%s", name, file);
	id = strmap_get(&p->funcs, key, (u32)p->funcs.n + 1, &found);
	if (found)
		return id;
	put_u64(&m, FUNCTION_ID, id);
	put_u64(&m, FUNCTION_NAME, str_id(p, name));
	put_u64(&m, FUNCTION_SYSTEM_NAME, str_id(p, name));
	put_u64(&m, FUNCTION_FILENAME, str_id(p, file));
	put_msg(funcs, PROFILE_FUNCTION, &m);
	put_u64(&line, LINE_FUNCTION_ID, id);
	put_u64(&m, LOCATION_ID, id);
	put_msg(&m, LOCATION_LINE, &line);
	put_msg(funcs, PROFILE_LOCATION, &m);
	buf_free(&m);
	buf_free(&line);
	return id;
}

static void value_type(struct pprof *p, u32 field, const char *type,
		       const char *unit)
{
	struct buf m = { 0 };

	put_u64(&m, VALUETYPE_TYPE, str_id(p, type));
	put_u64(&m, VALUETYPE_UNIT, str_id(p, unit));
	put_msg(&p->out, field, &m);
	buf_free(&m);
}

/*
 * One sample: frames leaf first, its count, the table's vCPU label and
 * row @r's labels (none for the [other] row past the last).  The vCPU
 * label is a string: pprof drops a numeric label whose value is 0 (vcpu0).
 */
static void sample(struct pprof *p, struct buf *funcs, const char **frames,
		   const char **files, int n, u64 count, const char *vcpu,
		   const struct table *t, size_t r)
{
	struct buf m = { 0 }, ids = { 0 }, lab = { 0 };
	const char *v;
	int i;

	for (i = 0; i < n; i++)
		put_varint(&ids, func_id(p, funcs, frames[i], files[i]));
	put_msg(&m, SAMPLE_LOCATION_ID, &ids);
	put_varint(&ids, count);
	put_varint(&ids, count * p->period_ns);
	put_msg(&m, SAMPLE_VALUE, &ids);
	if (vcpu) {
		put_u64(&lab, LABEL_KEY, str_id(p, "vcpu"));
		put_u64(&lab, LABEL_STR, str_id(p, vcpu));
		put_msg(&m, SAMPLE_LABEL, &lab);
	}
	if (p->vm && *p->vm) {
		put_u64(&lab, LABEL_KEY, str_id(p, "vm"));
		put_u64(&lab, LABEL_STR, str_id(p, p->vm));
		put_msg(&m, SAMPLE_LABEL, &lab);
	}
	for (i = 0; r < t->nrows && i < t->nlabels; i++) {
		v = t->cells[r * TABLE_MAX_COLS + t->ncols + i];
		if (!v)
			continue;
		put_u64(&lab, LABEL_KEY, str_id(p, t->label_keys[i]));
		if (t->label_numeric[i])
			put_u64(&lab, LABEL_NUM, strtoull(v, NULL, 10));
		else
			put_u64(&lab, LABEL_STR, str_id(p, v));
		put_msg(&m, SAMPLE_LABEL, &lab);
	}
	put_msg(&p->out, PROFILE_SAMPLE, &m);
	buf_free(&m);
	buf_free(&ids);
	buf_free(&lab);
}

static const char *attr_val(const struct attrs *a, const char *key)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (!strcmp(a->v[i].key, key))
			return a->v[i].val;
	return NULL;
}

static void table_samples(struct pprof *p, struct buf *funcs,
			  const struct table *t)
{
	const char *frames[MAX_FRAMES], *files[MAX_FRAMES], *row[3], *v;
	const char *vcpu = attr_val(&t->attrs, "vcpu");
	size_t r;
	int i, k;

	for (r = 0; r <= t->nrows; r++) {
		u64 count;
		int n = 0;

		if (r == t->nrows) {	/* what --top cut */
			if (!t->fold_other)
				break;
			count = t->fold_other;
			frames[n] = "[other]";
			files[n++] = "";
		} else {
			v = t->cells[r * TABLE_MAX_COLS + t->fold_count];
			count = v ? strtoull(v, NULL, 10) : 0;
			k = table_fold_frames(t, r, row);
			/* leaf first; the leaf is named with the frame above it */
			for (i = k - 1; i >= 0; i--) {
				frames[n] = row[i];
				files[n++] = i == k - 1 && k > 1 ? row[k - 2] : "";
			}
		}
		for (i = t->npre - 1; i >= 0 && n < MAX_FRAMES; i--) {
			frames[n] = t->fold_pre[i];
			files[n++] = "";
		}
		if (count)
			sample(p, funcs, frames, files, n, count, vcpu, t, r);
	}
}

/* gzip (deflate with a gzip header, windowBits 16 + 15) into out. */
static int gzip_to(FILE *out, const struct buf *in)
{
	u8 chunk[65536];
	z_stream z;
	int ret;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + 15, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	z.next_in = in->data;
	z.avail_in = (uInt)in->len;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		ret = deflate(&z, Z_FINISH);
		fwrite(chunk, 1, sizeof(chunk) - z.avail_out, out);
	} while (ret == Z_OK);
	deflateEnd(&z);
	return ret == Z_STREAM_END ? 0 : -1;
}

int print_pprof(const struct doc *d, FILE *out)
{
	struct pprof p = { 0 };
	struct buf funcs = { 0 }, m = { 0 };
	const char *v;
	size_t i;
	int ret;

	strmap_init(&p.strs);
	strmap_init(&p.funcs);
	str_id(&p, "");		/* string_table[0] is "" */
	v = attr_val(&d->header, "sample_period_ns");
	p.period_ns = v ? strtoull(v, NULL, 10) : 0;
	p.vm = attr_val(&d->header, "vm");
	value_type(&p, PROFILE_SAMPLE_TYPE, "samples", "count");
	value_type(&p, PROFILE_SAMPLE_TYPE, "time", "nanoseconds");
	for (i = 0; i < d->ntables; i++)
		if (d->tables[i]->nfold)
			table_samples(&p, &funcs, d->tables[i]);
	buf_append(&p.out, funcs.data, funcs.len);
	v = attr_val(&d->header, "duration_ms");
	if (v)
		put_u64(&p.out, PROFILE_DURATION_NANOS,
			(u64)(strtod(v, NULL) * 1e6 + 0.5));
	value_type(&p, PROFILE_PERIOD_TYPE, "cpu", "nanoseconds");
	put_u64(&p.out, PROFILE_PERIOD, p.period_ns);
	put_u64(&p.out, PROFILE_DEFAULT_SAMPLE_TYPE, str_id(&p, "samples"));
	for (i = 0; i < p.nstrs; i++) {
		put_bytes(&m, PROFILE_STRING_TABLE, p.strv[i], strlen(p.strv[i]));
		buf_append(&p.out, m.data, m.len);
		m.len = 0;
		free(p.strv[i]);
	}
	ret = gzip_to(out, &p.out);
	free(p.strv);
	strmap_free(&p.strs);
	strmap_free(&p.funcs);
	buf_free(&funcs);
	buf_free(&m);
	buf_free(&p.out);
	return ret;
}
