// SPDX-License-Identifier: GPL-2.0
/*
 * Messages of many entries (SYMBOLS, KALLSYMS, PROC_MAPS): open the
 * message with its leading fields and a count placeholder, add entries up
 * to AGENT_SYMS_PER_MSG or the soft payload cap, patch the count, close,
 * and flush the stream once AGENT_FLUSH_BYTES are pending.  Symbols go on
 * in a further message of the same kind; PROC_MAPS replaces a process's
 * mappings, so it is one message, cut at the cap.
 */
#include "agent.h"

int chunk_open(struct msg_chunk *c)
{
	struct vp_buf *b = c->b;

	if (vp_msg_begin(b, c->type))
		return -1;
	if (c->type == VP_MSG_SYMBOLS && vp_put_build_id(b, c->id, c->id_len))
		return -1;
	if (c->type == VP_MSG_PROC_MAPS && vp_put_u32(b, c->tgid))
		return -1;
	c->count_off = b->len;
	c->n = 0;
	c->open = 1;
	return vp_put_u32(b, 0);
}

int chunk_close(struct msg_chunk *c)
{
	if (!c->open)
		return 0;
	c->open = 0;
	vp_patch_u32(c->b, c->count_off, c->n);
	if (vp_msg_end(c->b))
		return -1;
	return c->b->len >= AGENT_FLUSH_BYTES ? out_send(c->b) : 0;
}

int chunk_add_sym(struct msg_chunk *c, const struct vp_sym *s)
{
	if (!c->open && chunk_open(c))
		return -1;
	if (vp_put_sym(c->b, s, c->type == VP_MSG_KALLSYMS))
		return -1;
	if (++c->n < AGENT_SYMS_PER_MSG &&
	    vp_msg_payload_len(c->b) < AGENT_MSG_SOFT_MAX)
		return 0;
	return chunk_close(c);
}

int chunk_add_map(struct msg_chunk *c, const struct vp_map *m)
{
	if (vp_msg_payload_len(c->b) >= AGENT_MSG_SOFT_MAX)
		return 1;
	if (vp_put_map(c->b, m))
		return -1;
	c->n++;
	return 0;
}
