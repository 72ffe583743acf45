/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_UTIL_H
#define VMPROF_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NSEC_PER_SEC ((u64)1000000000)
#define NSEC_PER_MSEC ((u64)1000000)

/* Exit codes, style.md: 0 ok, 1 runtime failure, 2 usage error. */
#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2

/* In --version and in the data files it writes (DF_META_TOOL). */
#define VMPROFCTL_VERSION "0.1"

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Room for @need elements in the array @v of *@cap, doubling the capacity
 * from @first: the one copy of what every appended-to array does.
 */
void *grow_array(void *v, size_t need, size_t *cap, size_t elem, size_t first);
#define GROW_ARRAY(v, need, cap, first) \
	((v) = grow_array((v), (need), &(cap), sizeof(*(v)), (first)))

/* The file name of @path: what follows its last '/'. */
const char *path_base_name(const char *path);

void pr_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Set while a pass repeats another's warnings (the timeline's probe). */
extern bool pr_warn_quiet;

u64 mono_ns(void);
u64 realtime_ns(void);

int parse_u64(const char *s, u64 *out);
int parse_seconds(const char *s, double *out);
int read_small_file(const char *path, char *buf, size_t len);
void copy_comm(char *dst, size_t dstlen, const char *src, size_t srclen);

/* Growable byte buffer. */
struct buf {
	u8 *data;
	size_t len;
	size_t cap;
};

void buf_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *p, size_t len);
void buf_free(struct buf *b);

/*
 * A progress line on stderr for a person watching a terminal: rewritten
 * in place at most every PROGRESS_NS, erased by progress_clear() so that
 * what follows starts on a clean line.  Off (and silent) unless on.
 */
#define PROGRESS_NS (NSEC_PER_SEC / 4)
struct progress {
	bool on;
	bool shown;
	u64 last;
};

/* Is stderr a terminal, where a progress line is for someone to read? */
bool progress_wanted(void);
void progress_show(struct progress *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void progress_clear(struct progress *p);

/*
 * Strings from the guest or from files, made safe to print: control bytes
 * and bytes that are not UTF-8 become \xHH.  Takes ownership of s.
 */
char *escape_name(char *s);
void json_str_raw(FILE *out, const char *s);
/* s as a JSON string: escaped like every table string, valid UTF-8. */
void json_str(FILE *out, const char *s);
/* The same, safe inside an HTML <script> element (--format html). */
void json_str_html(FILE *out, const char *s);

#endif
