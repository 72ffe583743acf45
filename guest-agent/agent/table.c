// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's process table: fed by vmprof_guest.ko (snapshot, then
 * fork/exec/exit events with CR3), or, with --no-module, by rescanning
 * /proc (no CR3, and processes shorter than the scan interval are missed).
 * Turns changes into CR3_MAP_FULL/DELTA messages and schedules the maps of
 * new and exec'ed processes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>

#include "agent.h"
#include "vmprof_guest.h"

#define TABLE_HASH	4096u
#define REC_BATCH	256u
#define NSEC_PER_SEC	1000000000ull
/* ld.so maps the libraries right after exec: look again a little later. */
#define EXEC_SETTLE_NS	200000000ull
/*
 * An exec'ed program's maps are also read at once: one that runs for
 * less than EXEC_SETTLE_NS is gone by then, its EXIT drops it from the
 * table unread, and the host can name none of its samples.  At most this
 * many a second (a token bucket a second deep; a program's two reads
 * cost about 100 us): past it, in an exec storm, only the later read.
 */
#define EXEC_READS_PER_SEC	100u

/*
 * A test build (guest-agent/tests/test_exec.c) reads the module's records
 * from the FIFO its environment names; the agent itself only ever reads
 * the device.
 */
static const char *dev_path(void)
{
#ifdef AGENT_TEST_DEV_ENV
	const char *s = getenv(AGENT_TEST_DEV_ENV);

	if (s)
		return s;
#endif
	return VMPROF_GUEST_DEV;
}

/*
 * Live processes the host keeps (its max_procs): a test build takes a
 * smaller number from its environment, the agent the parser's default.
 */
static uint32_t max_sent(void)
{
#ifdef AGENT_TEST_DEV_ENV
	const char *s = getenv("VMPROF_TEST_MAX_PROCS");

	if (s && strtoul(s, NULL, 10))
		return (uint32_t)strtoul(s, NULL, 10);
#endif
	return VP_DEF_MAX_PROCS;
}

/* The reads of a process's maps: at exec, after ld.so, then every interval. */
enum read { READ_INTERVAL, READ_SETTLE, READ_NOW };

struct pent {
	struct pent *next;
	struct vp_cr3_entry e;
	uint64_t maps_hash;
	uint64_t due_ns;
	uint32_t gen;
	uint8_t next_read;	/* what due_ns is for: enum read */
	uint8_t sent;		/* announced to the host: its maps may follow */
};

struct table {
	int fd;
	int proc_only;
	uint32_t nr;
	uint32_t gen;
	/*
	 * Processes announced to the host and not exited there, at most
	 * max_sent: the host keeps no more live ones, and maps of one it
	 * does not keep are wasted.  The others are announced once there is
	 * room: at their exec, or at the next rescan (tell_late()).
	 */
	uint32_t nr_sent;
	uint32_t max_sent;
	int over_limit;		/* said so */
	struct pent *hash[TABLE_HASH];
	struct vp_cr3_entry delta[REC_BATCH];
	uint32_t nr_delta;
	struct vmprof_guest_rec recs[REC_BATCH];
	uint64_t wake_ns;	/* the first READ_NOW/SETTLE due, 0: none */
	uint64_t credit_ns;	/* reads at exec cost 1/EXEC_READS_PER_SEC s each */
	uint64_t credit_at;
	int over_budget;	/* said so (verbose) */
};

static struct pent **slot(struct table *t, uint32_t tgid)
{
	struct pent **pp = &t->hash[tgid % TABLE_HASH];

	while (*pp && (*pp)->e.tgid != tgid)
		pp = &(*pp)->next;
	return pp;
}

static struct pent *upsert(struct table *t, const struct vp_cr3_entry *e)
{
	struct pent **pp = slot(t, e->tgid);

	if (!*pp) {
		*pp = calloc(1, sizeof(**pp));
		if (!*pp)
			return NULL;
		t->nr++;
	}
	(*pp)->e = *e;
	(*pp)->gen = t->gen;
	return *pp;
}

static void drop(struct table *t, uint32_t tgid)
{
	struct pent **pp = slot(t, tgid), *p = *pp;

	if (!p)
		return;
	*pp = p->next;
	if (p->sent)
		t->nr_sent--;
	free(p);
	t->nr--;
}

/* 1: @p is announced to the host (now or before), 0: no room for it. */
static int announce(struct table *t, struct pent *p)
{
	if (p->sent)
		return 1;
	if (t->nr_sent >= t->max_sent) {
		if (!t->over_limit)
			agent_log("more than %u processes: the host is told of the others as processes exit",
				  t->max_sent);
		t->over_limit = 1;
		return 0;
	}
	p->sent = 1;
	t->nr_sent++;
	return 1;
}

uint32_t table_nr(const struct table *t)
{
	return t->nr;
}

int table_fd(const struct table *t)
{
	return t->fd;
}

int table_has_module(const struct table *t)
{
	return !t->proc_only;
}

/* Explain a missing device: kernel too old, or module not loaded. */
static void no_module(int err)
{
	struct utsname u;
	unsigned int maj = 0, min = 0;

	if (!uname(&u))
		sscanf(u.release, "%u.%u", &maj, &min);
	if (maj < 5 || (maj == 5 && min < 10))
		fprintf(stderr, PROG ": kernel %s too old: vmprof_guest needs 5.10 or later; use --no-module for a table without CR3\n",
			u.release);
	else if (err == ENOENT || err == ENXIO || err == ENODEV)
		fprintf(stderr, PROG ": %s missing: load the module (modprobe vmprof_guest) or use --no-module\n",
			dev_path());
	else
		fprintf(stderr, PROG ": cannot open %s: %s\n", dev_path(),
			strerror(err));
}

struct table *table_new(int proc_only)
{
	struct table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->fd = -1;
	t->proc_only = proc_only;
	t->max_sent = max_sent();
	t->credit_ns = NSEC_PER_SEC;
	t->credit_at = now_ns();
	if (proc_only)
		return t;
	t->fd = open(dev_path(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (t->fd < 0) {
		no_module(errno);
		free(t);
		return NULL;
	}
	return t;
}

void table_free(struct table *t)
{
	uint32_t i;

	if (!t)
		return;
	for (i = 0; i < TABLE_HASH; i++)
		while (t->hash[i])
			drop(t, t->hash[i]->e.tgid);
	if (t->fd >= 0)
		close(t->fd);
	free(t);
}

static void rec_to_entry(const struct vmprof_guest_rec *r,
			 struct vp_cr3_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->cr3 = r->cr3;
	e->time_ns = r->time_ns;
	e->tgid = r->tgid;
	e->pid = r->pid;
	e->ppid = r->ppid;
	e->event = r->event;
	memcpy(e->comm, r->comm, VP_COMM_LEN - 1);
}

/* Read whole records; 0 when none are pending. */
static int read_recs(struct table *t)
{
	ssize_t n = read(t->fd, t->recs, sizeof(t->recs));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n < 0) {
		fprintf(stderr, PROG ": read %s: %s\n", dev_path(),
			strerror(errno));
		return -1;
	}
	return (int)(n / sizeof(t->recs[0]));
}

/* A fresh open of the device yields a fresh snapshot. */
static int module_snapshot(struct table *t)
{
	int done = 0, n, i;

	close(t->fd);
	t->fd = open(dev_path(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (t->fd < 0) {
		no_module(errno);
		return -1;
	}
	while (!done) {
		n = read_recs(t);
		if (n <= 0) {
			fprintf(stderr, PROG ": %s: snapshot ended early\n",
				dev_path());
			return -1;
		}
		for (i = 0; i < n && !done; i++) {
			struct vp_cr3_entry e;

			if (t->recs[i].event == VMPROF_GUEST_SNAPSHOT_END) {
				done = 1;
				continue;
			}
			rec_to_entry(&t->recs[i], &e);
			if (e.event == VP_EV_SNAPSHOT && !upsert(t, &e))
				return -1;
		}
	}
	return 0;
}

/* Parse /proc/PID/stat: comm and ppid; 1 for a kernel thread. */
static int read_stat(uint32_t pid, struct vp_cr3_entry *e)
{
	unsigned int ppid, flags;
	char path[64], buf[512];
	char *open_p, *close_p;
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	open_p = strchr(buf, '(');
	close_p = strrchr(buf, ')');
	if (!open_p || !close_p || close_p < open_p ||
	    sscanf(close_p + 2, "%*c %u %*d %*d %*d %*d %u", &ppid, &flags) != 2)
		return -1;
	memset(e, 0, sizeof(*e));
	len = close_p - open_p - 1;
	memcpy(e->comm, open_p + 1, len < VP_COMM_LEN ? len : VP_COMM_LEN - 1);
	e->tgid = pid;
	e->pid = pid;
	e->ppid = ppid;
	e->time_ns = now_ns();
	return (flags & 0x00200000) ? 1 : 0;	/* PF_KTHREAD */
}

/* 1: a read at exec fits the budget now. */
static int take_credit(struct table *t, uint64_t now)
{
	const uint64_t cost = NSEC_PER_SEC / EXEC_READS_PER_SEC;

	if (now > t->credit_at) {
		t->credit_ns += now - t->credit_at;
		t->credit_at = now;
	}
	if (t->credit_ns >= NSEC_PER_SEC) {
		t->credit_ns = NSEC_PER_SEC;
		t->over_budget = 0;
	}
	if (t->credit_ns >= cost) {
		t->credit_ns -= cost;
		return 1;
	}
	/* Once a storm: said again when the budget has filled up again. */
	if (agent_verbose && !t->over_budget)
		agent_log("more than %u execs a second: the others' maps read %llu ms after exec",
			  EXEC_READS_PER_SEC, EXEC_SETTLE_NS / 1000000);
	t->over_budget = 1;
	return 0;
}

/*
 * A process appeared or exec'ed: read its maps once ld.so has mapped the
 * libraries, and with @at_once (an exec: the kernel mapped the program
 * and its interpreter before the event) at once too, within the budget.
 */
static void read_soon(struct table *t, struct pent *p, uint64_t now,
		      int at_once)
{
	p->maps_hash = 0;
	if (at_once && take_credit(t, now)) {
		p->next_read = READ_NOW;
		p->due_ns = now;
	} else {
		p->next_read = READ_SETTLE;
		p->due_ns = now + EXEC_SETTLE_NS;
	}
}

static int queue_delta(struct table *t, struct vp_buf *b,
		       const struct vp_cr3_entry *e)
{
	t->delta[t->nr_delta++] = *e;
	if (t->nr_delta < REC_BATCH)
		return 0;
	t->nr_delta = 0;
	return vp_enc_cr3(b, VP_MSG_CR3_MAP_DELTA, t->delta, REC_BATCH);
}

static int flush_delta(struct table *t, struct vp_buf *b)
{
	uint32_t n = t->nr_delta;

	t->nr_delta = 0;
	return n ? vp_enc_cr3(b, VP_MSG_CR3_MAP_DELTA, t->delta, n) : 0;
}

/* One pass over /proc; with @b, queue the differences as events. */
static int proc_scan(struct table *t, struct vp_buf *b, uint64_t now)
{
	struct dirent *de;
	DIR *d;

	t->gen++;
	d = opendir("/proc");
	if (!d) {
		fprintf(stderr, PROG ": cannot read /proc: %s\n", strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		struct vp_cr3_entry e;
		struct pent *p;
		uint32_t pid = (uint32_t)strtoul(de->d_name, NULL, 10);

		if (!pid || read_stat(pid, &e))
			continue;
		p = *slot(t, pid);
		if (p && !strcmp(p->e.comm, e.comm)) {
			p->gen = t->gen;
			continue;
		}
		e.event = !b ? VP_EV_SNAPSHOT : p ? VP_EV_EXEC : VP_EV_FORK;
		p = upsert(t, &e);
		if (!p || (b && announce(t, p) && queue_delta(t, b, &e))) {
			closedir(d);
			return -1;
		}
		if (b && p->sent) {
			/* Found alive now, and maybe gone at the next scan. */
			read_soon(t, p, now, 1);
		} else {
			p->maps_hash = 0;
			p->due_ns = 0;
		}
	}
	closedir(d);
	return 0;
}

/* Processes a scan did not see have exited. */
static int proc_reap(struct table *t, struct vp_buf *b)
{
	uint32_t i;

	for (i = 0; i < TABLE_HASH; i++) {
		struct pent *p = t->hash[i], *next;

		for (; p; p = next) {
			struct vp_cr3_entry e = p->e;

			next = p->next;
			if (p->gen == t->gen)
				continue;
			e.event = VP_EV_EXIT;
			e.time_ns = now_ns();
			if (b && p->sent && queue_delta(t, b, &e))
				return -1;
			drop(t, e.tgid);
		}
	}
	return 0;
}

static int send_full(struct table *t, struct vp_buf *b)
{
	struct vp_cr3_entry *all;
	uint32_t i, n = 0;
	int ret;

	all = calloc(t->nr ? t->nr : 1, sizeof(*all));
	if (!all)
		return -1;
	/* A snapshot replaces what the host holds: announce anew. */
	t->nr_sent = 0;
	t->over_limit = 0;
	for (i = 0; i < TABLE_HASH; i++) {
		struct pent *p;

		for (p = t->hash[i]; p; p = p->next) {
			p->sent = 0;
			p->maps_hash = 0;
			p->due_ns = 0;
			p->next_read = READ_INTERVAL;
			if (!announce(t, p))
				continue;
			all[n] = p->e;
			all[n++].event = VP_EV_SNAPSHOT;
		}
	}
	ret = vp_enc_cr3(b, VP_MSG_CR3_MAP_FULL, all, n);
	free(all);
	return ret;
}

int table_snapshot(struct table *t, struct vp_buf *b)
{
	t->gen++;
	if (t->proc_only ? proc_scan(t, NULL, 0) : module_snapshot(t))
		return -1;
	if (proc_reap(t, NULL) || send_full(t, b))
		return -1;
	return table_rescan(t, b, now_ns(), 0);
}

static int apply_rec(struct table *t, struct vp_buf *b,
		     const struct vmprof_guest_rec *r, uint64_t now)
{
	struct vp_cr3_entry e;
	struct pent *p;

	rec_to_entry(r, &e);
	if (e.event == VP_EV_EXIT) {
		p = *slot(t, e.tgid);
		/* The host never heard of one past the limit. */
		if (p && !p->sent) {
			drop(t, e.tgid);
			return 0;
		}
		drop(t, e.tgid);
		return queue_delta(t, b, &e);
	}
	if (e.event != VP_EV_FORK && e.event != VP_EV_EXEC)
		return 0;
	p = upsert(t, &e);
	if (!p)
		return -1;
	if (!announce(t, p))
		return 0;
	read_soon(t, p, now, e.event == VP_EV_EXEC);
	return queue_delta(t, b, &e);
}

int table_update(struct table *t, struct vp_buf *b, uint64_t now)
{
	int n, i;

	if (t->proc_only) {
		if (proc_scan(t, b, now) || proc_reap(t, b))
			return -1;
		return flush_delta(t, b);
	}
	while ((n = read_recs(t)) > 0) {
		for (i = 0; i < n; i++) {
			if (t->recs[i].event == VMPROF_GUEST_LOST) {
				agent_log("%u events lost, resending the table",
					  t->recs[i].tgid);
				return flush_delta(t, b) ? -1 : 1;
			}
			if (apply_rec(t, b, &t->recs[i], now))
				return -1;
		}
	}
	if (n < 0)
		return -1;
	return flush_delta(t, b);
}

static void read_done(struct pent *p, uint64_t now, uint64_t interval_ns)
{
	if (p->next_read == READ_NOW) {
		p->next_read = READ_SETTLE;
		p->due_ns = now + EXEC_SETTLE_NS;
	} else {
		p->next_read = READ_INTERVAL;
		p->due_ns = now + interval_ns;
	}
}

/*
 * There is room at the host again (a process it knew exited): tell it of
 * one left out, as a fork now, its maps to be read at once.  The events
 * of this wakeup went out before: the host then has room for it.
 */
static int tell_late(struct table *t, struct vp_buf *b, struct pent *p,
		     uint64_t now)
{
	struct vp_cr3_entry e = p->e;

	announce(t, p);
	e.event = VP_EV_FORK;
	e.time_ns = now;
	p->maps_hash = 0;
	p->due_ns = 0;
	p->next_read = READ_INTERVAL;
	return vp_enc_cr3(b, VP_MSG_CR3_MAP_DELTA, &e, 1);
}

int table_rescan(struct table *t, struct vp_buf *b, uint64_t now,
		 uint64_t interval_ns)
{
	uint32_t i;

	t->wake_ns = 0;
	for (i = 0; i < TABLE_HASH; i++) {
		struct pent *p;

		for (p = t->hash[i]; p; p = p->next) {
			/* The host keeps no maps of a process it was not told of. */
			if (!p->sent) {
				if (t->nr_sent >= t->max_sent)
					continue;
				if (tell_late(t, b, p, now))
					return -1;
			}
			if (p->due_ns <= now) {
				if (send_maps(b, p->e.tgid, &p->maps_hash))
					return -1;
				read_done(p, now, interval_ns);
			}
			if (p->next_read != READ_INTERVAL &&
			    (!t->wake_ns || p->due_ns < t->wake_ns))
				t->wake_ns = p->due_ns;
		}
	}
	return 0;
}

/*
 * The read after a fork or exec is on time, not at the next event or
 * poll: a program may be gone by then.  Interval rescans wait for either.
 */
int table_timeout_ms(const struct table *t, uint64_t now, int max_ms)
{
	uint64_t ms;

	if (!t->wake_ns)
		return max_ms;
	if (t->wake_ns <= now)
		return 0;
	ms = (t->wake_ns - now + 999999) / 1000000;
	return ms < (uint64_t)max_ms ? (int)ms : max_ms;
}
