// SPDX-License-Identifier: GPL-2.0
/* Queues on ring buffers (ring.h). */
#include <stdlib.h>
#include <string.h>

#include "ring.h"

#define RING_FIRST 256

/* Copy the elements in order into a buffer of @cap, head at 0. */
static void ring_resize(struct ring *r, size_t cap, size_t size)
{
	char *buf = xmalloc(cap * size);
	size_t i;

	for (i = 0; i < r->n; i++)
		memcpy(buf + i * size, ring_at(r, i, size), size);
	free(r->buf);
	r->buf = buf;
	r->cap = cap;
	r->head = 0;
}

void ring_grow(struct ring *r, size_t size)
{
	ring_resize(r, r->cap ? r->cap * 2 : RING_FIRST, size);
}

void ring_insert(struct ring *r, size_t i, const void *e, size_t size)
{
	size_t j;

	if (r->n == r->cap)
		ring_grow(r, size);
	for (j = r->n; j > i; j--)
		memcpy(ring_at(r, j, size), ring_at(r, j - 1, size), size);
	memcpy(ring_at(r, i, size), e, size);
	r->n++;
}

void ring_linear(struct ring *r, size_t size)
{
	if (r->head + r->n > r->cap)
		ring_resize(r, r->cap, size);
	else if (r->head)
		memmove(r->buf, ring_at(r, 0, size), r->n * size);
	r->head = 0;
}

void ring_free(struct ring *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

struct ring *rings_get(struct ring ***set, size_t n, size_t id)
{
	if (!*set)
		*set = xcalloc(n, sizeof(**set));
	if (!(*set)[id])
		(*set)[id] = xcalloc(1, sizeof(***set));
	return (*set)[id];
}

void rings_free(struct ring ***set, size_t n)
{
	size_t i;

	for (i = 0; *set && i < n; i++) {
		if ((*set)[i])
			ring_free((*set)[i]);
		free((*set)[i]);
	}
	free(*set);
	*set = NULL;
}
