// SPDX-License-Identifier: GPL-2.0
/*
 * --sort: a table's rows ordered by some of its columns.  The views build
 * their rows in their own order (the heaviest first); --sort orders what
 * they built, before --top cuts it, so it changes no number.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

int sort_spec_parse(struct sort_spec *s, const char *arg)
{
	struct sort_field *f;
	const char *end;
	size_t len;

	memset(s, 0, sizeof(*s));
	for (;;) {
		if (s->n == SORT_MAX_KEYS)
			return -1;
		f = &s->f[s->n++];
		if (*arg == '+' || *arg == '-')
			f->dir = *arg++ == '+' ? 1 : -1;
		end = arg + strcspn(arg, ",");
		len = (size_t)(end - arg);
		if (!len || len >= sizeof(f->name))
			return -1;
		memcpy(f->name, arg, len);
		f->name[len] = '\0';
		if (!*end)
			return 0;
		arg = end + 1;
	}
}

int table_kind_col(const struct table_kind *kind, const char *key)
{
	int c;

	for (c = 0; c < kind->ncols; c++)
		if (!strcmp(key, kind->keys[c]) ||
		    (kind->perf[c] && !strcmp(key, kind->perf[c])))
			return c;
	return -1;
}

/* Is @word in the ", " separated list @list? */
static bool listed(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p;

	for (p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (!p[n] || p[n] == ',' || p[n] == ' '))
			return true;
	return false;
}

void table_kind_keys(const struct table_kind *kind, struct buf *b)
{
	char *key;
	int c;

	for (c = 0; c < kind->ncols; c++) {
		if (b->len && listed((const char *)b->data, kind->keys[c]))
			continue;
		key = xasprintf("%s%s%s%s%s", b->len ? ", " : "", kind->keys[c],
				kind->perf[c] ? " (" : "",
				kind->perf[c] ? kind->perf[c] : "",
				kind->perf[c] ? ")" : "");
		if (b->len)
			b->len--;	/* over the last one's '\0' */
		buf_append(b, key, strlen(key) + 1);
		free(key);
	}
}

struct sort_by {
	const struct table *t;
	int n;
	int col[SORT_MAX_KEYS];
	int sign[SORT_MAX_KEYS];
};

static const char *sort_cell(const struct table *t, size_t row, int col)
{
	const char *s = t->cells[row * TABLE_MAX_COLS + col];

	return s ? s : "";
}

static bool number(const char *s, double *v)
{
	char *end;

	*v = strtod(s, &end);
	return *s && !*end;
}

/*
 * Numbers as numbers: a numeric column's, and text written in digits
 * (an exit code, 0x1e after 0x7); the rest, names, in strcmp() order.
 * strtod() alone would take a function called "inf" or "nan" for one.
 */
static int cell_cmp(const char *a, const char *b, bool numeric)
{
	double x, y;

	if ((numeric || (isdigit((unsigned char)*a) && isdigit((unsigned char)*b))) &&
	    number(a, &x) && number(b, &y))
		return (x > y) - (x < y);
	return strcmp(a, b);
}

/* By the keys in turn; rows equal in all stay in the view's order. */
static int row_cmp(const void *x, const void *y, void *arg)
{
	const struct sort_by *by = arg;
	size_t ra = *(const size_t *)x, rb = *(const size_t *)y;
	int i, c;

	for (i = 0; i < by->n; i++) {
		c = cell_cmp(sort_cell(by->t, ra, by->col[i]),
			     sort_cell(by->t, rb, by->col[i]),
			     by->t->numeric[by->col[i]]);
		if (c)
			return c * by->sign[i];
	}
	return (ra > rb) - (ra < rb);
}

/* The columns of @t the keys name, with their directions; how many. */
static int sort_by_table(const struct table *t, const struct sort_spec *s,
			 struct sort_by *by)
{
	const struct table_kind *k = t->kind;
	int i, c;

	by->t = t;
	by->n = 0;
	for (i = 0; k && i < s->n; i++) {
		c = table_kind_col(k, s->f[i].name);
		if (c < 0)
			continue;
		by->col[by->n] = c;
		if (s->f[i].dir)
			by->sign[by->n] = s->f[i].dir;
		else
			by->sign[by->n] = k->numeric[c] && !k->id[c] ? -1 : 1;
		by->n++;
	}
	return by->n;
}

/* The rows of @t in the order of @order (row numbers). */
static void table_reorder(struct table *t, const size_t *order)
{
	char **cells = xcalloc(t->nrows * TABLE_MAX_COLS, sizeof(*cells));
	size_t r;

	for (r = 0; r < t->nrows; r++)
		memcpy(&cells[r * TABLE_MAX_COLS],
		       &t->cells[order[r] * TABLE_MAX_COLS],
		       TABLE_MAX_COLS * sizeof(*cells));
	free(t->cells);
	t->cells = cells;
	t->caprows = t->nrows;
}

void doc_sort(struct doc *d, const struct sort_spec *s)
{
	struct sort_by by;
	size_t i, r, *order;

	for (i = 0; s && s->n && i < d->ntables; i++) {
		struct table *t = d->tables[i];

		if (t->nrows < 2 || !sort_by_table(t, s, &by))
			continue;
		order = xcalloc(t->nrows, sizeof(*order));
		for (r = 0; r < t->nrows; r++)
			order[r] = r;
		qsort_r(order, t->nrows, sizeof(*order), row_cmp, &by);
		table_reorder(t, order);
		free(order);
	}
}
