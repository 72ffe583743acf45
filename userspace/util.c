// SPDX-License-Identifier: GPL-2.0
/* Allocation, message and parsing helpers shared by every command. */
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
