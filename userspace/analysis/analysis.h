/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Aggregation of a data file into the numbers every report view prints.
 * One streaming pass: samples go into hash tables keyed by (vCPU, address);
 * sched records wait in a window a few seconds wide (sched_window.c) until
 * they can be walked in time order; the samples of a host-samples recording
 * wait as compact per-pCPU stamps until no steal interval still to be
 * split can reach them (host_stamps.c).
 */
#ifndef VMPROF_ANALYSIS_H
#define VMPROF_ANALYSIS_H

#include "aggtab.h"
#include "datafile.h"
#include "host_elf.h"
#include "ring.h"
#include "symbols.h"

#define NO_VCPU 0xffffffffU
#define MAX_VCPUS 4096
#define MAX_CPUS 8192		/* timeline rows */
#define AGG_MAX_ENTRIES (1U << 20)

enum sample_cat {
	CAT_GUEST_OS = 0,
	CAT_GUEST_USER = 1,
	CAT_GUEST_PROT = 2,
	CAT_HOST = 3,
	CAT_VM = 4,		/* host view: the whole VM as one row */
	CAT_OVERFLOW = 5,	/* address table full */
	CAT_NAMED = 6,		/* key c: id of a resolved "function, module" */
};

struct filter {
	long long vcpu;		/* -1: all */
	long long pid;		/* -1: all; host pid */
	const char *comm;	/* NULL: all; host comm */
	bool has_from, has_to;
	double from_s, to_s;	/* seconds since recording start */
};

/*
 * The host interrupt a host sample of a vCPU thread interrupted
 * (analysis_sample_irq()): the culprit classes softirq and irq.
 */
enum irq_kind { IRQ_NONE, IRQ_SOFT, IRQ_HARD, IRQ_NR };

struct vcpu_stat {
	bool present;
	u32 tid;
	/* samples, as the periods they stand for (sample_weight()) */
	u64 os, user, prot, host;
	/*
	 * Of host, the samples in softirq and hardirq context, by enum
	 * irq_kind: time the scheduler charged to the vCPU thread as
	 * running, so neither steal_ns nor run_delay has it (IRQ_NONE: the
	 * others).
	 */
	u64 irq[IRQ_NR];
	u64 steal_ns, halt_ns;
	u64 steal_intervals, halt_intervals;
	bool has_run_delay;
	u64 run_delay_ns;	/* the kernel's runqueue wait between records */
};

struct sched_ev {
	u64 time;
	u32 seq;
	u32 vcpu;
	u32 cpu;
	u8 is_out;
	u8 reason;
	u8 has_run_delay;	/* the kernel sent run_delay (6.12 series v2+) */
	u8 pad;
	u32 next_tid;
	u32 next_comm;		/* comm id */
	u64 run_delay;		/* the thread's runqueue wait so far, ns */
};

/* A queue in the merge heap, keyed by its first record. */
struct sched_head {
	u64 time;
	u32 seq;
	u32 id;
};

/*
 * Sched records not walked yet (sched_window.c): one queue per pCPU (a
 * ring of struct sched_ev), sorted by (time, seq), merged through a heap
 * of the queues by their first record; or, when they must all be kept,
 * one array sorted at the end.
 */
struct sched_window {
	struct ring **q;	/* by pCPU; q[MAX_CPUS] takes the others */
	struct sched_head *heap;	/* queues with records */
	u32 nheap;
	struct sched_ev *all;	/* keep_all: everything, in file order */
	size_t nall, capall;
	u32 seq;		/* file order of the next record */
	u64 walked;		/* time of the last record walked */
	bool any_walked;
	bool keep_all;		/* walk nothing before analysis_finish() */
	bool disorder;		/* a record came after a later one was walked */
	bool replayed;		/* walked again from the file after disorder */
};

/* A host-samples recording's sample, to split steal on its pCPU by. */
struct hs_ev {
	u64 time;
	u32 seq;		/* file order: ties */
	u32 owner;		/* vCPU id, or OWNER_COMM | comm id */
	u32 weight;		/* sample_weight(): what it splits by */
};

/*
 * The stamps of a host-samples recording (host_stamps.c): a queue per
 * pCPU in time order, dropped from the front once no interval still to
 * be split can reach them; all kept when the sched window keeps all.
 */
struct host_stamps {
	struct ring **q;	/* by pCPU; q[MAX_CPUS] takes the others */
	bool *unsorted;		/* by queue: appended out of order (keep_all) */
	u32 seq;
	u64 floor;		/* the latest time stamps were dropped before */
	size_t held, peak;	/* stamps in the queues, now and at most */
};

static inline const struct hs_ev *hs_at(const struct ring *q, size_t i)
{
	return ring_at(q, i, sizeof(struct hs_ev));
}

/* A context switch on a pCPU (SWITCH chunks, switch_hist.c). */
struct sw_ev {
	u64 time;
	u32 seq;		/* file order: ties */
	u32 prev;		/* the thread that left */
	u32 next;		/* the thread that got the pCPU; LOST: SW_NOBODY */
	u32 flags;		/* DF_SWITCH_* */
};

/*
 * perf's switch hooks run a little before KVM's preempt notifiers: a
 * thread's switch-out may come this long before the KVM record it follows.
 */
#define SWITCH_SLACK_NS 1000000

/* A pCPU's holder nobody knows: before its first switch, after a loss. */
#define SW_NOBODY 0xffffffffU

/*
 * The host's context switches (switch_hist.c): whether they were
 * recorded (META SWITCHES), on which pCPUs, and a queue per pCPU in time
 * order, cut at the front as host_stamps.c cuts its stamps; what a queue
 * dropped leaves who held the pCPU at its floor.
 */
enum sw_state { SW_NONE, SW_REFUSED, SW_ON };

struct switch_hist {
	u32 state;		/* enum sw_state */
	u32 err;		/* SW_REFUSED: the recorder's errno */
	u8 *cpus;		/* bitmap of the pCPUs with switch records */
	struct ring **q;	/* by pCPU; q[MAX_CPUS] takes the others */
	u32 *used;		/* the queues made, by id */
	u32 nused;
	bool *unsorted;
	u32 *holder;		/* by queue: who held the pCPU at floor[] */
	u64 *floor;		/* by queue: entries before it were dropped */
	u32 seq;
	size_t held, peak;	/* entries in the queues, now and at most */
	u64 entries, lost;	/* switches read, switch records lost */
	u32 norec_owner;	/* owner of a wait nobody named, 0: OWNER_COMM */
};

static inline const struct sw_ev *sw_at(const struct ring *q, size_t i)
{
	return ring_at(q, i, sizeof(struct sw_ev));
}

#define OWNER_COMM 0x80000000U
/* Host-context key ctx: comm id, plus this bit when the task is the VMM. */
#define CTX_VMM (1ULL << 32)
/*
 * vcpu_agg's key ctx of a host kernel sample, these bits: the enum
 * irq_kind it interrupted, so that the unified view's pprof rows can
 * carry the class (rows_from_agg()).
 */
#define CTX_IRQ_SHIFT 33
#define CTX_IRQ_MASK (3ULL << CTX_IRQ_SHIFT)

static inline u32 ctx_irq(u64 ctx)
{
	return (u32)((ctx & CTX_IRQ_MASK) >> CTX_IRQ_SHIFT);
}

struct tid_map {
	u32 tid;
	u32 vcpu;
};

struct record_stats {
	u64 records, samples, sched_out, sched_in, lost_records;
	u64 unknown, malformed, filtered;
	u64 agent_chunks, agent_bytes, agent_errors;
};

/* Who a steal charge goes to: an owner, or a task named at the end. */
enum ref_kind {
	REF_OWNER,	/* owner: a vCPU, or OWNER_COMM | comm id */
	REF_TASK,	/* the task (tid, comm): a vCPU if tid is one, else comm */
	REF_WAIT,	/* the vCPU's wait on a pCPU handed to tid by hvcpu */
};

struct owner_ref {
	u32 kind;
	u32 owner;
	u32 tid;
	u32 comm;
	u32 hvcpu;
};

/* A THROTTLE entry: a vCPU's cgroup (or ancestor) counters at a time. */
struct thr_sample {
	u64 time;
	u64 throttled_ns;
	u32 vcpu;
	u32 depth;
	u32 owner;		/* OWNER_COMM | label "throttled (cgroup PATH)" */
};

/* A piece of steal charged whole to one culprit, kept to find throttling. */
struct steal_piece {
	u64 start, end;
	u32 vcpu;
	struct owner_ref r;
};

/*
 * Culprit classes (culprits.c): who each host thread id was, from the
 * TASK chunks (key a: tid, v1: label id + 1), and the cpu.stat samples
 * and steal pieces that give the throttled share.
 */
struct culprit_tab {
	bool classes;		/* the recorder looked tasks up (1.1) */
	struct agg_table tasks;
	u32 idle_owner;		/* "unknown (pCPU idle)", set by culprits_prepare() */
	struct thr_sample *thr;
	size_t nthr, capthr;
	struct steal_piece *pieces;
	size_t npieces, cappieces;
};

/*
 * KVM's statistic of a vCPU, or of the VM, as the KVM_STAT chunks have
 * it (kvm_stat.c): its reads in time order.
 */
struct kstat_read {
	u64 time;
	u64 value;
};

struct kstat_series {
	struct kstat_read *r;
	size_t n, cap;
};

struct analysis;
struct kvm_profile_sample;

/*
 * What a report view or export collects in the one pass beyond what
 * every view reads from struct analysis, its state in a->view: each
 * sample past the filters (owner: its vCPU, or OWNER_COMM | comm id);
 * each steal interval charged whole to one culprit (steal); each halt
 * (@r NULL) and steal interval after clipping to the window, a split one
 * as one piece per culprit (interval); the moment culprits can be named
 * (the file is read: steal_owner()); the sched records walked again from
 * the start; analysis_free(); each sched record past the filters, in time
 * order, before the steal walk takes it (sched), while the host's context
 * switches up to it are still kept (switch_hist_offcpu()).  Any hook may
 * be NULL.
 */
struct analysis_hooks {
	void (*sample)(struct analysis *a, const struct kvm_profile_sample *s,
		       u32 owner);
	void (*steal)(struct analysis *a, u32 vcpu, u32 cpu,
		      const struct owner_ref *r, u64 start, u64 end);
	void (*interval)(struct analysis *a, u32 vcpu, u32 cpu,
			 const struct owner_ref *r, u64 start, u64 end);
	void (*culprits_named)(struct analysis *a);
	void (*sched_reset)(struct analysis *a);
	void (*free)(struct analysis *a);
	void (*sched)(struct analysis *a, const struct sched_ev *ev);
};

struct analysis {
	struct filter f;
	/* metadata */
	char vm_name[128];
	char vm_uuid[64];
	u32 vmm_pid;
	u64 period_ns;
	bool period_known;
	u64 start_ns, stop_ns;
	bool have_start, have_stop;
	u32 config_flags;
	u32 end_reason;
	bool have_end;
	struct symtab host_syms;
	struct host_maps vmm_maps;
	struct guest_info guest;
	/* aggregation */
	struct agg_table vcpu_agg;	/* (vcpu, cat, addr, ctx) -> samples */
	struct agg_table host_agg;	/* (0, cat, addr, ctx) -> samples */
	struct agg_table exit_agg;	/* (isa, in_guest, reason) -> samples */
	/* (exit_group(), CAT_HOST, host ip, ctx) -> host samples handling it */
	struct agg_table exit_func_agg;
	struct agg_table steal_agg;	/* (vcpu, owner) -> ns */
	struct agg_table steal_ivs;	/* (vcpu, owner) -> intervals */
	struct agg_table lost_agg;	/* (cpu) -> lost */
	struct vcpu_stat *vcpus;
	u32 nvcpus;			/* highest id + 1 */
	struct sched_window sw;
	size_t nsched;			/* sched records past the filters */
	struct walk *walk;		/* steal.c: open intervals, handoffs */
	/* steal.c: charges whose culprit is named at the end */
	struct agg_table steal_pend, ivs_pend;
	bool sched_replay;		/* a second pass over sched records only */
	struct host_stamps hs;
	struct switch_hist swh;
	struct tid_map *tids;
	size_t ntids, captids;
	struct strmap comm_ids;
	char **comms;
	size_t ncomms;
	u64 lost_total;
	u64 first_ns, last_ns;
	bool have_first;
	/*
	 * The samples past the filters, as the sampling periods they stand
	 * for (sample_weight()): every count of samples is one of periods, so
	 * that time is right when the sampling timer falls behind; and as
	 * records, which the header shows beside them.
	 */
	u64 samples_total, samples_guest, samples_host;
	u64 sample_records;
	/* resolved names of CAT_NAMED keys: "function\x1fmodule" */
	struct strmap name_ids;
	char **names;
	size_t nnames;
	u64 overflow_samples;	/* periods counted under CAT_OVERFLOW */
	size_t overflow_cap;	/* the key cap of the table that overflowed */
	bool overflowed;	/* the current sample hit CAT_OVERFLOW */
	struct record_stats st;
	/* What the report's view collects besides (report.h), and its state. */
	const struct analysis_hooks *hooks;
	void *view;
	/* show how much of the file is read, on stderr (report, big files) */
	bool progress;
	bool finished;
	struct agent_state *agent;
	struct culprit_tab cul;
	/* KVM's halt_wait_ns: by vCPU id, and the VM's (debugfs) */
	struct kstat_series *kstat;
	u32 nkstat;
	struct kstat_series kstat_vm;
	size_t kstat_reads;		/* kept, in all series */
};

void analysis_init(struct analysis *a, const struct filter *f);
void analysis_free(struct analysis *a);
/* Feed one chunk; returns 0 (records problems are counted, not fatal). */
void analysis_chunk(struct analysis *a, const struct df_chunk *c);
/* Feed a buffer of raw kernel records (RECORDS chunk payload). */
void analysis_records(struct analysis *a, const u8 *p, size_t len);
/* Sort sched records, build steal/halt intervals; warn about problems. */
void analysis_finish(struct analysis *a);
/* sched_window.c */
void sched_window_push(struct analysis *a, const struct sched_ev *ev);
void sched_window_finish(struct analysis *a);
void sched_window_free(struct sched_window *w);
/* Keep every sched record from now on, to be sorted at the end. */
void sched_window_keep_all(struct analysis *a);
/* Before this time, no sched record is still to be walked but by disorder. */
u64 sched_window_horizon(const struct analysis *a);
/* host_stamps.c: a host-samples recording's sample, past the filters. */
void host_stamp_push(struct analysis *a, u64 time, u32 cpu, u32 owner,
		     u32 weight);
/* The stamps of @cpu, and in *@first the place of the first at @t or later. */
const struct ring *host_stamps_from(const struct analysis *a, u32 cpu, u64 t,
				    size_t *first);
void host_stamps_finish(struct analysis *a);
void host_stamps_free(struct host_stamps *h);
/* switch_hist.c: the META SWITCHES entry, a SWITCH chunk. */
void switch_hist_meta(struct analysis *a, const u8 *p, u32 len);
void switch_hist_chunk(struct analysis *a, const u8 *p, size_t len);
/* Whether who held @cpu at @t is known from switch records. */
bool switch_hist_covers(const struct analysis *a, u32 cpu, u64 t);
/*
 * Who held @cpu over [@start, @end): up to @max pieces, in time order,
 * each [start[i], start[i+1]) (the last to @end) held by tid[i]
 * (SW_NOBODY: not known); returns how many.
 */
size_t switch_hist_holders(const struct analysis *a, u32 cpu, u64 start,
			   u64 end, u64 *starts, u32 *tids, size_t max);
/* An interval a thread was off its pCPU, from its switch-out to its switch-in. */
struct sw_off {
	u64 out, in;
	u32 out_cpu, in_cpu;
	bool preempt;	/* switched out runnable */
};
/* @tid's off-pCPU intervals switched out after @after and in by @until. */
size_t switch_hist_offcpu(const struct analysis *a, u32 tid, u64 after,
			  u64 until, struct sw_off *out, size_t max);
/*
 * When @cpu last left its idle task in (@after, @until], or 0: a thread
 * woken to it waited no earlier than that.
 */
u64 switch_hist_idle_end(const struct analysis *a, u32 cpu, u64 after,
			 u64 until);
void switch_hist_finish(struct analysis *a);
void switch_hist_free(struct switch_hist *h);
/* Drop the queued switches (the META state stays), to read them again. */
void switch_hist_reset(struct switch_hist *h);
/*
 * kvm_stat.c: a KVM_STAT chunk; the reads of @vcpu (DF_KVM_STAT_VM: the
 * VM's), NULL when it has none.
 */
void kvm_stat_chunk(struct analysis *a, const u8 *p, size_t len);
const struct kstat_series *kvm_stat_series(const struct analysis *a, u32 vcpu);
/*
 * The reads that bracket the time window: the first at or after its
 * start, the last at or before its end (the file's last without
 * --time-to).  Returns 0 when @s has no read, 1 when the window holds
 * fewer than two, 2 with both in *@first and *@last.
 */
int kvm_stat_bracket(const struct analysis *a, const struct kstat_series *s,
		     struct kstat_read *first, struct kstat_read *last);
void kvm_stat_free(struct analysis *a);
/* steal.c: walk one sched record in time order; close what is open. */
void steal_walk_event(struct analysis *a, const struct sched_ev *ev);
void steal_walk_finish(struct analysis *a);
/* Forget what the walk charged, to walk all sched records again. */
void steal_walk_reset(struct analysis *a);
/*
 * How far back in @cpu's host samples an interval not split yet may
 * begin: an open steal interval there, or a wait a vCPU may report next.
 */
u64 steal_walk_horizon(const struct analysis *a, u32 cpu);
/* The owner @r names for @vcpu, once the whole file is read. */
u32 steal_owner(const struct analysis *a, u32 vcpu, const struct owner_ref *r);
/*
 * The sampling periods a sample stands for: its periods, which a kernel
 * before the field left 0 (one period).  What every count of samples adds.
 */
u32 sample_weight(const struct kvm_profile_sample *s);
/* guest user, guest kernel, guest protected or host (enum sample_cat) */
u32 analysis_sample_cat(const struct kvm_profile_sample *s);
/*
 * The host interrupt a vCPU thread's host kernel sample interrupted
 * (enum irq_kind): hardirq wins over softirq; IRQ_NONE for a guest or
 * host user sample, or another task's.
 */
u32 analysis_sample_irq(const struct kvm_profile_sample *s);
/* A vCPU's time in @irq (enum irq_kind), its periods times the period. */
u64 analysis_irq_ns(const struct analysis *a, const struct vcpu_stat *v,
		    u32 irq);
/* Read a whole data file into a; returns 0, or -1 if it cannot be opened. */
int analysis_load(struct analysis *a, const char *path);
/*
 * Only what a file says of its ends: its first META chunk (the recording's
 * start, among others) and its END chunk if it is the last one, found
 * without reading the records; 0, or -1 if it cannot be opened.
 */
int analysis_load_ends(struct analysis *a, const char *path);

u32 analysis_comm_id(struct analysis *a, const char *comm, size_t len);
const char *analysis_comm(const struct analysis *a, u32 id);
u32 analysis_vcpu_of_tid(const struct analysis *a, u32 tid);
u64 analysis_end_ns(const struct analysis *a);
/* The --time-to instant, or UINT64_MAX without one. */
u64 analysis_window_to_ns(const struct analysis *a);
u64 analysis_begin_ns(const struct analysis *a);
/* Start of the reported window: the recording start plus --time-from. */
u64 analysis_window_begin_ns(const struct analysis *a);
/*
 * True when nothing before analysis_window_begin_ns() counts: with
 * --time-from, or once the file gave its START_NS.  (Without either the
 * window begins at the earliest record, which no record precedes.)
 */
bool analysis_clips_begin(const struct analysis *a);
u64 ns_to_samples(const struct analysis *a, u64 ns);
struct vcpu_stat *analysis_vcpu(struct analysis *a, u32 vcpu);

/*
 * A full address table (vcpu_agg, host_agg, exit_func_agg): fold its keys
 * into one per name the report would show (agg_fold.c); returns the entry
 * for k, by name if it has one, else the overflow entry.
 */
struct agg_entry *agg_full(struct analysis *a, struct agg_table *t,
			   const struct agg_key *k);

/* Guest agent streams (agent_feed.c, parser from proto/). */
void agent_feed(struct analysis *a, u64 recv_ns, u32 stream,
		const u8 *p, size_t len);
/*
 * Aggregation context of a guest user sample with @cr3 at host time @t:
 * the process that held that CR3 then, as the agent streams tell it
 * (load them first), or the CR3 key.
 */
u64 agent_sample_ctx(struct analysis *a, u64 cr3, u64 t);
/* Guest symbol of rip (user: of agent_sample_ctx()); false if unknown. */
bool agent_resolve(struct analysis *a, bool user, u64 ctx, u64 rip,
		   char *func, size_t flen, char *mod, size_t mlen);
/*
 * The guest process (its comm and pid) of a guest user sample's context
 * (agent_sample_ctx()), when the agent named one.
 */
bool agent_process(const struct analysis *a, u64 ctx, char *comm, size_t len,
		   u32 *pid);
/*
 * The guest process a context of agent_sample_ctx() names: its comm and
 * pid; for a CR3 no process is known to have held (no agent, or nobody
 * then), "[cr3 0x...]" and pid 0.
 */
void agent_proc_name(const struct analysis *a, u64 ctx, char *name,
		     size_t len, u32 *pid);
void agent_free(struct analysis *a);

/* Function and module names for an aggregated address (resolve.c). */
void resolve_addr(struct analysis *a, u32 cat, u64 addr, u64 ctx,
		  char *func, size_t flen, char *module, size_t mlen);

/*
 * Culprit classes (culprits.c).  A label is a culprit named with its class,
 * "task COMM (cgroup PATH)", kept in the comm table marked so that no comm
 * can be taken for one; owners are OWNER_COMM | its id.
 */
#define LABEL_MARK '\x01'
u32 analysis_label_id(struct analysis *a, const char *label);
/* The label of a comm id, or NULL when it is a comm. */
const char *analysis_label(const struct analysis *a, u32 id);
void culprits_task_chunk(struct analysis *a, const u8 *p, size_t len);
void culprits_throttle_chunk(struct analysis *a, const u8 *p, size_t len);
/* The owner of host thread @tid (comm id @comm) that took a pCPU. */
u32 culprits_task_owner(const struct analysis *a, u32 tid, u32 comm);
/* Keep a piece of steal charged to @r, when throttling was recorded. */
void culprits_note_piece(struct analysis *a, u32 vcpu,
			 const struct owner_ref *r, u64 start, u64 end);
/* Labels the naming needs, before steal_owner() is called. */
void culprits_prepare(struct analysis *a);
/* Move the steal that cgroup throttling covers to "throttled". */
void culprits_throttled(struct analysis *a);
/*
 * The class of a steal owner ("vcpu", "vm", "task", "kthread",
 * "throttled", "unknown", or "outside" for a comm recorded without a
 * class) and its identity ("vcpu1", "web1 vcpu0", ...).
 */
void culprit_class(const struct analysis *a, u32 owner, char *cls, size_t clen,
		   char *ident, size_t ilen);
bool culprit_unknown(const struct analysis *a, u32 owner);
/*
 * The class of the time a vCPU thread spent in host interrupts (@irq,
 * enum irq_kind), "softirq" or "irq", and its identity: how it was
 * decided.  From samples, beside the steal of the classes above.
 */
const char *irq_class(u32 irq);
const char *irq_identity(u32 irq);
void culprits_reset_pieces(struct analysis *a);
void culprits_free(struct analysis *a);

/* exit_func_agg's group key: an exit's ISA and reason in one u32. */
static inline u32 exit_group(u32 isa, u64 reason)
{
	return isa << 28 | (u32)(reason & 0x0fffffff);
}

#endif
