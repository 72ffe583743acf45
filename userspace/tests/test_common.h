/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers for the report tests: table lookups and scenario files. */
#ifndef VMPROF_TEST_COMMON_H
#define VMPROF_TEST_COMMON_H

#include <stdlib.h>

#include "report.h"
#include "tap.h"
#include "tools/synth.h"

#define MS ((u64)1000000)
#define T0 ((u64)1000000000)

static inline struct table *find_table(struct doc *d, const char *prefix)
{
	size_t i;

	for (i = 0; i < d->ntables; i++)
		if (!strncmp(d->tables[i]->title, prefix, strlen(prefix)))
			return d->tables[i];
	return NULL;
}

static inline const char *cellv(const struct table *t, size_t r, int c)
{
	const char *s = t->cells[r * TABLE_MAX_COLS + c];

	return s ? s : "";
}

/* Row whose column col1 equals v1 and (if v2) column col2 equals v2. */
static inline long find_row2(const struct table *t, int col1, const char *v1,
			     int col2, const char *v2)
{
	size_t r;

	for (r = 0; t && r < t->nrows; r++)
		if (!strcmp(cellv(t, r, col1), v1) &&
		    (!v2 || !strcmp(cellv(t, r, col2), v2)))
			return (long)r;
	return -1;
}

/* Numeric cell of a row, or a value no test expects when missing. */
static inline u64 row_num(const struct table *t, long r, int col)
{
	if (!t || r < 0)
		return 0xdeadbeefULL;
	return strtoull(cellv(t, (size_t)r, col), NULL, 10);
}

/*
 * Load @file (@what names the check) and make its unified report in @d:
 * its vCPU 0 table.  The caller frees @d and @a.
 */
static inline struct table *unified_vcpu0(struct analysis *a, struct doc *d,
					  const char *file, const char *what)
{
	analysis_init(a, NULL);
	ok(analysis_load(a, file) == 0, "%s", what);
	report_unified(a, d);
	return find_table(d, "vcpu0");
}

static inline const char *row_str(const struct table *t, long r, int col)
{
	if (!t || r < 0)
		return "(no row)";
	return cellv(t, (size_t)r, col);
}

/*
 * Load @file and make its steal report in @d: the table of @vcpu
 * ("vcpu0").  The caller frees @d and @a.
 */
static inline struct table *steal_of(struct analysis *a, struct doc *d,
				     const char *file, const char *vcpu)
{
	analysis_init(a, NULL);
	ok(analysis_load(a, file) == 0, "%s loads", file);
	report_steal(a, d);
	return find_table(d, vcpu);
}

/* The steal table's row "[steal] @culprit": its ms and its class. */
static inline void check_ms(const struct table *t, const char *culprit,
			    const char *cls, const char *ms, const char *what)
{
	char who[512], name[256];
	long r;

	snprintf(who, sizeof(who), "[steal] %s", culprit);
	r = find_row2(t, 0, who, -1, NULL);
	is_str(row_str(t, r, 2), ms, what);
	snprintf(name, sizeof(name), "%s: class %s", what, cls);
	is_str(row_str(t, r, 5), cls, name);
}

static inline const char *attr_of(const struct table *t, const char *key)
{
	size_t i;

	for (i = 0; t && i < t->attrs.n; i++)
		if (!strcmp(t->attrs.v[i].key, key))
			return t->attrs.v[i].val;
	return "(none)";
}

static inline const char *header_of(const struct doc *d, const char *key)
{
	size_t i;

	for (i = 0; i < d->header.n; i++)
		if (!strcmp(d->header.v[i].key, key))
			return d->header.v[i].val;
	return "(none)";
}

/* Print a doc into a malloc'ed string. */
static inline char *doc_string(const struct doc *d, enum out_format fmt)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	doc_print(d, fmt, f);
	fclose(f);
	return s;
}

#endif
