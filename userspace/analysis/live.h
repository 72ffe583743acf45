/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A data file read while it is written (vmprofctl top), analysed a window
 * at a time, each window as 'vmprofctl report --time-from --time-to' would
 * analyse it.  The file is followed chunk by chunk.  What every window
 * needs whole, the metadata, the host kallsyms and the agent streams, is
 * read once into a base analysis and lent to each window's.  Of the
 * records, the chunks that reach into the window are read again; a chunk
 * wholly before it leaves only each vCPU's last sched record, so that a
 * vCPU preempted or halted long before the window is seen to be so in it.
 */
#ifndef VMPROF_LIVE_H
#define VMPROF_LIVE_H

#include "analysis.h"

struct live_chunk {
	u64 offset;
	u64 tmax;		/* its latest record */
};

/* A vCPU's last sched record in the chunks before the window. */
struct live_carry {
	u16 size;		/* 0: none */
	u64 time;
	u64 rec[32];		/* the raw record, 8-byte aligned */
};

struct live {
	struct df_reader r;
	struct analysis base;	/* metadata, symbols, agent streams */
	struct buf meta;	/* META payloads, each after its u32 length */
	struct live_chunk *chunks;	/* RECORDS, in file order */
	size_t nchunks, capchunks;
	size_t settled;		/* chunks[0, settled) live on in carry only */
	struct live_carry *carry;	/* by vCPU id */
	u32 ncarry;
	u64 first_ns, last_ns;	/* of the records so far */
	bool have_records;
	bool ended;		/* an END chunk: the recording is complete */
	bool broken;		/* a damaged chunk: nothing after it is read */
};

/* 0, or -1 (printed) when @path is no data file. */
int live_open(struct live *l, const char *path);
/* Read the chunks written since; how many, or -1 once the file is damaged. */
int live_poll(struct live *l);
/* The recording's start: its START_NS, else its first record. */
u64 live_start_ns(const struct live *l);
/* The latest time the file covers: its last record, or its end. */
u64 live_end_ns(const struct live *l);
/*
 * The window [@begin, @end) of what was read, in @w: open it (metadata,
 * the base's symbols lent), attach what a view collects in the pass,
 * read it (records, analysis_finish(), quietly: every window would repeat
 * the same warnings), use it, close it (the symbols go back to the base).
 * Windows move forward only: what precedes @begin is dropped for good.
 */
void live_window_open(struct live *l, struct analysis *w, u64 begin, u64 end);
void live_window_read(struct live *l, struct analysis *w);
void live_window_close(struct live *l, struct analysis *w);
void live_close(struct live *l);

#endif
