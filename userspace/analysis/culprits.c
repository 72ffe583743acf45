// SPDX-License-Identifier: GPL-2.0
/*
 * Culprit classes.  The recorder looked up each host thread a record
 * named (TASK chunks) and read the vCPU threads' cgroup throttling
 * counters (THROTTLE chunks); here a thread id becomes a label that says
 * what it was: "vm NAME vcpuN", "task COMM (cgroup PATH)", "kthread COMM",
 * and the waits that cgroup throttling covers become
 * "throttled (cgroup PATH)".  A file recorded before 1.1 has no classes:
 * its host culprits stay "(outside: COMM)" as they were.  The vCPU
 * thread's own time in host interrupts, from its samples' flags, has the
 * classes "softirq" and "irq" (irq_class()).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

#define IDLE_LABEL "unknown (pCPU idle)"
#define NO_RECORD "no record named who held the pCPU"
#define HIDDEN_COMM "[hidden: needs CAP_PERFMON]"	/* analysis.c */
u32 analysis_label_id(struct analysis *a, const char *label)
{
	char *esc = escape_name(xstrdup(label)), *s;
	bool found;
	u32 id;

	s = xasprintf("%c%s", LABEL_MARK, esc);
	free(esc);
	id = strmap_get(&a->comm_ids, s, (u32)a->ncomms, &found);
	if (found) {
		free(s);
		return id;
	}
	a->comms = xrealloc(a->comms, (a->ncomms + 1) * sizeof(char *));
	a->comms[a->ncomms++] = s;
	return id;
}

/* No comm starts with the mark: analysis_comm_id() makes control bytes '?'. */
const char *analysis_label(const struct analysis *a, u32 id)
{
	const char *s = analysis_comm(a, id);

	return *s == LABEL_MARK ? s + 1 : NULL;
}

static u32 label_owner(struct analysis *a, const char *fmt, ...)
{
	va_list ap;
	char *s;
	u32 id;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s)
		return OWNER_COMM;
	id = analysis_label_id(a, s);
	free(s);
	return OWNER_COMM | id;
}

/* A length-prefixed string of a chunk entry, copied and NUL-terminated. */
static char *entry_str(const u8 *p, size_t len)
{
	char *s = xmalloc(len + 1);

	memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

static u32 task_label(struct analysis *a, const struct df_task *t,
		      const char *comm, const char *vm, const char *cg)
{
	switch (t->klass) {
	case DF_TASK_VM_VCPU:
		return label_owner(a, "vm %s vcpu%u", vm, t->vcpu);
	case DF_TASK_KTHREAD:
		return label_owner(a, "kthread %s", comm);
	case DF_TASK_TASK:
		return label_owner(a, "task %s (cgroup %s)", comm,
				   *cg ? cg : "?");
	default:
		return label_owner(a, "task %s (exited before it was looked up)",
				   comm);
	}
}

void culprits_task_chunk(struct analysis *a, const u8 *p, size_t len)
{
	struct agg_key k = { 0 };
	struct agg_entry *e;
	char *comm, *vm, *cg;
	struct df_task t;
	size_t off = 0, slen;

	a->cul.classes = true;
	while (len - off >= sizeof(t)) {
		memcpy(&t, p + off, sizeof(t));
		slen = (size_t)t.comm_len + t.vm_len + t.cgroup_len;
		if (t.comm_len > DF_TASK_COMM_MAX || t.vm_len > DF_TASK_VM_MAX ||
		    t.cgroup_len > DF_TASK_CGROUP_MAX ||
		    slen > len - off - sizeof(t)) {
			a->st.malformed++;
			return;
		}
		off += sizeof(t);
		k.a = t.tid;
		e = t.tid && t.tid != AGG_EMPTY ? agg_get(&a->cul.tasks, &k) : NULL;
		/* the first sight names a thread id; a later one is its reuse */
		if (e && !e->v1) {
			comm = entry_str(p + off, t.comm_len);
			vm = entry_str(p + off + t.comm_len, t.vm_len);
			cg = entry_str(p + off + t.comm_len + t.vm_len,
				       t.cgroup_len);
			e->v1 = (task_label(a, &t, comm, vm, cg) & ~OWNER_COMM) + 1;
			free(comm);
			free(vm);
			free(cg);
		}
		off += slen;
	}
	if (off != len)
		a->st.malformed++;
}

void culprits_throttle_chunk(struct analysis *a, const u8 *p, size_t len)
{
	struct thr_sample *s;
	struct df_throttle t;
	size_t off = 0;
	char *path;

	a->cul.classes = true;
	while (len - off >= sizeof(t)) {
		memcpy(&t, p + off, sizeof(t));
		off += sizeof(t);
		if (t.path_len > DF_TASK_CGROUP_MAX || t.path_len > len - off ||
		    t.vcpu >= MAX_VCPUS) {
			a->st.malformed++;
			return;
		}
		GROW_ARRAY(a->cul.thr, a->cul.nthr + 1, a->cul.capthr, 64);
		s = &a->cul.thr[a->cul.nthr++];
		path = entry_str(p + off, t.path_len);
		*s = (struct thr_sample){
			.time = t.time_ns, .vcpu = t.vcpu, .depth = t.depth,
			/* usec to ns, saturating: a hostile count must not wrap */
			.throttled_ns = t.throttled_usec < UINT64_MAX / 1000 ?
					t.throttled_usec * 1000 : UINT64_MAX,
			.owner = label_owner(a, "throttled (cgroup %s)", path),
		};
		free(path);
		off += t.path_len;
	}
}

void culprits_prepare(struct analysis *a)
{
	if (a->cul.classes && !a->cul.idle_owner)
		a->cul.idle_owner = label_owner(a, IDLE_LABEL);
}

u32 culprits_task_owner(const struct analysis *a, u32 tid, u32 comm)
{
	const struct agg_entry *e;
	struct agg_key k = { .a = tid };

	if (!tid && a->cul.idle_owner)
		return a->cul.idle_owner;
	e = tid ? agg_find(&a->cul.tasks, &k) : NULL;
	if (e && e->v1)
		return OWNER_COMM | (u32)(e->v1 - 1);
	return OWNER_COMM | comm;
}

void culprit_class(const struct analysis *a, u32 owner, char *cls, size_t clen,
		   char *ident, size_t ilen)
{
	const char *label, *comm, *sp;

	if (!(owner & OWNER_COMM)) {
		snprintf(cls, clen, "vcpu");
		snprintf(ident, ilen, "vcpu%u", owner);
		return;
	}
	label = analysis_label(a, owner & ~OWNER_COMM);
	if (label) {
		sp = strchr(label, ' ');
		snprintf(cls, clen, "%.*s", sp ? (int)(sp - label) : (int)strlen(label),
			 label);
		snprintf(ident, ilen, "%s", sp ? sp + 1 : "");
		return;
	}
	comm = analysis_comm(a, owner & ~OWNER_COMM);
	if (a->cul.classes && !*comm) {
		snprintf(cls, clen, "unknown");
		snprintf(ident, ilen, "(" NO_RECORD ")");
	} else if (a->cul.classes && !strcmp(comm, HIDDEN_COMM)) {
		snprintf(cls, clen, "unknown");
		snprintf(ident, ilen, "(next task hidden: needs CAP_PERFMON)");
	} else {
		snprintf(cls, clen, "outside");
		snprintf(ident, ilen, "%s", *comm ? comm : "unknown");
	}
}

bool culprit_unknown(const struct analysis *a, u32 owner)
{
	const char *label, *comm;

	if (!(owner & OWNER_COMM))
		return false;
	label = analysis_label(a, owner & ~OWNER_COMM);
	if (label)
		return !strncmp(label, "unknown ", 8);
	comm = analysis_comm(a, owner & ~OWNER_COMM);
	return !*comm || (a->cul.classes && !strcmp(comm, HIDDEN_COMM));
}

/*
 * Interrupt work the host did in the vCPU thread's context (NET_RX on
 * irq exit, say) is charged to the thread as running: no sched record
 * or run_delay shows it, only the flags of the samples taken in it.
 */
static const char *const irq_classes[IRQ_NR] = {
	[IRQ_NONE] = "", [IRQ_SOFT] = "softirq", [IRQ_HARD] = "irq",
};

static const char *const irq_identities[IRQ_NR] = {
	[IRQ_NONE] = "",
	[IRQ_SOFT] = "host softirq while the vCPU thread ran (samples)",
	[IRQ_HARD] = "host hardirq while the vCPU thread ran (samples)",
};

const char *irq_class(u32 irq)
{
	return irq < IRQ_NR ? irq_classes[irq] : "";
}

const char *irq_identity(u32 irq)
{
	return irq < IRQ_NR ? irq_identities[irq] : "";
}

void culprits_note_piece(struct analysis *a, u32 vcpu,
			 const struct owner_ref *r, u64 start, u64 end)
{
	if (!a->cul.nthr || end <= start)
		return;
	GROW_ARRAY(a->cul.pieces, a->cul.npieces + 1, a->cul.cappieces, 256);
	a->cul.pieces[a->cul.npieces++] = (struct steal_piece){
		.start = start, .end = end, .vcpu = vcpu, .r = *r,
	};
}

void culprits_reset_pieces(struct analysis *a)
{
	a->cul.npieces = 0;
}

void culprits_free(struct analysis *a)
{
	agg_free(&a->cul.tasks);
	free(a->cul.thr);
	free(a->cul.pieces);
	memset(&a->cul, 0, sizeof(a->cul));
}
