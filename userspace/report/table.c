// SPDX-License-Identifier: GPL-2.0
/* Report tables and their output formats: text, JSON, CSV, folded stacks. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

struct table *doc_table(struct doc *d, const struct table_kind *kind,
			 const char *title)
{
	struct table *t = xcalloc(1, sizeof(*t));
	int i;

	t->title = escape_name(xstrdup(title));
	t->fold_count = -1;
	t->kind = kind;
	t->name = kind->name;
	t->ncols = kind->ncols;
	for (i = 0; i < kind->ncols; i++) {
		t->cols[i] = kind->cols[i];
		t->keys[i] = kind->keys[i];
		t->numeric[i] = kind->numeric[i];
	}
	d->tables = xrealloc(d->tables, (d->ntables + 1) * sizeof(*d->tables));
	d->tables[d->ntables++] = t;
	return t;
}

size_t table_row(struct table *t)
{
	/* cells: TABLE_MAX_COLS per row */
	t->cells = grow_array(t->cells, t->nrows + 1, &t->caprows,
			      TABLE_MAX_COLS * sizeof(char *), 32);
	memset(&t->cells[t->nrows * TABLE_MAX_COLS], 0,
	       TABLE_MAX_COLS * sizeof(char *));
	return t->nrows++;
}

static const char *cell(const struct table *t, size_t row, int col)
{
	const char *s = t->cells[row * TABLE_MAX_COLS + col];

	return s ? s : "";
}

void table_set(struct table *t, size_t row, int col, const char *fmt, ...)
{
	char **slot = &t->cells[row * TABLE_MAX_COLS + col];
	va_list ap;

	free(*slot);
	va_start(ap, fmt);
	if (vasprintf(slot, fmt, ap) < 0)
		*slot = NULL;
	va_end(ap);
	if (*slot)
		*slot = escape_name(*slot);
}

void attr_add(struct attrs *a, const char *key, bool numeric,
	      const char *fmt, ...)
{
	struct attr *at;
	va_list ap;

	a->v = xrealloc(a->v, (a->n + 1) * sizeof(*a->v));
	at = &a->v[a->n++];
	at->key = xstrdup(key);
	at->numeric = numeric;
	va_start(ap, fmt);
	if (vasprintf(&at->val, fmt, ap) < 0)
		at->val = xstrdup("");
	va_end(ap);
	at->val = escape_name(at->val);
}

void table_fold_prefix(struct table *t, const char *frame0, const char *frame1)
{
	t->fold_pre[0] = xstrdup(frame0);
	t->fold_pre[1] = frame1 ? xstrdup(frame1) : NULL;
	t->npre = frame1 ? 2 : 1;
	t->fold_pre[0] = escape_name(t->fold_pre[0]);
	if (frame1)
		t->fold_pre[1] = escape_name(t->fold_pre[1]);
}

bool doc_can_fold(const struct doc *d)
{
	size_t i;

	for (i = 0; i < d->ntables; i++)
		if (d->tables[i]->nfold)
			return true;
	return false;
}

static void print_text_table(const struct table *t, FILE *out)
{
	size_t w[TABLE_MAX_COLS], r, len;
	int c;

	for (c = 0; c < t->ncols; c++) {
		w[c] = strlen(t->cols[c]);
		for (r = 0; r < t->nrows; r++) {
			len = strlen(cell(t, r, c));
			if (len > w[c])
				w[c] = len;
		}
	}
	fprintf(out, "\n%s\n", t->title);
	if (t->summary)
		fprintf(out, "%s\n", t->summary);
	for (r = 0; r <= t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *s = r ? cell(t, r - 1, c) : t->cols[c];
			bool last = c + 1 == t->ncols;
			const char *sep = c == 0 ? "" :
					  (last && t->last_gap) ? " " : " | ";

			if (last && !t->numeric[c])
				fprintf(out, "%s%s", sep, s);
			else
				fprintf(out, t->numeric[c] ? "%s%*s" : "%s%-*s",
					sep, (int)w[c], s);
		}
		fputc('\n', out);
	}
}

static void json_val(FILE *out, const char *s, bool numeric)
{
	if (numeric && *s)
		fputs(s, out);
	else
		json_str_raw(out, s);
}

static void json_attrs(FILE *out, const struct attrs *a)
{
	size_t i;

	fputc('{', out);
	for (i = 0; i < a->n; i++) {
		if (i)
			fputc(',', out);
		json_str_raw(out, a->v[i].key);
		fputc(':', out);
		json_val(out, a->v[i].val, a->v[i].numeric);
	}
	fputc('}', out);
}

static void print_json_table(const struct table *t, FILE *out)
{
	size_t r;
	int c;

	fputs("{\"name\":", out);
	json_str_raw(out, t->name ? t->name : "");
	fputs(",\"title\":", out);
	json_str_raw(out, t->title);
	fputs(",\"attrs\":", out);
	json_attrs(out, &t->attrs);
	fputs(",\"rows\":[", out);
	for (r = 0; r < t->nrows; r++) {
		fputs(r ? ",{" : "{", out);
		for (c = 0; c < t->ncols; c++) {
			if (c)
				fputc(',', out);
			json_str_raw(out, t->keys[c]);
			fputc(':', out);
			json_val(out, cell(t, r, c), t->numeric[c]);
		}
		fputc('}', out);
	}
	fputs("]}", out);
}

/*
 * A cell a spreadsheet would run as a formula (= + - @ tab CR first; guest
 * symbol and process names are the guest's choice) gets a leading ', as
 * OWASP advises; numbers such as -1.5 stay numbers.
 */
static bool csv_formula(const char *s)
{
	char *end;

	if (!*s || !strchr("=+-@\t\r", *s))
		return false;
	strtod(s, &end);
	return *end != '\0';
}

static void csv_field(FILE *out, const char *s)
{
	bool formula = csv_formula(s);

	if (!formula && !strpbrk(s, ",\"\n\r")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	if (formula)
		fputc('\'', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static bool same_name(const struct table *a, const struct table *b)
{
	return a->name == b->name || (a->name && b->name && !strcmp(a->name, b->name));
}

/*
 * CSV is one rectangular table, as sqlite3 .import and miller want it:
 * one header line, then the rows of the tables of the first table's name
 * (the per-vCPU tables of a view), with the table's title as column 1.
 * The other tables are named on stderr; --table chooses one.
 */
static void print_csv(const struct doc *d, FILE *out)
{
	const struct table *t, *first = d->ntables ? d->tables[0] : NULL;
	char others[256] = "";
	size_t i, r, len;
	int c;

	for (i = 0; first && i < d->ntables; i++) {
		t = d->tables[i];
		if (!same_name(t, first)) {
			len = strlen(others);
			if (t->name && !strstr(others, t->name))
				snprintf(others + len, sizeof(others) - len, "%s%s",
					 len ? ", " : "", t->name);
			continue;
		}
		if (t == first) {
			fputs("table", out);
			for (c = 0; c < t->ncols; c++)
				fprintf(out, ",%s", t->keys[c]);
			fputc('\n', out);
		}
		for (r = 0; r < t->nrows; r++) {
			csv_field(out, t->title);
			for (c = 0; c < t->ncols; c++) {
				fputc(',', out);
				csv_field(out, cell(t, r, c));
			}
			fputc('\n', out);
		}
	}
	if (others[0])
		pr_warn("the CSV holds the %s table; the report also has %s: print them with --table NAME",
			first->name ? first->name : first->title, others);
}

static void fold_frame(FILE *out, const char *s)
{
	for (; *s; s++)
		fputc(*s == ';' || *s == ' ' ? '_' : *s, out);
}

static void fold_prefix(const struct table *t, FILE *out)
{
	int i;

	for (i = 0; i < t->npre; i++) {
		if (i)
			fputc(';', out);
		fold_frame(out, t->fold_pre[i]);
	}
}

/*
 * Steal and halt are one block per vCPU in a flame graph, their culprits
 * above them: vm;vcpu1;[steal];(outside: x), not a tower per culprit.
 */
int table_fold_frames(const struct table *t, size_t r, const char **frames)
{
	const char *last;
	int f;

	for (f = 0; f < t->nfold && f < 3; f++)
		frames[f] = cell(t, r, t->fold_cols[f]);
	last = f ? frames[f - 1] : "";
	if (t->fold_time_first && f == 2 &&
	    (!strcmp(last, "[steal]") || !strcmp(last, "[halt]"))) {
		frames[1] = frames[0];
		frames[0] = last;
	}
	return f;
}

static void print_folded(const struct doc *d, FILE *out)
{
	const char *frames[3];
	const struct table *t;
	size_t i, r;
	int f, n;

	for (i = 0; i < d->ntables; i++) {
		t = d->tables[i];
		for (r = 0; t->nfold && r < t->nrows; r++) {
			fold_prefix(t, out);
			n = table_fold_frames(t, r, frames);
			for (f = 0; f < n; f++) {
				fputc(';', out);
				fold_frame(out, frames[f]);
			}
			fprintf(out, " %s\n", cell(t, r, t->fold_count));
		}
		/* A flame graph sums to the whole even with --top. */
		if (t->nfold && t->fold_other) {
			fold_prefix(t, out);
			fprintf(out, ";[other] %llu\n",
				(unsigned long long)t->fold_other);
		}
	}
}

void doc_print(const struct doc *d, enum out_format fmt, FILE *out)
{
	size_t i;

	switch (fmt) {
	case FMT_TEXT:
		if (d->text_header)
			fputs(d->text_header, out);
		for (i = 0; i < d->ntables; i++)
			print_text_table(d->tables[i], out);
		break;
	case FMT_JSON:
		fputs("{\"view\":", out);
		json_str_raw(out, d->view ? d->view : "");
		fputs(",\"header\":", out);
		json_attrs(out, &d->header);
		fputs(",\"tables\":[", out);
		for (i = 0; i < d->ntables; i++) {
			if (i)
				fputc(',', out);
			print_json_table(d->tables[i], out);
		}
		fputs("]}\n", out);
		break;
	case FMT_CSV:
		print_csv(d, out);
		break;
	case FMT_FOLDED:
		print_folded(d, out);
		break;
	case FMT_PPROF:
		if (print_pprof(d, out))
			pr_err("cannot compress the pprof profile");
		break;
	case FMT_PERFETTO:	/* no tables: print_perfetto() */
	case FMT_HTML:		/* or print_html() */
		break;
	}
}

void doc_truncate(struct doc *d, size_t top)
{
	size_t i, j;

	for (i = 0; top && i < d->ntables; i++) {
		struct table *t = d->tables[i];

		if (t->nrows <= top || !t->truncatable)
			continue;
		for (j = top; t->fold_count >= 0 && j < t->nrows; j++)
			t->fold_other += strtoull(cell(t, j, t->fold_count), NULL, 10);
		for (j = top * TABLE_MAX_COLS; j < t->nrows * TABLE_MAX_COLS; j++)
			free(t->cells[j]);
		t->nrows = top;
	}
}

static void attrs_free(struct attrs *a)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		free(a->v[i].key);
		free(a->v[i].val);
	}
	free(a->v);
}

static void table_free(struct table *t)
{
	size_t j;

	for (j = 0; j < t->nrows * TABLE_MAX_COLS; j++)
		free(t->cells[j]);
	free(t->cells);
	free(t->title);
	free(t->summary);
	free(t->fold_pre[0]);
	free(t->fold_pre[1]);
	attrs_free(&t->attrs);
	free(t);
}

bool doc_select(struct doc *d, const char *name)
{
	size_t i, n = 0;

	for (i = 0; i < d->ntables; i++) {
		if (d->tables[i]->name && !strcmp(d->tables[i]->name, name))
			d->tables[n++] = d->tables[i];
		else
			table_free(d->tables[i]);
	}
	d->ntables = n;
	return n > 0;
}

void doc_free(struct doc *d)
{
	size_t i;

	for (i = 0; i < d->ntables; i++)
		table_free(d->tables[i]);
	free(d->tables);
	attrs_free(&d->header);
	free(d->text_header);
	memset(d, 0, sizeof(*d));
}
