/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_TABLE_H
#define VMPROF_TABLE_H

#include <stdio.h>

#include "util.h"

#define TABLE_MAX_COLS 8

enum out_format { FMT_TEXT, FMT_JSON, FMT_CSV, FMT_FOLDED, FMT_PPROF, FMT_PERFETTO,
		  FMT_HTML };


struct attr {
	char *key;
	char *val;
	bool numeric;
};

struct attrs {
	struct attr *v;
	size_t n;
};

/*
 * The columns of the tables of one name (--table NAME, JSON "name"): a
 * view builds its tables of these kinds, and --sort finds its keys here.
 */
struct table_kind {
	const char *name;
	int ncols;
	const char *cols[TABLE_MAX_COLS];	/* display names */
	const char *keys[TABLE_MAX_COLS];	/* json/csv names, --sort keys */
	bool numeric[TABLE_MAX_COLS];
	/*
	 * --sort KEY puts the biggest number first (the heaviest rows) and
	 * names in strcmp() order; an id (a pCPU) is a number smallest first.
	 */
	bool id[TABLE_MAX_COLS];
	/* the name perf gives the key (report, kvm stat), taken by --sort too */
	const char *perf[TABLE_MAX_COLS];
};

struct table {
	const struct table_kind *kind;
	const char *name;	/* kind->name */
	char *title;
	char *summary;		/* text output only; attrs carry the data */
	struct attrs attrs;
	int ncols;
	const char *cols[TABLE_MAX_COLS];	/* display names */
	const char *keys[TABLE_MAX_COLS];	/* json/csv names */
	bool numeric[TABLE_MAX_COLS];
	bool last_gap;		/* text: last column after spaces, not " | " */
	bool truncatable;	/* --top applies (rows sorted by weight) */
	char **cells;
	size_t nrows, caprows;
	/*
	 * folded stacks: frames = fold_pre, then fold_cols in order, count =
	 * fold_count; fold_other: the count of the rows --top cut
	 */
	char *fold_pre[2];
	int npre;
	u64 fold_other;
	/* rows whose last frame is [steal] or [halt]: that frame goes first */
	bool fold_time_first;
	int fold_cols[3];
	int nfold;
	int fold_count;
	/*
	 * pprof labels of a row besides vm and vcpu: the cells after the ncols
	 * printed ones, named by label_keys; a row without one has NULL there
	 */
	int nlabels;
	const char *label_keys[4];
	bool label_numeric[4];
};

struct doc {
	const char *view;
	bool row_labels;	/* views fill the tables' labels (pprof) */
	struct attrs header;
	struct table **tables;
	size_t ntables;
	char *text_header;
};

/* A new table of  at the end of the doc. */
struct table *doc_table(struct doc *d, const struct table_kind *kind,
			 const char *title);
size_t table_row(struct table *t);
void table_set(struct table *t, size_t row, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void attr_add(struct attrs *a, const char *key, bool numeric,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Row r's frames after the prefix, root first; returns how many. */
int table_fold_frames(const struct table *t, size_t r, const char **frames);
/* The first stack frames of every folded line (frame1 may be NULL). */
void table_fold_prefix(struct table *t, const char *frame0, const char *frame1);
bool doc_can_fold(const struct doc *d);
/* The foldable tables as a gzipped pprof profile.proto (report_pprof.c). */
int print_pprof(const struct doc *d, FILE *out);
void doc_print(const struct doc *d, enum out_format fmt, FILE *out);
/* Keep only the tables called name; false if there is none. */
bool doc_select(struct doc *d, const char *name);
/*
 * --sort KEY[,KEY...] (table_sort.c): a table's rows ordered by its
 * columns of those keys (a key of the kind, or perf's name of it), in the
 * order given; "+KEY" smallest first and "-KEY" biggest first, as ps
 * --sort has it; a bare KEY as table_kind.id says.
 */
#define SORT_MAX_KEYS TABLE_MAX_COLS
struct sort_spec {
	int n;
	struct sort_field {
		char name[64];
		int dir;	/* 1 smallest first, -1 biggest first, 0 the key's */
	} f[SORT_MAX_KEYS];
};
/* 0, or -1: an empty key, one too long, more than SORT_MAX_KEYS. */
int sort_spec_parse(struct sort_spec *s, const char *arg);
/* The column of @kind that @key names, or -1. */
int table_kind_col(const struct table_kind *kind, const char *key);
/*
 * The keys of @kind appended to @b (a string, for a usage error) as "key
 * (perf's name)", after ", " when @b has text; those already there once.
 */
void table_kind_keys(const struct table_kind *kind, struct buf *b);
/*
 * Order the rows of each table by those of the keys it has; a table with
 * none keeps its order, and so do rows equal in every key.
 */
void doc_sort(struct doc *d, const struct sort_spec *s);
/* Keep the first top rows of each truncatable table (0: all). */
void doc_truncate(struct doc *d, size_t top);
void doc_free(struct doc *d);

#endif
