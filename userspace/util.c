// SPDX-License-Identifier: GPL-2.0
/* Allocation, message, parsing and escaping helpers shared by every layer. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static void oom(void)
{
	fputs("vmprofctl: out of memory\n", stderr);
	exit(EXIT_FAIL);
}

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *grow_array(void *v, size_t need, size_t *cap, size_t elem, size_t first)
{
	if (need <= *cap)
		return v;
	if (!*cap)
		*cap = first;
	while (*cap < need)
		*cap *= 2;
	return xrealloc(v, *cap * elem);
}

const char *path_base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s ? s : "");

	if (!p)
		oom();
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	if (vasprintf(&p, fmt, ap) < 0)
		oom();
	va_end(ap);
	return p;
}

void pr_err(const char *fmt, ...)
{
	va_list ap;

	fputs("vmprofctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

bool pr_warn_quiet;

void pr_warn(const char *fmt, ...)
{
	va_list ap;

	if (pr_warn_quiet)
		return;
	fputs("vmprofctl: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static u64 clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (u64)ts.tv_sec * NSEC_PER_SEC + (u64)ts.tv_nsec;
}

u64 mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

u64 realtime_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

int parse_u64(const char *s, u64 *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int parse_seconds(const char *s, double *out)
{
	double v;
	char *end;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < 0)
		return -1;
	*out = v;
	return 0;
}

/* Read a small file into buf, NUL-terminated; returns length or -1. */
int read_small_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return (int)n;
}

/* Copy a fixed-size, maybe unterminated comm field and sanitize it. */
void copy_comm(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	size_t i;

	for (i = 0; i < srclen && i + 1 < dstlen && src[i]; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[i] = (c < 0x20 || c > 0x7e) ? '?' : (char)c;
	}
	dst[i] = '\0';
}

void buf_reserve(struct buf *b, size_t extra)
{
	GROW_ARRAY(b->data, b->len + extra, b->cap, 4096);
}

void buf_append(struct buf *b, const void *p, size_t len)
{
	buf_reserve(b, len);
	memcpy(b->data + b->len, p, len);
	b->len += len;
}

void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

bool progress_wanted(void)
{
	return isatty(STDERR_FILENO);
}

void progress_show(struct progress *p, const char *fmt, ...)
{
	va_list ap;
	u64 now;

	if (!p->on)
		return;
	now = mono_ns();
	if (p->shown && now - p->last < PROGRESS_NS)
		return;
	p->last = now;
	p->shown = true;
	/* to the line's start, erase it: a shorter line leaves nothing behind */
	fputs("\r\033[K", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
}

void progress_clear(struct progress *p)
{
	if (p->shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	p->shown = false;
}

/* Length of the well-formed UTF-8 sequence at p (RFC 3629), 0 if none. */
static size_t utf8_len(const unsigned char *p)
{
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		return (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (p[0] >= 0xe0 && p[0] <= 0xef) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
		    (p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f))
			return 0;
		return 3;
	}
	if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
		    (p[3] & 0xc0) != 0x80 || (p[0] == 0xf0 && p[1] < 0x90) ||
		    (p[0] == 0xf4 && p[1] > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

/*
 * Every string that reaches a table went through here.  Symbol names come
 * from the guest (its kallsyms copy, the agent) and from files: a control
 * byte (C0, DEL, C1) would drive the terminal and a byte that is not UTF-8
 * makes JSON and CSV invalid, so both are shown as \xHH.  Valid UTF-8
 * stays as it is.  Takes ownership of s.
 */
char *escape_name(char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	struct buf b = { 0 };
	char hex[5];
	size_t n;

	for (n = 0; p[n]; n++)
		if (p[n] < 0x20 || p[n] >= 0x7f)
			break;
	if (!p[n])
		return s;	/* plain ASCII, the common case */
	while (*p) {
		n = utf8_len(p);
		if (!n || (n == 1 && (*p < 0x20 || *p == 0x7f)) ||
		    (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)) {
			snprintf(hex, sizeof(hex), "\\x%02x", *p);
			buf_append(&b, hex, 4);
			p++;
			continue;
		}
		buf_append(&b, p, n);
		p += n;
	}
	buf_append(&b, "", 1);
	free(s);
	return (char *)b.data;
}

/*
 * s as a JSON string; s is escaped already (escape_name()).  In ,
 * '<', '>' and '&' are \u escapes too, so that the string can sit in a
 * <script> element of a page and end nothing there.
 */
static void json_put(FILE *out, const char *s, bool html)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch < 0x20 ||
			 (html && (ch == '<' || ch == '>' || ch == '&')))
			fprintf(out, "\\u%04x", ch);
		else
			fputc(ch, out);
	}
	fputc('"', out);
}

void json_str_raw(FILE *out, const char *s)
{
	json_put(out, s, false);
}

static void json_escaped(FILE *out, const char *s, bool html)
{
	char *e = escape_name(xstrdup(s));

	json_put(out, e, html);
	free(e);
}

void json_str(FILE *out, const char *s)
{
	json_escaped(out, s, false);
}

void json_str_html(FILE *out, const char *s)
{
	json_escaped(out, s, true);
}
