// SPDX-License-Identifier: GPL-2.0
/*
 * One frame of vmprofctl top: what is shown, when and how it is sorted
 * (four lines), the view's column titles and as many of its rows as the
 * terminal has lines for, the keys on the last line.  Every line is cut
 * to the terminal's width, on a character boundary (the lines hold valid
 * UTF-8: escape_name()).  A batch frame has every row and no keys.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "top.h"

/* what, window, view, status, column titles */
#define HEAD_LINES 5
#define KEYS_LINE "keys: q quit  p pause  s sort  v view (vcpus, functions, processes, culprits)"

/* Cut @s to @cols characters; 0: as it is. */
static void fit(char *s, unsigned int cols)
{
	unsigned int n = 0;
	size_t i;

	for (i = 0; cols && s[i]; i++) {
		if (((unsigned char)s[i] & 0xc0) == 0x80)
			continue;	/* inside a character */
		if (n++ == cols) {
			s[i] = '\0';
			return;
		}
	}
}

static void push(struct top_frame *f, char *line)
{
	GROW_ARRAY(f->lines, f->n + 1, f->cap, 64);
	f->lines[f->n++] = line;
}

static __attribute__((format(printf, 3, 4)))
void add(struct top_frame *f, const struct top_screen *s, const char *fmt, ...)
{
	char *line;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		line = NULL;
	va_end(ap);
	if (!line)
		line = xstrdup("");
	fit(line, s->cols);
	push(f, line);
}

static void window_line(struct analysis *a, const struct top_screen *s,
			struct top_frame *f)
{
	u64 start = analysis_begin_ns(a), begin = analysis_window_begin_ns(a);
	u64 end = analysis_end_ns(a);
	char periods[40];

	if (end <= begin) {
		add(f, s, "waiting for records%s",
		    s->ended ? "; the recording ended" : "");
		return;
	}
	add(f, s, "%.1f-%.1f s of the recording (%.1f s), every %.1f s: %" PRIu64 " samples%s, %" PRIu64 " records lost%s",
	    (double)(begin - start) / 1e9, (double)(end - start) / 1e9,
	    (double)(end - begin) / 1e9, s->delay_s, a->sample_records,
	    fmt_periods(a->sample_records, a->samples_total, periods,
			sizeof(periods)),
	    a->lost_total, s->ended ? "; the recording ended" : "");
}

void top_frame_build(struct analysis *a, const struct top_screen *s,
		     struct top_frame *f)
{
	char *head, **rows, *vm, *src, *st;
	size_t n, shown, i;

	memset(f, 0, sizeof(*f));
	n = top_view_rows(a, s, &head, &rows);
	shown = n;
	if (s->rows && shown + HEAD_LINES + 1 > s->rows)
		shown = s->rows > HEAD_LINES + 1 ? s->rows - HEAD_LINES - 1 : 0;
	vm = escape_name(xstrdup(a->vm_name[0] ? a->vm_name : "?"));
	src = escape_name(xstrdup(s->source));
	st = escape_name(xstrdup(s->status ? s->status : ""));
	add(f, s, "vmprofctl top: vm %s (pid %u), %s", vm, a->vmm_pid, src);
	window_line(a, s, f);
	if (n)
		add(f, s, "%s view, sorted by %s: rows 1-%zu of %zu%s",
		    top_view_name(s->view), top_sort_name(s->view, s->sort),
		    shown, n, s->paused ? "  [paused]" : "");
	else
		add(f, s, "%s view, sorted by %s: no rows%s",
		    top_view_name(s->view), top_sort_name(s->view, s->sort),
		    s->paused ? "  [paused]" : "");
	add(f, s, "%s", st);
	add(f, s, "%s", head);
	for (i = 0; i < n; i++) {
		if (i < shown) {
			fit(rows[i], s->cols);
			push(f, rows[i]);
		} else {
			free(rows[i]);
		}
	}
	/* The keys on the terminal's last line, under what fits above it. */
	while (s->rows && f->n + 1 < s->rows)
		push(f, xstrdup(""));
	while (s->rows && f->n >= s->rows)
		free(f->lines[--f->n]);
	if (s->rows)
		add(f, s, "%s", KEYS_LINE);
	free(rows);
	free(head);
	free(vm);
	free(src);
	free(st);
}

void top_frame_free(struct top_frame *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		free(f->lines[i]);
	free(f->lines);
	memset(f, 0, sizeof(*f));
}
