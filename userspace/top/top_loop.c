// SPDX-License-Identifier: GPL-2.0
/*
 * vmprofctl top's loop.  The source is a data file: the one top records
 * the VM into (a temporary file unless -o keeps it), the one a collector
 * of 'start' writes, or the one of -i.  Every delay the file is read as
 * far as it is written and the last delay of it analysed again
 * (analysis/live.h); the frame is drawn from that window's analysis, and
 * again from the same one when a key changes the view or the sort, or
 * the terminal its size.  Paused, the window stays, and the recording
 * goes on.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "live.h"
#include "top_loop.h"
#include "top_term.h"

/* The collector's poll period: it drains the kernel's buffers this often. */
#define TURN_MS 100
/*
 * How far the file of a collector of 'start' may lag: it writes once a
 * second.  A window ends at its last record, or this long ago when the
 * records stop (an idle VM whose vCPUs halt): the view still moves.
 */
#define FOLLOW_LAG_NS (2 * NSEC_PER_SEC)

struct source {
	struct collector c;
	bool recording;		/* top records the VM: c is running */
	bool recorded;		/* it did: c is to be reported */
	int recording_ret;	/* collector_finish()'s */
	char *tmp;		/* the file to remove at the end, or NULL */
	char path[PATH_MAX];
	char label[PATH_MAX + 64];
	bool same_clock;	/* written on this host now: its clock is ours */
	struct live l;
};

struct state {
	const struct top_opts *o;
	struct source src;
	struct top_screen scr;
	struct analysis *win;	/* the window shown */
	u64 frames;
	bool quit;
	char status[512];
};

static int follow(struct source *src)
{
	if (live_open(&src->l, src->path))
		return -1;
	if (live_poll(&src->l) >= 0)
		return 0;
	live_close(&src->l);
	return -1;
}

/* top records the VM into -o's file, or a temporary one. */
static int record_vm(struct source *src, const struct top_opts *o)
{
	struct record_opts rec = o->rec;
	const char *dir = getenv("TMPDIR");
	int fd;

	if (!rec.output) {
		src->tmp = xasprintf("%s/vmprofctl-top-XXXXXX.data",
				     dir && *dir ? dir : "/tmp");
		fd = mkstemps(src->tmp, 5);
		if (fd < 0) {
			pr_err("cannot create a file in %s: %s; set TMPDIR or keep the recording with -o",
			       dir && *dir ? dir : "/tmp", strerror(errno));
			return -1;
		}
		close(fd);
		rec.output = src->tmp;
	}
	if (collector_prepare(&src->c, &rec))
		return -1;
	src->recording = true;
	src->recorded = true;
	src->c.input_fd = o->batch ? -1 : STDIN_FILENO;
	snprintf(src->path, sizeof(src->path), "%s", rec.output);
	snprintf(src->label, sizeof(src->label), "live%s%s",
		 o->rec.output ? ", recording into " : "",
		 o->rec.output ? o->rec.output : "");
	src->same_clock = true;
	return 0;
}

static int open_source(struct source *src, const struct top_opts *o)
{
	struct vm_info vm;
	struct stat st;
	int ret;

	if (o->input) {
		if (!stat(o->input, &st) && !S_ISREG(st.st_mode)) {
			pr_err("%s is not a regular file: top reads a data file as it grows, again and again; save a stream to a file first",
			       o->input);
			return -1;
		}
		snprintf(src->path, sizeof(src->path), "%s", o->input);
		snprintf(src->label, sizeof(src->label), "file %s", o->input);
		return follow(src);
	}
	if (vm_resolve(o->rec.vm_spec, &vm))
		return -1;
	ret = collector_file((int)vm.pid, src->path, sizeof(src->path));
	if (ret == 1 && o->rec_given)
		pr_err("a collector of 'vmprofctl start' records VM pid %d already, into %s: top follows it without record options, or stop it first",
		       (int)vm.pid, src->path);
	vm_info_free(&vm);
	if (ret < 0 || (ret == 1 && o->rec_given))
		return -1;
	if (!ret && record_vm(src, o))
		return -1;
	if (ret == 1) {
		snprintf(src->label, sizeof(src->label),
			 "following %s (the collector of 'start')", src->path);
		src->same_clock = true;
	}
	return follow(src);
}

/* The window ends where the file is complete. */
static u64 window_end(const struct source *src)
{
	u64 now = mono_ns(), end = live_end_ns(&src->l);

	if (src->recording)
		return now;	/* drained and written just before */
	if (src->same_clock && !src->l.ended && now - FOLLOW_LAG_NS > end)
		return now - FOLLOW_LAG_NS;
	return end;
}

/* The recording's end: the VM exited, or it failed. */
static void recording_over(struct state *s, int ret)
{
	s->src.recording_ret = collector_finish(&s->src.c, ret);
	s->src.recording = false;
	if (s->src.recording_ret)
		s->quit = true;
}

static void new_window(struct state *s)
{
	struct source *src = &s->src;
	struct analysis *w = xcalloc(1, sizeof(*w));
	u64 end, span;
	int ret;

	/* what the kernel holds, into the file: the window ends now */
	ret = src->recording ? collector_turn(&src->c, 0) : 0;
	if (ret)
		recording_over(s, ret);
	if (src->recording && df_flush_records(&src->c.w))
		recording_over(s, -1);
	if (live_poll(&src->l) < 0)
		snprintf(s->status, sizeof(s->status),
			 "%.300s is damaged: nothing after the damage is shown",
			 src->path);
	end = window_end(src);
	span = (u64)(s->o->delay_s * 1e9);
	/* the window starts with the recording at the latest */
	live_window_open(&src->l, w, end > span ? end - span : 0, end);
	top_attach(w);
	live_window_read(&src->l, w);
	if (s->win) {
		live_window_close(&src->l, s->win);
		free(s->win);
	}
	s->win = w;
	s->scr.ended = src->l.ended;
}

static void show(struct state *s)
{
	char msg[512];
	const char *m;
	struct top_frame f;
	size_t i;

	if (s->o->batch) {
		s->scr.cols = 0;
		s->scr.rows = 0;
		s->scr.status = s->status;
	} else {
		term_size(&s->scr.cols, &s->scr.rows);
		m = term_last_message(msg, sizeof(msg));
		s->scr.status = s->status[0] ? s->status : m;
	}
	top_frame_build(s->win, &s->scr, &f);
	if (s->o->batch) {
		for (i = 0; i < f.n; i++)
			printf("%s\n", f.lines[i]);
		putchar('\n');
		fflush(stdout);
	} else {
		term_draw(&f);
	}
	top_frame_free(&f);
}

/* q quit, p or space pause, s sort, v or tab view; true to redraw. */
static bool key(struct state *s, char k)
{
	switch (k) {
	case 'q':
	case 'Q':
		s->quit = true;
		return false;
	case 'p':
	case ' ':
		s->scr.paused = !s->scr.paused;
		return true;
	case 's':
		s->scr.sort = (s->scr.sort + 1) % top_nsorts(s->scr.view);
		return true;
	case 'v':
	case '\t':
		s->scr.view = (s->scr.view + 1) % TOP_NVIEWS;
		s->scr.sort = 0;
		return true;
	default:
		return false;
	}
}

/* Wait up to @ms for the keyboard (or records: a collector's turn). */
static void wait_input(struct state *s, int ms)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	int ret;

	if (s->src.recording) {
		ret = collector_turn(&s->src.c, ms < TURN_MS ? ms : TURN_MS);
		if (ret)
			recording_over(s, ret);
	} else if (s->o->batch) {
		usleep((useconds_t)ms * 1000);
	} else {
		poll(&pfd, 1, ms);
	}
}

/* Keys, signals and the terminal's moods; true to redraw. */
static bool events(struct state *s)
{
	bool redraw = false;
	char keys[64];
	size_t n, i;

	if (collector_stop)
		s->quit = true;
	if (s->o->batch)
		return false;
	n = term_keys(keys, sizeof(keys));
	for (i = 0; i < n && !s->quit; i++)
		redraw |= key(s, keys[i]);
	if (term_suspend) {
		term_stop();
		redraw = true;
	}
	if (term_resumed) {
		term_resumed = 0;
		term_reenter();
		redraw = true;
	}
	if (term_resized) {
		term_resized = 0;
		redraw = true;
	}
	return redraw;
}

static void loop(struct state *s)
{
	u64 delay = (u64)(s->o->delay_s * 1e9), next = mono_ns(), now;
	bool redraw;

	while (!s->quit) {
		now = mono_ns();
		if (now >= next) {
			if (!s->scr.paused || !s->win)
				new_window(s);
			show(s);
			s->frames++;
			next = now - next < delay ? next + delay : now + delay;
			if ((s->o->iterations && s->frames >= s->o->iterations) ||
			    (s->o->batch && s->scr.ended))
				break;
			continue;
		}
		wait_input(s, (int)((next - now + 999999) / 1000000));
		redraw = events(s);
		if (redraw && !s->quit)
			show(s);
	}
}

/* What is left of the recording when top ends; an exit code. */
static int finish(struct state *s)
{
	struct source *src = &s->src;
	char line[1024];
	int ret;

	if (src->recording)
		recording_over(s, 0);
	ret = src->recorded ? src->recording_ret : 0;
	if (src->recorded && (ret || !src->tmp)) {
		collector_result(&src->c, ret, line, sizeof(line));
		fprintf(stderr, "vmprofctl: %s\n", line);
	}
	if (src->recorded)
		vm_info_free(&src->c.vm);
	if (s->win) {
		live_window_close(&src->l, s->win);
		free(s->win);
	}
	live_close(&src->l);
	if (src->tmp)
		unlink(src->tmp);
	free(src->tmp);
	return collector_exit_code(ret);
}

/* The source could not be followed: the recording it began ends. */
static void abandon(struct source *src)
{
	if (src->recording) {
		collector_finish(&src->c, 0);
		vm_info_free(&src->c.vm);
	}
	if (src->tmp)
		unlink(src->tmp);
	free(src->tmp);
}

int top_run(const struct top_opts *o)
{
	struct state *s = xcalloc(1, sizeof(*s));
	bool failed = false;
	int ret;

	s->o = o;
	s->scr = (struct top_screen){
		.view = o->view, .sort = o->sort, .source = s->src.label,
		.delay_s = o->delay_s,
	};
	collector_install_signals();
	if (open_source(&s->src, o)) {
		abandon(&s->src);
		free(s);
		return EXIT_FAIL;
	}
	if (!o->batch && term_enter())
		failed = true;
	else
		loop(s);
	term_leave();
	ret = finish(s);
	free(s);
	return failed ? EXIT_FAIL : ret;
}
