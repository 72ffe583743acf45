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

struct table {
	const char *name;	/* kind (--table): tables of a name share columns */
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

struct table *doc_table(struct doc *d, const char *title);
void table_cols(struct table *t, int n, const char *const *cols,
		const char *const *keys, const bool *numeric);
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
/* Keep the first top rows of each truncatable table (0: all). */
void doc_truncate(struct doc *d, size_t top);
void doc_free(struct doc *d);

#endif
