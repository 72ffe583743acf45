/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The terminal of vmprofctl top, with plain ANSI sequences: the alternate
 * screen, no cursor, no line wrap, keys without Enter and without echo.
 * term_leave() puts all of it back, as the exit, Ctrl-C and Ctrl-Z do
 * (and an exit() deep inside, through atexit()).  While the screen is up,
 * stderr goes to a file: a warning would scroll it; the status line shows
 * the last one, and they are all printed when the screen is left.
 */
#ifndef VMPROF_TOP_TERM_H
#define VMPROF_TOP_TERM_H

#include <signal.h>

#include "top.h"

/* Set by their signals; the loop clears them. */
extern volatile sig_atomic_t term_resized;
extern volatile sig_atomic_t term_suspend;	/* Ctrl-Z */
extern volatile sig_atomic_t term_resumed;	/* SIGCONT */

/* Stdin and stdout are the terminal; 0, or -1 (printed). */
int term_enter(void);
void term_leave(void);
/* After a Ctrl-Z: leave, stop, and enter again when continued. */
void term_stop(void);
/* After SIGCONT: raw mode again, which the shell may have undone. */
void term_reenter(void);
/* Columns and lines; 80x24 when the terminal does not say. */
void term_size(unsigned int *cols, unsigned int *rows);
/* Draw a frame of at most the terminal's lines over the last one. */
void term_draw(const struct top_frame *f);
/*
 * The keys typed since (a byte each; escape sequences, e.g. the arrows,
 * are skipped), at most @len; how many.
 */
size_t term_keys(char *keys, size_t len);
/* The last line written to stderr on the screen, or NULL: in @buf. */
const char *term_last_message(char *buf, size_t len);

#endif
