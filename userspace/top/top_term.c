// SPDX-License-Identifier: GPL-2.0
/* vmprofctl top's terminal: modes, size, keys, frames, stderr on the side. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "top_term.h"

/* alternate screen, cursor hidden, no autowrap (a long line is cut), clear */
#define ENTER_SEQ "\033[?1049h\033[?25l\033[?7l\033[H\033[2J"
/* the other way round: wrap, cursor, the shell's screen as it was */
#define LEAVE_SEQ "\033[?7h\033[?25h\033[?1049l"
#define ESC 0x1b

volatile sig_atomic_t term_resized;
volatile sig_atomic_t term_suspend;
volatile sig_atomic_t term_resumed;

static struct {
	bool active;
	bool atexit_set;
	struct termios saved;
	int err_fd;		/* the real stderr, while captured */
	int capture_fd;		/* what stderr is then */
	int esc;		/* inside an escape sequence: 1 after ESC, 2 after ESC [ or O */
} term = { .err_fd = -1, .capture_fd = -1 };

static void write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;	/* the terminal is gone: nothing to draw on */
		p += n;
		len -= (size_t)n;
	}
}

static void on_resize(int sig)
{
	(void)sig;
	term_resized = 1;
}

static void on_suspend(int sig)
{
	(void)sig;
	term_suspend = 1;
}

static void on_resume(int sig)
{
	(void)sig;
	term_resumed = 1;
}

/* Keys one at a time, without echo; Ctrl-C and Ctrl-Z still signal. */
static int raw_mode(void)
{
	struct termios raw = term.saved;

	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	raw.c_cc[VMIN] = 0;
	raw.c_cc[VTIME] = 0;
	return tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
}

/* An unlinked file in $TMPDIR (or /tmp) for stderr while the screen is up. */
static int capture_file(void)
{
	const char *dir = getenv("TMPDIR");
	char *name;
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	name = xasprintf("%s/vmprofctl-top-XXXXXX", dir);
	fd = mkostemp(name, O_CLOEXEC);
	if (fd >= 0)
		unlink(name);
	free(name);
	return fd;
}

static void capture_stderr(void)
{
	int fd = capture_file();

	if (fd < 0)
		return;	/* then a warning shows on the screen until redrawn */
	fflush(stderr);
	term.err_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (term.err_fd < 0 || dup2(fd, STDERR_FILENO) < 0) {
		close(fd);
		return;
	}
	term.capture_fd = fd;
}

/* stderr back, and what was written to it meanwhile. */
static void release_stderr(void)
{
	char buf[4096];
	off_t off = 0;
	ssize_t n;

	if (term.capture_fd < 0)
		return;
	fflush(stderr);
	dup2(term.err_fd, STDERR_FILENO);
	close(term.err_fd);
	while ((n = pread(term.capture_fd, buf, sizeof(buf), off)) > 0) {
		write_all(STDERR_FILENO, buf, (size_t)n);
		off += n;
	}
	close(term.capture_fd);
	term.capture_fd = -1;
	term.err_fd = -1;
}

static void handle(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;	/* no SA_RESTART: poll() returns to redraw */
	sigaction(sig, &sa, NULL);
}

int term_enter(void)
{
	if (tcgetattr(STDIN_FILENO, &term.saved) || raw_mode()) {
		pr_err("cannot set up the terminal: %s; use --batch", strerror(errno));
		return -1;
	}
	handle(SIGWINCH, on_resize);
	handle(SIGTSTP, on_suspend);
	handle(SIGCONT, on_resume);
	write_all(STDOUT_FILENO, ENTER_SEQ, strlen(ENTER_SEQ));
	capture_stderr();
	term.active = true;
	term.esc = 0;
	if (!term.atexit_set)
		atexit(term_leave);
	term.atexit_set = true;
	return 0;
}

void term_leave(void)
{
	if (!term.active)
		return;
	term.active = false;
	write_all(STDOUT_FILENO, LEAVE_SEQ, strlen(LEAVE_SEQ));
	/* keys typed after q are for top, not for the shell: flushed */
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &term.saved);
	signal(SIGWINCH, SIG_DFL);
	signal(SIGTSTP, SIG_DFL);
	signal(SIGCONT, SIG_DFL);
	release_stderr();
}

void term_stop(void)
{
	term_leave();
	raise(SIGTSTP);		/* stopped here until fg */
	term_suspend = 0;
	term_enter();
}

void term_reenter(void)
{
	raw_mode();
	write_all(STDOUT_FILENO, ENTER_SEQ, strlen(ENTER_SEQ));
}

void term_size(unsigned int *cols, unsigned int *rows)
{
	struct winsize ws;

	if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_col && ws.ws_row) {
		*cols = ws.ws_col;
		*rows = ws.ws_row;
	} else {
		*cols = 80;
		*rows = 24;
	}
}

/* Each line at its place, the rest of it and of the screen erased. */
void term_draw(const struct top_frame *f)
{
	struct buf b = { 0 };
	char pos[32];
	size_t i;
	int n;

	for (i = 0; i < f->n; i++) {
		n = snprintf(pos, sizeof(pos), "\033[%zu;1H", i + 1);
		buf_append(&b, pos, (size_t)n);
		buf_append(&b, f->lines[i], strlen(f->lines[i]));
		buf_append(&b, "\033[K", 3);
	}
	buf_append(&b, "\033[J", 3);
	write_all(STDOUT_FILENO, (const char *)b.data, b.len);
	buf_free(&b);
}

size_t term_keys(char *keys, size_t len)
{
	unsigned char in[64];
	size_t got = 0;
	ssize_t n, i;

	n = read(STDIN_FILENO, in, sizeof(in));
	for (i = 0; i < n && got < len; i++) {
		if (term.esc == 1) {
			term.esc = in[i] == '[' || in[i] == 'O' ? 2 : 0;
			continue;
		}
		if (term.esc == 2) {
			/* parameters until the final byte, '@' to '~' */
			if (in[i] >= 0x40 && in[i] <= 0x7e)
				term.esc = 0;
			continue;
		}
		if (in[i] == ESC) {
			term.esc = 1;
			continue;
		}
		keys[got++] = (char)in[i];
	}
	return got;
}

const char *term_last_message(char *buf, size_t len)
{
	struct stat st;
	off_t off;
	ssize_t n;
	char *p;

	if (term.capture_fd < 0 || fstat(term.capture_fd, &st) || !st.st_size ||
	    len < 2)
		return NULL;
	off = st.st_size > (off_t)len - 1 ? st.st_size - ((off_t)len - 1) : 0;
	n = pread(term.capture_fd, buf, len - 1, off);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	p = strrchr(buf, '\n');
	return p ? p + 1 : buf;
}
