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
/*
 * How late an agent message may reach the host and still name the samples
 * taken before it, on a CR3 nobody held then: a process runs before the
 * host hears of its fork or exec.  Over vsock that is the agent's latency
 * (milliseconds, up to about 100 ms when its unit's CPUQuota throttles
 * it); over a slow channel (a nested guest's virtio-serial relay moves
 * about 100 KB/s) events wait behind the 1 MB KALLSYMS for up to 10 s.
 * docs/agent-protocol.md, "Naming a sample".
 */
#define AGENT_LATE_NS (10ULL * 1000 * 1000 * 1000)
/*
 * A guest user sample's aggregation context (the CR3 key without agent
 * data): the process incarnation that held its CR3 at the sample's time,
 * or the CR3 key tagged as held by nobody the agent told of.
 */
#define CTX_AGENT_PROC (1ULL << 63)
#define CTX_AGENT_UNOWNED (1ULL << 62)

#ifndef NO_AGENT_PROTO
#include "../proto/agent_proto.h"

struct agent_state {
	u32 id[MAX_AGENT_STREAMS];
	u64 first_ns[MAX_AGENT_STREAMS];	/* receive time of its first bytes */
	struct vp_parser *p[MAX_AGENT_STREAMS];
	bool failed[MAX_AGENT_STREAMS];
	bool warned_dropped[MAX_AGENT_STREAMS];
	int n;
	bool warned_full;
	/*
	 * One budget for every stream of the report: a guest that reconnects
	 * 16 times gets no more host memory than one that does not.
	 */
	struct vp_pool pool;
};

static struct vp_parser *stream_parser(struct analysis *a, u32 stream,
				       u64 recv_ns, int *idx)
{
	struct agent_state *s = a->agent;
	int i;

	if (!s) {
		s = a->agent = xcalloc(1, sizeof(*s));
		s->pool.limit = VP_DEF_MEM_BUDGET;
	}
	for (i = 0; i < s->n; i++)
		if (s->id[i] == stream)
			break;
	if (i == s->n) {
		if (s->n == MAX_AGENT_STREAMS) {
			if (!s->warned_full)
				pr_warn("more than %d guest agent connections; the later ones are ignored",
					MAX_AGENT_STREAMS);
			s->warned_full = true;
			return NULL;
		}
		s->p[i] = vp_parser_new(NULL, NULL, NULL);
		if (!s->p[i])
			return NULL;
		vp_parser_set_pool(s->p[i], &s->pool);
		s->id[i] = stream;
		s->first_ns[i] = recv_ns;
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

	vp = stream_parser(a, stream, recv_ns, &i);
	if (!vp)
		return;
	/* Each message is dated by when the host got its last byte. */
	vp_parser_set_time(vp, recv_ns);
	if (vp_parser_feed(vp, p, len) < 0) {
		a->agent->failed[i] = true;
		a->st.agent_errors++;
		pr_warn("guest agent stream %u: %s; using what it sent before",
			stream, vp_parser_error(vp));
	}
	/* A guest past the parser's process limit: the rest stay named. */
	if (vp_parser_dropped(vp) && !a->agent->warned_dropped[i]) {
		a->agent->warned_dropped[i] = true;
		pr_warn("guest agent stream %u: more guest processes than %u at once; some are unnamed",
			stream, VP_DEF_MAX_PROCS);
	}
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static void resolve_proc(struct vp_parser *vp, const struct vp_proc *proc,
			 u64 rip, char *func, size_t flen, char *mod,
			 size_t mlen)
{
	const struct vp_map *map = NULL;
	const struct vp_sym *sym;
	u64 off = 0;

	snprintf(mod, mlen, "%s", proc->ent.comm);
	sym = vp_lookup_user_proc(vp, proc, rip, &map, &off);
	if (map && map->path && map->path[0])
		snprintf(mod, mlen, "%s", base_name(map->path));
	if (sym && sym->name)
		snprintf(func, flen, "%s", sym->name);
	else
		snprintf(func, flen, "[unknown] 0x%llx", (unsigned long long)rip);
}

/*
 * The stream that was connected at @t: the newest one that began by then
 * (an older one's table went stale when its connection broke), or the
 * first one for a sample before any.  A stream that never sent a process
 * table (junk, or a guest that only connected) is no authority on CR3s.
 */
static int stream_at(const struct agent_state *s, u64 t)
{
	int i, first = -1;

	for (i = s->n - 1; i >= 0; i--) {
		if (!vp_state_nr_procs(s->p[i]))
			continue;
		if (s->first_ns[i] <= t)
			return i;
		first = i;
	}
	return first;
}

u64 agent_sample_ctx(struct analysis *a, u64 cr3, u64 t)
{
	struct agent_state *s = a->agent;
	const struct vp_proc *pr;
	int i = s ? stream_at(s, t) : -1;

	if (i < 0)
		return guest_cr3_key(cr3);
	pr = vp_lookup_cr3_at(s->p[i], cr3, t, AGENT_LATE_NS);
	if (!pr)
		return CTX_AGENT_UNOWNED | guest_cr3_key(cr3);
	return CTX_AGENT_PROC | (u64)i << 32 | vp_state_proc_index(pr);
}

static bool resolve_user(struct agent_state *s, u64 ctx, u64 rip, char *func,
			 size_t flen, char *mod, size_t mlen)
{
	int i = (int)(ctx >> 32 & 0xff);
	const struct vp_proc *pr;

	if (ctx & CTX_AGENT_UNOWNED) {
		snprintf(func, flen, "[unknown] 0x%llx", (unsigned long long)rip);
		snprintf(mod, mlen, "[cr3 0x%llx: no process then]",
			 (unsigned long long)(ctx & ~CTX_AGENT_UNOWNED));
		return true;
	}
	if (!(ctx & CTX_AGENT_PROC) || !s || i >= s->n)
		return false;
	pr = vp_state_proc(s->p[i], (u32)ctx);
	if (!pr)
		return false;
	resolve_proc(s->p[i], pr, rip, func, flen, mod, mlen);
	return true;
}

bool agent_resolve(struct analysis *a, bool user, u64 ctx, u64 rip,
		   char *func, size_t flen, char *mod, size_t mlen)
{
	struct agent_state *s = a->agent;
	const struct vp_sym *sym;
	u64 off;
	int i;

	if (user)
		return resolve_user(s, ctx, rip, func, flen, mod, mlen);
	/* Newest connection first: kernel symbols rarely change. */
	for (i = s ? s->n - 1 : -1; i >= 0; i--) {
		sym = vp_lookup_kernel(s->p[i], rip, &off);
		if (sym && sym->name) {
			snprintf(func, flen, "%s", sym->name);
			snprintf(mod, mlen, "[guest.kernel]");
			return true;
		}
	}
	return false;
}

bool agent_process(const struct analysis *a, u64 ctx, char *comm, size_t len,
		   u32 *pid)
{
	const struct agent_state *s = a->agent;
	int i = (int)(ctx >> 32 & 0xff);
	const struct vp_proc *pr;

	if (!(ctx & CTX_AGENT_PROC) || !s || i >= s->n)
		return false;
	pr = vp_state_proc(s->p[i], (u32)ctx);
	if (!pr)
		return false;
	snprintf(comm, len, "%s", pr->ent.comm);
	*pid = pr->ent.tgid;
	return true;
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

u64 agent_sample_ctx(struct analysis *a, u64 cr3, u64 t)
{
	(void)a;
	(void)t;
	return guest_cr3_key(cr3);
}

bool agent_resolve(struct analysis *a, bool user, u64 cr3, u64 rip,
		   char *func, size_t flen, char *mod, size_t mlen)
{
	(void)a; (void)user; (void)cr3; (void)rip;
	(void)func; (void)flen; (void)mod; (void)mlen;
	return false;
}

bool agent_process(const struct analysis *a, u64 ctx, char *comm, size_t len,
		   u32 *pid)
{
	(void)a; (void)ctx; (void)comm; (void)len; (void)pid;
	return false;
}

void agent_free(struct analysis *a)
{
	(void)a;
}
#endif

/* The process's comm and pid, else the CR3 key as "[cr3 0x...]", pid 0. */
void agent_proc_name(const struct analysis *a, u64 ctx, char *name,
		     size_t len, u32 *pid)
{
	if (agent_process(a, ctx, name, len, pid))
		return;
	*pid = 0;
	snprintf(name, len, "[cr3 0x%llx]", (unsigned long long)
		 (ctx & ~(CTX_AGENT_PROC | CTX_AGENT_UNOWNED)));
}
