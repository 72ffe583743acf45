/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmprofctl top's screens: a window's analysis (analysis/live.h) as the
 * lines of one frame, for a terminal of a given size or, in batch mode,
 * whole.  Every string from the guest, the file or the host goes through
 * escape_name() before it is in a line: a frame is safe to print.
 */
#ifndef VMPROF_TOP_H
#define VMPROF_TOP_H

#include "analysis.h"

enum top_view { TOP_VCPUS, TOP_FUNCTIONS, TOP_PROCESSES, TOP_CULPRITS,
		TOP_NVIEWS };

/* What a vCPU's samples say it was doing. */
enum top_sampled { TOP_USER, TOP_KERNEL, TOP_EXIT, TOP_VMM, TOP_NSAMPLED };

/*
 * What the pass collects for top besides what struct analysis holds: the
 * samples of each vCPU by enum top_sampled, and the guest samples by the
 * process whose page tables were loaded (user and kernel mode).
 */
struct top_data {
	u64 (*vcpus)[TOP_NSAMPLED];
	u32 nvcpus;
	struct agg_table procs;	/* (0, CAT_GUEST_*, ctx, 0) -> samples */
};

/* Before the pass: set a->hooks and a->view (top_collect.c). */
void top_attach(struct analysis *a);

/* What the keys change and the frame says besides the window's numbers. */
struct top_screen {
	enum top_view view;
	unsigned int sort;	/* index into the view's sort keys */
	bool paused;
	bool ended;		/* the recording is over: nothing new comes */
	const char *source;	/* "live", "file PATH", ... */
	const char *status;	/* a message for the status line, or NULL */
	double delay_s;
	unsigned int cols, rows;	/* 0: unlimited (batch) */
};

struct top_frame {
	char **lines;
	size_t n, cap;
};

/* The frame of a window's analysis (finished, top_attach()ed). */
void top_frame_build(struct analysis *a, const struct top_screen *s,
		     struct top_frame *f);
void top_frame_free(struct top_frame *f);

const char *top_view_name(enum top_view v);
/* The view called @name, or -1. */
int top_view_find(const char *name);
unsigned int top_nsorts(enum top_view v);
/* The index of @v's sort key @name, or -1 (--sort). */
int top_sort_find(enum top_view v, const char *name);
const char *top_sort_name(enum top_view v, unsigned int sort);

/*
 * The rows of the current view, formatted, sorted as @s says: each a
 * malloc'ed line; the column titles in *@head.  Returns how many
 * (top_views.c).
 */
size_t top_view_rows(struct analysis *a, const struct top_screen *s,
		     char **head, char ***rows);

#endif
