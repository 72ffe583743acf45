// SPDX-License-Identifier: GPL-2.0
/*
 * Context switches of the vCPU threads' pCPUs, from the host scheduler.
 * KVM writes sched records only while a vCPU thread is inside KVM_RUN
 * (its preempt notifier is registered between vcpu_load and vcpu_put), so
 * a wait that starts while the thread emulates an exit in the VMM shows
 * only as run_delay growth, with no record of who took the pCPU.  perf's
 * CPU-wide switch records (PERF_RECORD_SWITCH_CPU_WIDE) say it: for each
 * pCPU in the union of the vCPU threads' affinity masks one dummy
 * software event with context_switch, on CLOCK_MONOTONIC (the clock of
 * KVM_PROFILE's time_ns: ktime_get_mono_fast_ns()), drained from the
 * collector's loop.  Each switch is stored once, from its switch-out side:
 * time, pCPU, the task that left, the task that got it, and whether the
 * one that left was preempted (still runnable).
 *
 * CPU-wide events need CAP_PERFMON (or kernel.perf_event_paranoid <= 0):
 * refused, the recording goes on without them, says why once, and the
 * META SWITCHES entry keeps the errno so the report can say it too.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "switches.h"

/* PERF_RECORD_SWITCH_CPU_WIDE with sample_id TID | TIME | CPU */
struct sw_record {
	struct perf_event_header h;
	u32 next_prev_pid, next_prev_tid;
	u32 pid, tid;
	u64 time;
	u32 cpu, res;
};

/* PERF_RECORD_LOST, the same sample_id */
struct sw_lost {
	struct perf_event_header h;
	u64 id, lost;
	u32 pid, tid;
	u64 time;
	u32 cpu, res;
};

#define MAX_AFFINITY_CPUS 8192

static size_t page_size(void)
{
	long n = sysconf(_SC_PAGESIZE);

	return n > 0 ? (size_t)n : 4096;
}

const char *switch_refusal(int err)
{
	switch (err) {
	case EACCES:
	case EPERM:
		return "CPU-wide perf events need CAP_PERFMON (or kernel.perf_event_paranoid <= 0)";
	case ENOENT:
	case EOPNOTSUPP:
	case EINVAL:
		return "this kernel has no CPU-wide context-switch events";
	case ENOSYS:
		return "this kernel has no perf_event_open()";
	case EMFILE:
	case ENFILE:
		return "no file descriptor left for a perf event";
	default:
		return strerror(err);
	}
}

static int cmp_u32(const void *x, const void *y)
{
	u32 a = *(const u32 *)x, b = *(const u32 *)y;

	return a < b ? -1 : a > b;
}

u32 switch_affinity_cpus(const u32 *tids, u32 ntids, u32 **cpus)
{
	size_t setsize = CPU_ALLOC_SIZE(MAX_AFFINITY_CPUS);
	cpu_set_t *set = CPU_ALLOC(MAX_AFFINITY_CPUS), *all;
	u32 i, n = 0, c;

	all = CPU_ALLOC(MAX_AFFINITY_CPUS);
	*cpus = NULL;
	if (!set || !all) {
		CPU_FREE(set);
		CPU_FREE(all);
		return 0;
	}
	CPU_ZERO_S(setsize, all);
	for (i = 0; i < ntids; i++) {
		if (!tids[i] || sched_getaffinity((pid_t)tids[i], setsize, set))
			continue;
		CPU_OR_S(setsize, all, all, set);
	}
	for (c = 0; c < MAX_AFFINITY_CPUS; c++)
		if (CPU_ISSET_S(c, setsize, all))
			n++;
	*cpus = xcalloc(n ? n : 1, sizeof(u32));
	for (c = 0, n = 0; c < MAX_AFFINITY_CPUS; c++)
		if (CPU_ISSET_S(c, setsize, all))
			(*cpus)[n++] = c;
	qsort(*cpus, n, sizeof(u32), cmp_u32);
	CPU_FREE(set);
	CPU_FREE(all);
	return n;
}

static int open_one(struct switch_rec *s, struct switch_cpu *sc)
{
	struct perf_event_attr a;
	long fd;

	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_SOFTWARE;
	a.size = sizeof(a);
	a.config = PERF_COUNT_SW_DUMMY;
	a.context_switch = 1;
	a.sample_id_all = 1;
	a.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU;
	a.use_clockid = 1;
	a.clockid = CLOCK_MONOTONIC;
	a.watermark = 1;
	a.wakeup_watermark = (u32)(s->ring_bytes / 2);
	fd = syscall(SYS_perf_event_open, &a, -1, (int)sc->cpu, -1,
		     PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return -errno;
	sc->fd = (int)fd;
	sc->map = mmap(NULL, s->ring_bytes + page_size(),
		       PROT_READ | PROT_WRITE, MAP_SHARED, sc->fd, 0);
	if (sc->map == MAP_FAILED) {
		sc->map = NULL;
		return -errno;
	}
	return 0;
}

int switch_rec_open_cpus(struct switch_rec *s, const u32 *cpus, u32 ncpus)
{
	u32 i;
	int err;

	memset(s, 0, sizeof(*s));
	if (!ncpus) {
		s->err = ESRCH;
		return -1;
	}
	s->ring_bytes = (size_t)SWITCH_RING_PAGES * page_size();
	s->cpus = xcalloc(ncpus, sizeof(*s->cpus));
	s->ncpus = ncpus;
	for (i = 0; i < ncpus; i++) {
		s->cpus[i].fd = -1;
		s->cpus[i].cpu = cpus[i];
	}
	for (i = 0; i < ncpus; i++) {
		err = open_one(s, &s->cpus[i]);
		if (err) {
			s->err = -err;
			switch_rec_close(s);
			s->err = -err;
			s->ncpus = 0;
			return 0;
		}
	}
	s->on = true;
	return 0;
}

void switch_rec_open(struct switch_rec *s, const struct vm_info *vm)
{
	u32 *tids = xcalloc(vm->nvcpus + 1, sizeof(u32)), *cpus, n, i;

	for (i = 0; i < vm->nvcpus; i++)
		tids[i] = vm->vcpus[i].tid;
	n = switch_affinity_cpus(tids, vm->nvcpus, &cpus);
	free(tids);
	switch_rec_open_cpus(s, cpus, n);
	free(cpus);
}

void switch_rec_warn(const struct switch_rec *s)
{
	if (s->on)
		return;
	if (s->err == ESRCH)
		pr_warn("no vCPU thread's pCPUs are known: recording without the host's context switches");
	else
		pr_warn("recording without the host's context switches (%s): waits outside KVM_RUN will be unknown",
			switch_refusal(s->err));
}

void switch_rec_meta(const struct switch_rec *s, struct buf *meta)
{
	struct buf b = { 0 };
	u32 v[2] = { s->on ? DF_SWITCHES_ON : DF_SWITCHES_REFUSED,
		     s->on ? 0 : (u32)s->err };
	u32 i;

	buf_append(&b, v, sizeof(v));
	for (i = 0; s->on && i < s->ncpus; i++)
		buf_append(&b, &s->cpus[i].cpu, sizeof(u32));
	meta_put(meta, DF_META_SWITCHES, b.data, (u32)b.len);
	buf_free(&b);
}

int switch_rec_pollfds(const struct switch_rec *s, struct pollfd *pfd, int max)
{
	int n = 0;
	u32 i;

	for (i = 0; s->on && i < s->ncpus && n < max; i++)
		pfd[n++] = (struct pollfd){ .fd = s->cpus[i].fd, .events = POLLIN };
	return n;
}

static void put_entry(struct switch_rec *s, u64 time, u32 cpu, u32 prev,
		      u32 next, u16 flags)
{
	struct df_switch e = {
		.time_ns = time, .cpu = cpu, .prev_tid = prev,
		.next_tid = next, .flags = flags,
	};

	buf_append(&s->pending, &e, sizeof(e));
	if (!(flags & DF_SWITCH_LOST))
		s->switches++;
}

/* One record of @sc's ring, whole in @p. */
static void take(struct switch_rec *s, struct switch_cpu *sc,
		 struct culprit_rec *cr, const u8 *p, size_t len, u64 now)
{
	struct perf_event_header h;
	struct sw_record r;
	struct sw_lost l;

	memcpy(&h, p, sizeof(h));
	if (h.type == PERF_RECORD_LOST && len >= sizeof(l)) {
		memcpy(&l, p, sizeof(l));
		s->lost += l.lost;
		put_entry(s, l.time, sc->cpu, 0,
			  l.lost < UINT32_MAX ? (u32)l.lost : UINT32_MAX,
			  DF_SWITCH_LOST);
		return;
	}
	if (h.type != PERF_RECORD_SWITCH_CPU_WIDE || len < sizeof(r) ||
	    !(h.misc & PERF_RECORD_MISC_SWITCH_OUT))
		return;		/* the switch-in side says the same again */
	memcpy(&r, p, sizeof(r));
	put_entry(s, r.time, sc->cpu, r.tid, r.next_prev_tid,
		  h.misc & PERF_RECORD_MISC_SWITCH_OUT_PREEMPT ?
		  DF_SWITCH_PREEMPT : 0);
	if (cr) {
		culprit_rec_note(cr, r.next_prev_pid, r.next_prev_tid, "", now);
		culprit_rec_note(cr, r.pid, r.tid, "", now);
	}
}

static void drain_cpu(struct switch_rec *s, struct switch_cpu *sc,
		      struct culprit_rec *cr, u64 now)
{
	struct perf_event_mmap_page *pg = (void *)sc->map;
	const u8 *data = sc->map + page_size();
	u64 head = __atomic_load_n(&pg->data_head, __ATOMIC_ACQUIRE);
	u64 tail = pg->data_tail, mask = s->ring_bytes - 1, off;
	struct perf_event_header h;
	u8 rec[256];
	size_t first;

	while (tail + sizeof(h) <= head) {
		off = tail & mask;
		first = s->ring_bytes - off;
		if (first >= sizeof(h)) {
			memcpy(&h, data + off, sizeof(h));
		} else {
			memcpy(&h, data + off, first);
			memcpy((u8 *)&h + first, data, sizeof(h) - first);
		}
		if (h.size < sizeof(h) || tail + h.size > head)
			break;	/* the kernel's word; never seen */
		if (h.size <= sizeof(rec)) {
			if (first >= h.size) {
				memcpy(rec, data + off, h.size);
			} else {
				memcpy(rec, data + off, first);
				memcpy(rec + first, data, h.size - first);
			}
			take(s, sc, cr, rec, h.size, now);
		}
		tail += h.size;
	}
	__atomic_store_n(&pg->data_tail, tail, __ATOMIC_RELEASE);
}

void switch_rec_drain(struct switch_rec *s, struct culprit_rec *cr, u64 now)
{
	u32 i;

	for (i = 0; s->on && i < s->ncpus; i++)
		drain_cpu(s, &s->cpus[i], cr, now);
}

int switch_rec_flush(struct switch_rec *s, struct df_writer *w)
{
	size_t max = DF_RECORDS_CHUNK / sizeof(struct df_switch) *
		     sizeof(struct df_switch), off, n;
	int ret = 0;

	for (off = 0; off < s->pending.len && !ret; off += n) {
		n = s->pending.len - off < max ? s->pending.len - off : max;
		ret = df_write_chunk(w, DF_CHUNK_SWITCH,
				     (const u8 *)s->pending.data + off, (u32)n);
	}
	s->pending.len = 0;
	return ret;
}

int switch_rec_remap(struct switch_rec *s)
{
	u32 i;

	for (i = 0; s->on && i < s->ncpus; i++) {
		s->cpus[i].map = mmap(NULL, s->ring_bytes + page_size(),
				      PROT_READ | PROT_WRITE, MAP_SHARED,
				      s->cpus[i].fd, 0);
		if (s->cpus[i].map == MAP_FAILED) {
			s->cpus[i].map = NULL;
			pr_warn("cannot map the context-switch ring of pCPU %u again after fork: %s; recording without the host's context switches",
				s->cpus[i].cpu, strerror(errno));
			switch_rec_close(s);
			return -1;
		}
	}
	return 0;
}

void switch_rec_close(struct switch_rec *s)
{
	u32 i;

	for (i = 0; s->cpus && i < s->ncpus; i++) {
		if (s->cpus[i].map)
			munmap(s->cpus[i].map, s->ring_bytes + page_size());
		if (s->cpus[i].fd >= 0)
			close(s->cpus[i].fd);
	}
	free(s->cpus);
	buf_free(&s->pending);
	memset(s, 0, sizeof(*s));
}
