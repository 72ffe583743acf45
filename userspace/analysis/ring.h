/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A queue of fixed-size elements on a ring buffer: appended to at the
 * tail, now and then inserted into near it, popped at the head.  The
 * sched window's per-pCPU queues and the host sample stamps.
 */
#ifndef VMPROF_RING_H
#define VMPROF_RING_H

#include "util.h"

struct ring {
	void *buf;		/* cap elements, cap 0 or a power of two */
	size_t head, n, cap;	/* head < cap */
};

/* The element @i places after the head. */
static inline void *ring_at(const struct ring *r, size_t i, size_t size)
{
	return (char *)r->buf + ((r->head + i) & (r->cap - 1)) * size;
}

/* Double the room (at least RING_FIRST elements). */
void ring_grow(struct ring *r, size_t size);

static inline void ring_pop(struct ring *r)
{
	r->head = (r->head + 1) & (r->cap - 1);
	r->n--;
}

/* Insert *@e at place @i, moving the later ones up; grows as needed. */
void ring_insert(struct ring *r, size_t i, const void *e, size_t size);
/* The elements in order from r->buf on (head 0), to sort them. */
void ring_linear(struct ring *r, size_t size);
void ring_free(struct ring *r);
/* Ring @id of the @n in *@set, which both are allocated on first use. */
struct ring *rings_get(struct ring ***set, size_t n, size_t id);
void rings_free(struct ring ***set, size_t n);

#endif
