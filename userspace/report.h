/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_REPORT_H
#define VMPROF_REPORT_H

#include "aggtab.h"
#include "analysis.h"
#include "table.h"

struct row {
	u32 group;
	char *func;
	char *module;
	u64 count;
	u64 aux;
};

struct rowset {
	struct strmap idx;
	struct row *rows;
	size_t n, cap;
};

void rowset_init(struct rowset *s);
void rowset_add(struct rowset *s, u32 group, const char *func,
		const char *module, u64 count, u64 aux);
void rowset_sort(struct rowset *s);
void rowset_free(struct rowset *s);

/* Function and module names for an aggregated address. */
void resolve_addr(struct analysis *a, u32 cat, u64 addr, u64 ctx,
		  char *func, size_t flen, char *module, size_t mlen);
/*
 * Rows of an aggregation table (group = key a when by_group): symbols merge
 * by name; of the unknown addresses the UNKNOWN_ROWS_MAX most sampled per
 * group keep a row each, the rest are summed per module into
 * "[unknown] (other addresses)": counted, never dropped, output bounded.
 */
#define UNKNOWN_ROWS_MAX 200
void rows_from_agg(struct analysis *a, struct agg_table *t, bool by_group,
		   struct rowset *rs);
/* "(on vcpuN)" or "(outside: comm)" */
void owner_name(const struct analysis *a, u32 owner, char *buf, size_t len);
char owner_char(u32 owner);
double pct(u64 part, u64 total);
/* "123.456" milliseconds from nanoseconds, exact. */
const char *fmt_ms(u64 ns, char *buf, size_t len);

void doc_header(struct analysis *a, struct doc *d, const char *path,
		const char *view);
void report_unified(struct analysis *a, struct doc *d);
void report_host(struct analysis *a, struct doc *d);
void report_steal(struct analysis *a, struct doc *d);
void report_exits(struct analysis *a, struct doc *d);
void report_timeline(struct analysis *a, struct doc *d);
/*
 * --format perfetto (report_perfetto.c): attach before the pass to collect
 * the vCPUs' samples and intervals; after it, write them as a trace.
 */
void perfetto_attach(struct analysis *a);
int print_perfetto(struct analysis *a, FILE *out);

int cmd_report(int argc, char **argv);

#endif
