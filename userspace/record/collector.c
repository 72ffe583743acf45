// SPDX-License-Identifier: GPL-2.0
/*
 * The collector: attach, then poll the profile fd and copy whole records
 * into the data file.  On stop, duration, signal or VM exit it drains the
 * fd before closing so no buffered record is lost.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "collector.h"

#define READ_BUF_SIZE (256U << 10)
#define POLL_MS 100
#define FLUSH_NS NSEC_PER_SEC
#define MAX_KALLSYMS (64U << 20)

volatile sig_atomic_t collector_stop;
volatile sig_atomic_t collector_signal;

static void on_signal(int sig)
{
	collector_stop = 1;
	collector_signal = sig;
}

int collector_exit_code(int ret)
{
	int sig = collector_signal;

	if (ret)
		return EXIT_FAIL;
	if (sig) {
		/*
		 * The file is complete; now die of the signal as perf does
		 * (exit 130 for Ctrl-C), so a shell loop over VMs stops too.
		 */
		fflush(stdout);
		signal(sig, SIG_DFL);
		raise(sig);
	}
	return EXIT_OK;
}

void collector_install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: poll() returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void build_config(const struct record_opts *o, struct kvm_profile_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->flags = KVM_PROFILE_F_SAMPLES | KVM_PROFILE_F_SCHED;
	if (o->host_samples)
		cfg->flags |= KVM_PROFILE_F_HOST_SAMPLES;
	cfg->event = o->event;
	cfg->config = o->event_config;
	cfg->sample_period = o->period;
	cfg->sample_freq = o->period ? 0 : o->freq;
	cfg->buffer_pages = o->buffer_pages;
	cfg->wakeup_percent = 50;
}

static u64 sample_interval_ns(const struct record_opts *o)
{
	if (!o->period)
		return NSEC_PER_SEC / o->freq;
	/* A period is nanoseconds only for cpu-clock. */
	return o->event == KVM_PROFILE_EVENT_CPU_CLOCK ? o->period : 0;
}

static void put_kallsyms(struct collector *c)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	struct buf b = { 0 };
	char line[512], *sp;
	bool any = false;

	if (!f) {
		pr_warn("cannot read /proc/kallsyms: host kernel symbols will show as [unknown]");
		return;
	}
	while (fgets(line, sizeof(line), f) && b.len < MAX_KALLSYMS) {
		sp = strchr(line, ' ');
		if (!sp || !sp[1] || !strchr("tTwW", sp[1]))
			continue;
		if (strspn(line, "0") != (size_t)(sp - line))
			any = true;
		buf_append(&b, line, strlen(line));
	}
	fclose(f);
	if (!any)
		pr_warn("/proc/kallsyms addresses are hidden: host kernel symbols will show as [unknown]; run as root or set kernel.kptr_restrict=0");
	else
		df_write_chunk(&c->w, DF_CHUNK_KALLSYMS, b.data, (u32)b.len);
	buf_free(&b);
}

static int put_meta(struct collector *c, const struct kvm_profile_config *cfg)
{
	struct buf b = { 0 };
	struct utsname u;
	u32 pair[2], i;
	size_t mlen = 0;
	char *maps;
	int ret;

	meta_put_str(&b, DF_META_VM_NAME, c->vm.name);
	meta_put_str(&b, DF_META_VM_UUID, c->vm.uuid);
	meta_put_u32(&b, DF_META_VMM_PID, (u32)c->vm.pid);
	for (i = 0; i < c->vm.nvcpus; i++) {
		pair[0] = c->vm.vcpus[i].id;
		pair[1] = c->vm.vcpus[i].tid;
		meta_put(&b, DF_META_VCPU, pair, sizeof(pair));
	}
	meta_put(&b, DF_META_CONFIG, cfg, sizeof(*cfg));
	meta_put_u64(&b, DF_META_SAMPLE_NS, sample_interval_ns(&c->o));
	meta_put_u64(&b, DF_META_START_NS, c->start_ns);
	if (!uname(&u)) {
		meta_put_str(&b, DF_META_HOSTNAME, u.nodename);
		meta_put_str(&b, DF_META_KERNEL, u.release);
	}
	meta_put_str(&b, DF_META_TOOL, "vmprofctl " VMPROFCTL_VERSION);
	meta_put_u32(&b, DF_META_CULPRITS, 1);
	switch_rec_meta(&c->switches, &b);
	maps = host_maps_snapshot((int)c->vm.pid, &mlen);
	if (maps)
		meta_put(&b, DF_META_VMM_MAPS, maps, (u32)mlen);
	free(maps);
	ret = df_write_chunk(&c->w, DF_CHUNK_META, b.data, (u32)b.len);
	buf_free(&b);
	return ret;
}

static int open_profile(struct collector *c, const struct kvm_profile_config *cfg)
{
	int vm_fd, sup;

	sup = kvm_profile_supported();
	if (sup < 0)
		return -1;
	if (!sup) {
		pr_err("this kernel lacks KVM_CAP_PROFILE: apply the kvm-profile patch series (patches/) and boot it");
		return -1;
	}
	vm_fd = attach_vm_fd(&c->vm);
	if (vm_fd < 0)
		return -1;
	c->prof_fd = profile_open(vm_fd, cfg);
	close(vm_fd);	/* the profile fd holds its own VM reference */
	return c->prof_fd < 0 ? -1 : 0;
}

int (*collector_open_profile)(struct collector *c,
			      const struct kvm_profile_config *cfg) = open_profile;

int collector_prepare(struct collector *c, const struct record_opts *o)
{
	struct vm_info vm;

	if (vm_resolve(o->vm_spec, &vm))
		return -1;
	return collector_prepare_vm(c, o, &vm);
}

int collector_prepare_vm(struct collector *c, const struct record_opts *o,
			 struct vm_info *vm)
{
	struct kvm_profile_config cfg;

	memset(c, 0, sizeof(*c));
	c->o = *o;
	c->vm = *vm;		/* the collector owns its vCPU list now */
	vm->vcpus = NULL;
	vm->nvcpus = 0;
	c->prof_fd = c->ctl_fd = c->input_fd = c->stop_client = -1;
	agent_conns_init(&c->agent);
	build_config(o, &cfg);
	/*
	 * The switches before the profile: a wait the first records report
	 * may start before it opens.  The start right after the open: the
	 * report leaves out records older than the start, and the CPU-wide
	 * events opened between the two took 2.3 s once in a busy emulated
	 * host, 2.3 s of records that fell outside the window.
	 */
	switch_rec_open(&c->switches, &c->vm);
	if (collector_open_profile(c, &cfg))
		goto fail;
	c->start_ns = mono_ns();
	switch_rec_warn(&c->switches);
	if (df_backup_old(o->output) || df_writer_open(&c->w, o->output))
		goto fail;
	if (put_meta(c, &cfg))
		goto fail;
	/* this host's /proc, debugfs and cgroupfs; the tests pass a fake root */
	culprit_rec_init(&c->culprits, "", &c->vm);
	if (culprit_rec_tick(&c->culprits, &c->w, c->start_ns))
		goto fail;
	kvm_stats_init(&c->kstats, "", &c->vm);
	if (kvm_stats_tick(&c->kstats, &c->w, mono_ns()))
		goto fail;
	put_kallsyms(c);
	if (df_flush_records(&c->w))
		goto fail;
	if (!o->no_agent) {
		/* --vm all: one port cannot take every VM's agent; dial only */
		if (!o->no_listen)
			agent_listen(&c->agent, o->agent_port, c->vm.guest_cid);
		if (c->vm.guest_cid)
			agent_dial_vsock(&c->agent, c->vm.guest_cid,
					 GUEST_AGENT_PORT);
	}
	return 0;
fail:
	if (c->prof_fd >= 0)
		close(c->prof_fd);
	if (c->w.f)
		df_writer_close(&c->w, NULL);
	kvm_stats_free(&c->kstats);
	culprit_rec_free(&c->culprits);
	switch_rec_close(&c->switches);
	vm_info_free(&c->vm);
	return -1;
}

static u64 count_records(struct collector *c, const u8 *p, size_t len)
{
	struct kvm_profile_record_header h;
	struct kvm_profile_lost l;
	u64 before = c->records;
	size_t off = 0;

	while (off + sizeof(h) <= len) {
		memcpy(&h, p + off, sizeof(h));
		if (h.size < sizeof(h) || h.size > len - off)
			break;
		if (h.type == KVM_PROFILE_RECORD_LOST && h.size >= sizeof(l)) {
			memcpy(&l, p + off, sizeof(l));
			c->lost += l.lost;
		}
		c->records++;
		off += h.size;
	}
	return c->records - before;
}

/*
 * The context switches so far, as a SWITCH chunk, and the TASK chunk of
 * the threads they named: written ahead of the records of the same time.
 */
static int drain_switches(struct collector *c)
{
	if (!c->switches.on)
		return 0;
	switch_rec_drain(&c->switches, &c->culprits, mono_ns());
	if (culprit_rec_flush(&c->culprits, &c->w))
		return -1;
	return switch_rec_flush(&c->switches, &c->w);
}

/* Read until the fd is empty; returns 1 at EOF (VM gone), 0, or -1. */
static int drain(struct collector *c, u8 *buf)
{
	ssize_t n;

	if (drain_switches(c))
		return -1;
	for (;;) {
		n = read(c->prof_fd, buf, READ_BUF_SIZE);
		if (n > 0) {
			c->bytes += (u64)n;
			culprit_rec_scan(&c->culprits, buf, (size_t)n, mono_ns());
			if (culprit_rec_flush(&c->culprits, &c->w))
				return -1;
			if (df_write_records(&c->w, buf, (size_t)n,
					     count_records(c, buf, (size_t)n)))
				return -1;
			continue;
		}
		if (n == 0)
			return 1;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		c->read_error = errno;
		pr_err("reading the profile fd failed: %s", strerror(errno));
		return -1;
	}
}

void collector_status(const struct collector *c, char *buf, size_t len)
{
	u64 el = mono_ns() - c->start_ns;

	char sw[96] = "";

	if (c->switches.on)
		snprintf(sw, sizeof(sw), ", %llu switches, %llu switches lost",
			 (unsigned long long)c->switches.switches,
			 (unsigned long long)c->switches.lost);
	snprintf(buf, len, "vm %s pid %d: %s for %llu.%01llu s, %llu records, %llu lost, %llu bytes, %llu agent bytes%s",
		 c->vm.name[0] ? c->vm.name : "?", (int)c->vm.pid,
		 c->o.output, (unsigned long long)(el / NSEC_PER_SEC),
		 (unsigned long long)(el / 100000000ULL % 10),
		 (unsigned long long)c->records, (unsigned long long)c->lost,
		 (unsigned long long)c->bytes, (unsigned long long)c->agent.bytes,
		 sw);
}

void collector_result(const struct collector *c, int ret, char *buf, size_t len)
{
	char st[512], why[300];

	collector_status(c, st, sizeof(st));
	if (!ret) {
		snprintf(buf, len, "%s %s", c->vm_exited ? "VM exited;" : "recorded", st);
		return;
	}
	if (c->w.error)
		snprintf(why, sizeof(why), "cannot write %s: %s", c->o.output,
			 strerror(c->w.error));
	else if (c->read_error)
		snprintf(why, sizeof(why), "reading the profile fd failed: %s",
			 strerror(c->read_error));
	else
		snprintf(why, sizeof(why), "closing %s failed", c->o.output);
	/* The counts of the status are read from the kernel, not written. */
	snprintf(buf, len, "failed: %s; %s holds %llu of the %llu records read (%llu bytes), 'vmprofctl report' reads them; %s",
		 why, c->o.output, (unsigned long long)c->w.records_written,
		 (unsigned long long)c->records,
		 (unsigned long long)c->w.bytes_written, st);
}

/*
 * Elapsed time, records and bytes on one line, short enough for 80
 * columns: the status line names the file too, and a wrapped line is not
 * rewritten in place.
 */
static void progress(struct collector *c)
{
	u64 el = mono_ns() - c->start_ns;

	progress_show(&c->meter, "recording %.32s: %llu.%01llu s, %llu records, %llu lost, %.1f MiB",
		      c->vm.name[0] ? c->vm.name : "?",
		      (unsigned long long)(el / NSEC_PER_SEC),
		      (unsigned long long)(el / 100000000ULL % 10),
		      (unsigned long long)c->records,
		      (unsigned long long)c->lost,
		      (double)c->w.bytes_written / (1 << 20));
}

static bool time_up(const struct collector *c, u64 now)
{
	return c->o.duration > 0 &&
	       now - c->start_ns >= (u64)(c->o.duration * 1e9);
}

int collector_turn(struct collector *c, int timeout_ms)
{
	struct pollfd pfd[3 + AGENT_MAX_POLLFDS + SWITCH_MAX_POLLFDS];
	int ret, n, nfd, nag;
	u64 now;

	if (!c->buf) {
		c->buf = xmalloc(READ_BUF_SIZE);
		c->last_flush = mono_ns();
		c->meter = (struct progress){ .on = c->progress };
	}
	pfd[0] = (struct pollfd){ .fd = c->prof_fd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = c->ctl_fd, .events = POLLIN };
	pfd[2] = (struct pollfd){ .fd = c->input_fd, .events = POLLIN };
	nag = agent_pollfds(&c->agent, pfd + 3);
	nfd = 3 + nag;
	/* a ring half full wakes the loop (the rest is read every turn) */
	nfd += switch_rec_pollfds(&c->switches, pfd + nfd, SWITCH_MAX_POLLFDS);
	n = poll(pfd, (nfds_t)nfd, timeout_ms);
	if (n < 0 && errno != EINTR)
		return -1;
	ret = drain(c, c->buf);
	if (ret)
		return ret;
	/* Orphaned VM: the kernel says HUP; don't spin if read disagrees. */
	if (n > 0 && pfd[0].revents & POLLHUP)
		return 1;
	if (n > 0 && c->ctl_fd >= 0 && pfd[1].revents & POLLIN)
		collector_control(c);
	if (n > 0 && agent_service(&c->agent, pfd + 3, &c->w))
		return -1;
	now = mono_ns();
	if (now - c->last_flush >= FLUSH_NS) {
		if (culprit_rec_tick(&c->culprits, &c->w, now))
			return -1;
		if (kvm_stats_tick(&c->kstats, &c->w, now))
			return -1;
		if (df_flush_records(&c->w))
			return -1;
		c->last_flush = now;
	}
	progress(c);	/* a few times a second, on a terminal */
	return 0;
}

static int loop(struct collector *c)
{
	int ret;

	for (;;) {
		ret = collector_turn(c, POLL_MS);
		if (ret)
			return ret;
		if (collector_stop)
			return 0;
		if (time_up(c, mono_ns())) {
			c->end_reason = DF_END_DURATION;
			return 0;
		}
	}
}

int collector_run(struct collector *c)
{
	c->end_reason = DF_END_STOPPED;
	return collector_finish(c, loop(c));
}

int collector_finish(struct collector *c, int ret)
{
	struct df_end end = { 0 };

	if (!c->buf)
		c->buf = xmalloc(READ_BUF_SIZE);
	if (ret == 0)	/* final drain: records written before the stop */
		ret = drain(c, c->buf);
	else if (ret == 1)	/* HUP: take what is left, EOF or not */
		drain(c, c->buf);
	if (ret == 1) {
		c->vm_exited = true;
		c->end_reason = DF_END_VM_EXITED;
		ret = 0;
	}
	if (collector_stop && c->end_reason == DF_END_STOPPED && c->stop_client < 0)
		c->end_reason = DF_END_SIGNAL;
	/*
	 * The records end with the last drain.  Closing the profile fd tears
	 * down its perf events and buffers (27-39 ms in the emulated test
	 * bed): a stop time taken after it made a vCPU that was preempted at
	 * the end look preempted for that long too.  KVM's statistics are
	 * read before it, so that their last read falls in the recording.
	 */
	kvm_stats_tick(&c->kstats, &c->w, mono_ns());
	end.stop_ns = mono_ns();
	if (drain_switches(c))
		ret = -1;
	switch_rec_close(&c->switches);
	culprit_rec_tick(&c->culprits, &c->w, end.stop_ns);
	close(c->prof_fd);
	c->prof_fd = -1;
	agent_conns_close(&c->agent);
	end.records = c->records;
	end.lost = c->lost;
	end.bytes = c->bytes;
	end.reason = c->end_reason;
	if (df_writer_close(&c->w, &end))
		ret = -1;
	kvm_stats_free(&c->kstats);
	culprit_rec_free(&c->culprits);
	/* the result line that follows says it all: no progress left above it */
	progress_clear(&c->meter);
	free(c->buf);
	c->buf = NULL;
	return ret;
}
