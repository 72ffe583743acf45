// SPDX-License-Identifier: GPL-2.0
/*
 * Encoder for the agent stream: little-endian writers into a growable
 * buffer, plus whole-message helpers.  Used by vmprof-agent and by the
 * tests and the fuzzer seed generator.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent_proto.h"

void vp_buf_init(struct vp_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void vp_buf_free(struct vp_buf *b)
{
	free(b->data);
	vp_buf_init(b);
}

void vp_buf_reset(struct vp_buf *b)
{
	b->len = 0;
	b->msg_start = 0;
}

static int vp_buf_reserve(struct vp_buf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 4096;
	uint8_t *d;

	if (n > SIZE_MAX - b->len) {
		errno = EOVERFLOW;
		return -1;
	}
	if (b->len + n <= b->cap)
		return 0;
	while (cap < b->len + n)
		cap *= 2;
	d = realloc(b->data, cap);
	if (!d)
		return -1;
	b->data = d;
	b->cap = cap;
	return 0;
}

int vp_put_bytes(struct vp_buf *b, const void *p, size_t n)
{
	if (vp_buf_reserve(b, n))
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

/* Byte-wise so the output is little-endian on any host. */
static int vp_put_le(struct vp_buf *b, uint64_t v, unsigned int n)
{
	uint8_t tmp[8];
	unsigned int i;

	for (i = 0; i < n; i++)
		tmp[i] = (uint8_t)(v >> (8 * i));
	return vp_put_bytes(b, tmp, n);
}

int vp_put_u8(struct vp_buf *b, uint8_t v)
{
	return vp_put_le(b, v, 1);
}

int vp_put_u16(struct vp_buf *b, uint16_t v)
{
	return vp_put_le(b, v, 2);
}

int vp_put_u32(struct vp_buf *b, uint32_t v)
{
	return vp_put_le(b, v, 4);
}

int vp_put_u64(struct vp_buf *b, uint64_t v)
{
	return vp_put_le(b, v, 8);
}

void vp_patch_u32(struct vp_buf *b, size_t off, uint32_t v)
{
	unsigned int i;

	for (i = 0; i < 4; i++)
		b->data[off + i] = (uint8_t)(v >> (8 * i));
}

int vp_put_str(struct vp_buf *b, const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	if (max > UINT16_MAX)
		max = UINT16_MAX;
	if (n > max)
		n = max;
	if (vp_put_u16(b, (uint16_t)n))
		return -1;
	return vp_put_bytes(b, s, n);
}

int vp_put_build_id(struct vp_buf *b, const uint8_t *id, size_t len)
{
	if (len > VP_BUILD_ID_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (vp_put_u8(b, (uint8_t)len))
		return -1;
	return vp_put_bytes(b, id, len);
}

int vp_msg_begin(struct vp_buf *b, enum vp_msg_type type)
{
	b->msg_start = b->len;
	if (vp_put_u32(b, VP_MAGIC) ||
	    vp_put_u16(b, b->version ? b->version : VP_VERSION) ||
	    vp_put_u16(b, (uint16_t)type))
		return -1;
	return vp_put_u32(b, 0) || vp_put_u32(b, 0);
}

size_t vp_msg_payload_len(const struct vp_buf *b)
{
	return b->len - b->msg_start - VP_HDR_SIZE;
}

int vp_msg_end(struct vp_buf *b)
{
	size_t n = vp_msg_payload_len(b);

	if (n > VP_DEF_MAX_PAYLOAD) {
		errno = EMSGSIZE;
		return -1;
	}
	vp_patch_u32(b, b->msg_start + 8, (uint32_t)n);
	return 0;
}

int vp_enc_hello(struct vp_buf *b, const struct vp_hello *h)
{
	if (vp_msg_begin(b, VP_MSG_HELLO) || vp_put_u32(b, h->flags) ||
	    vp_put_u32(b, h->page_size) ||
	    vp_put_bytes(b, h->boot_id, sizeof(h->boot_id)) ||
	    vp_put_u64(b, h->mono_ns) ||
	    vp_put_str(b, h->release, VP_RELEASE_MAX) ||
	    vp_put_str(b, h->hostname, VP_HOSTNAME_MAX))
		return -1;
	if ((!b->version || b->version >= 2) && vp_put_u32(b, h->features))
		return -1;
	return vp_msg_end(b);
}

static int vp_put_cr3_entry(struct vp_buf *b, const struct vp_cr3_entry *e)
{
	uint8_t comm[VP_COMM_LEN] = { 0 };
	size_t n = strnlen(e->comm, VP_COMM_LEN - 1);

	memcpy(comm, e->comm, n);
	if (vp_put_u64(b, e->cr3) || vp_put_u64(b, e->time_ns) ||
	    vp_put_u32(b, e->tgid) || vp_put_u32(b, e->pid) ||
	    vp_put_u32(b, e->ppid) || vp_put_u8(b, e->event) ||
	    vp_put_u8(b, 0) || vp_put_u16(b, 0))
		return -1;
	return vp_put_bytes(b, comm, sizeof(comm));
}

int vp_enc_cr3(struct vp_buf *b, enum vp_msg_type type,
	       const struct vp_cr3_entry *e, uint32_t n)
{
	uint32_t i;

	if (vp_msg_begin(b, type) || vp_put_u32(b, n) || vp_put_u32(b, 0))
		return -1;
	for (i = 0; i < n; i++)
		if (vp_put_cr3_entry(b, &e[i]))
			return -1;
	return vp_msg_end(b);
}

int vp_put_map(struct vp_buf *b, const struct vp_map *m)
{
	if (vp_put_u64(b, m->start) || vp_put_u64(b, m->end) ||
	    vp_put_u64(b, m->pgoff) || vp_put_u32(b, m->prot) ||
	    vp_put_build_id(b, m->build_id, m->build_id_len))
		return -1;
	return vp_put_str(b, m->path, VP_PATH_MAX);
}

int vp_put_sym(struct vp_buf *b, const struct vp_sym *s, int kernel)
{
	if (vp_put_u64(b, s->offset))
		return -1;
	if (kernel ? vp_put_u8(b, (uint8_t)s->type) : vp_put_u64(b, s->size))
		return -1;
	return vp_put_str(b, s->name, VP_SYM_NAME_MAX);
}

int vp_enc_offer(struct vp_buf *b, const struct vp_offer *o)
{
	uint16_t v = b->version;
	int ret;

	/* The OFFER came with version 2: its header says so on any buffer. */
	b->version = 2;
	ret = vp_msg_begin(b, VP_MSG_OFFER) || vp_put_u16(b, o->min_version) ||
	      vp_put_u16(b, o->max_version) || vp_put_u32(b, o->features) ||
	      vp_msg_end(b);
	b->version = v;
	return ret ? -1 : 0;
}

long vp_offer_decode(const uint8_t *buf, size_t len, struct vp_offer *o)
{
	uint32_t n;

	if (len < VP_HDR_SIZE)
		return 0;
	n = (uint32_t)vp_get_le(buf + 8, 4);
	if (vp_get_le(buf, 4) != VP_MAGIC || vp_get_le(buf + 4, 2) < 2 ||
	    vp_get_le(buf + 6, 2) != VP_MSG_OFFER || vp_get_le(buf + 12, 4) ||
	    n < VP_OFFER_PAYLOAD || n > VP_OFFER_MAX_PAYLOAD)
		return -1;
	if (len < VP_HDR_SIZE + n)
		return 0;
	o->min_version = (uint16_t)vp_get_le(buf + VP_HDR_SIZE, 2);
	o->max_version = (uint16_t)vp_get_le(buf + VP_HDR_SIZE + 2, 2);
	o->features = (uint32_t)vp_get_le(buf + VP_HDR_SIZE + 4, 4);
	if (!o->min_version || o->min_version > o->max_version)
		return -1;
	return (long)(VP_HDR_SIZE + n);
}

uint16_t vp_offer_version(const struct vp_offer *o, uint16_t min,
			  uint16_t max)
{
	uint16_t v = o->max_version < max ? o->max_version : max;

	return v >= min && v >= o->min_version ? v : 0;
}
