// SPDX-License-Identifier: GPL-2.0
/*
 * Guest-agent messages stored in AGENT chunks, decoded with the proto/
 * parser (proto/agent_proto.h): one parser per agent connection, so a
 * reconnect (a new HELLO) starts a fresh state.  A malformed stream ends
 * that stream only; what it built so far still symbolizes samples.
 *
 * Built with NO_AGENT_PROTO (proto/ absent), the messages stay in the data
 * file and are skipped here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

#define MAX_AGENT_STREAMS 16

#ifndef NO_AGENT_PROTO
#include "../proto/agent_proto.h"

struct agent_state {
	u32 id[MAX_AGENT_STREAMS];
	struct vp_parser *p[MAX_AGENT_STREAMS];
	bool failed[MAX_AGENT_STREAMS];
	int n;
};

static struct vp_parser *stream_parser(struct analysis *a, u32 stream, int *idx)
{
	struct agent_state *s = a->agent;
	int i;

	if (!s)
		s = a->agent = xcalloc(1, sizeof(*s));
	for (i = 0; i < s->n; i++)
		if (s->id[i] == stream)
			break;
	if (i == s->n) {
		if (s->n == MAX_AGENT_STREAMS)
			return NULL;
		s->p[i] = vp_parser_new(NULL, NULL, NULL);
		if (!s->p[i])
			return NULL;
		s->id[i] = stream;
		s->n++;
	}
	*idx = i;
	return s->failed[i] ? NULL : s->p[i];
}

void agent_feed(struct analysis *a, u64 recv_ns, u32 stream,
		const u8 *p, size_t len)
{
	struct vp_parser *vp;
	int i;

	(void)recv_ns;
	vp = stream_parser(a, stream, &i);
	if (!vp)
		return;
	if (vp_parser_feed(vp, p, len) < 0) {
		a->agent->failed[i] = true;
		a->st.agent_errors++;
		pr_warn("guest agent stream %u: %s; using what it sent before",
			stream, vp_parser_error(vp));
	}
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static bool resolve_user(struct vp_parser *vp, u64 cr3, u64 rip, char *func,
			 size_t flen, char *mod, size_t mlen)
{
	const struct vp_proc *proc = vp_lookup_cr3(vp, cr3);
	const struct vp_map *map = NULL;
	const struct vp_sym *sym;
	u64 off = 0;

	if (!proc)
		return false;
	snprintf(mod, mlen, "%s", proc->ent.comm);
	sym = vp_lookup_user(vp, proc->ent.tgid, rip, &map, &off);
	if (map && map->path && map->path[0])
		snprintf(mod, mlen, "%s", base_name(map->path));
	if (sym && sym->name)
		snprintf(func, flen, "%s", sym->name);
	else
		snprintf(func, flen, "[unknown] 0x%llx", (unsigned long long)rip);
	return true;
}

bool agent_resolve(struct analysis *a, bool user, u64 cr3, u64 rip,
		   char *func, size_t flen, char *mod, size_t mlen)
{
	struct agent_state *s = a->agent;
	const struct vp_sym *sym;
	u64 off;
	int i;

	/* Newest connection first: it has the current CR3 map. */
	for (i = s ? s->n - 1 : -1; i >= 0; i--) {
		if (user) {
			if (resolve_user(s->p[i], cr3, rip, func, flen, mod, mlen))
				return true;
			continue;
		}
		sym = vp_lookup_kernel(s->p[i], rip, &off);
		if (sym && sym->name) {
			snprintf(func, flen, "%s", sym->name);
			snprintf(mod, mlen, "[guest.kernel]");
			return true;
		}
	}
	return false;
}

void agent_free(struct analysis *a)
{
	struct agent_state *s = a->agent;
	int i;

	for (i = 0; s && i < s->n; i++)
		vp_parser_free(s->p[i]);
	free(s);
	a->agent = NULL;
}
#else
void agent_feed(struct analysis *a, u64 recv_ns, u32 stream,
		const u8 *p, size_t len)
{
	(void)a;
	(void)recv_ns;
	(void)stream;
	(void)p;
	(void)len;
}

bool agent_resolve(struct analysis *a, bool user, u64 cr3, u64 rip,
		   char *func, size_t flen, char *mod, size_t mlen)
{
	(void)a; (void)user; (void)cr3; (void)rip;
	(void)func; (void)flen; (void)mod; (void)mlen;
	return false;
}

void agent_free(struct analysis *a)
{
	(void)a;
}
#endif
