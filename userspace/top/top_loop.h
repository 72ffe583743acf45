/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_TOP_LOOP_H
#define VMPROF_TOP_LOOP_H

#include "collector.h"
#include "top.h"

/* What 'vmprofctl top' was asked for (cmd_top.c parses it). */
struct top_opts {
	struct record_opts rec;	/* --vm and how to record it */
	bool rec_given;		/* an option of record's besides --vm */
	const char *input;	/* -i: follow this file instead */
	double delay_s;
	u64 iterations;		/* 0: until q */
	bool batch;
	enum top_view view;
	const char *sort_name;	/* --sort, checked once the view is known */
	unsigned int sort;	/* --sort: the first view's key, by index */
};

/*
 * Show the VM of --vm live (recording it, or following the file of the
 * collector 'start' runs for it), or the file of -i, until q, Ctrl-C,
 * -n frames or, in batch mode, the end of the recording.  An exit code.
 */
int top_run(const struct top_opts *o);

#endif
