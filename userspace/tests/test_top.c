// SPDX-License-Identifier: GPL-2.0
/*
 * vmprofctl top's frames, from a data file whose every millisecond is
 * known, read as top reads it: followed chunk by chunk, a window at a
 * time.  In the window 1-2 s, vCPU 0 spends 30% in guest user, 20% in
 * guest kernel, 10% in exit handling, 5% in the VMM, 5% halted and 30%
 * preempted by "hostburn"; vCPU 1 was preempted by hostburn 0.8 s into
 * the recording and gets its pCPU back at 2.5 s: the record that opens
 * its wait is in a chunk wholly before the window, which only its last
 * sched record outlives.  The frame's rows must say exactly that, name
 * hostburn as the culprit, escape a hostile guest symbol, fit the
 * terminal, and agree with 'report --time-from 1 --time-to 2'.  The file
 * is also followed while it is written, a chunk cut short at its end.
 * Another file's host interrupts on a vCPU thread are culprits there too.
 */
#include <fcntl.h>
#include <unistd.h>

#include "live.h"
#include "test_common.h"
#include "top.h"

#define FILE_T "test_top.data"
#define FILE_F "test_top_follow.data"
#define FILE_I "test_top_irq.data"
#define HOG_TID 7777
#define CR3 0x1234000ULL
/* a guest symbol with a terminal title escape in its name */
#define EVIL "evil\033]0;pwned\007_fn"

static const u32 tids[] = { 101, 102 };

static void sample(struct synth *s, u64 t, u32 vcpu, u32 flags, u64 ip)
{
	struct synth_sample in = {
		.time = t, .cpu = vcpu, .vcpu = vcpu, .tid = tids[vcpu],
		.flags = flags | KVM_PROFILE_S_IN_KVM_RUN, .cr3 = CR3,
	};

	if (flags & KVM_PROFILE_S_IN_GUEST) {
		in.rip = ip;
		in.cpl = flags & KVM_PROFILE_S_GUEST_USER ? 3 : 0;
	} else {
		in.host_ip = ip;
		in.isa = KVM_PROFILE_ISA_VMX;
		in.exit = 30;
	}
	synth_sample(s, &in);
}

#define USER (KVM_PROFILE_S_IN_GUEST | KVM_PROFILE_S_GUEST_VALID | \
	      KVM_PROFILE_S_GUEST_USER)
#define KERNEL (KVM_PROFILE_S_IN_GUEST | KVM_PROFILE_S_GUEST_VALID)
#define EXIT KVM_PROFILE_S_EXIT_VALID
#define VMM KVM_PROFILE_S_HOST_USER

/* @n samples of @vcpu, one a millisecond from @ms into the recording. */
static void run(struct synth *s, u32 vcpu, u64 ms, u64 n, u32 flags, u64 ip)
{
	u64 i;

	for (i = 0; i < n; i++)
		sample(s, T0 + (ms + i) * MS, vcpu, flags, ip);
}

/* Three chunks: 0-1 s, 1-2 s, 2-3 s of the recording. */
static void write_file(void)
{
	struct synth_vm vm = {
		.name = "topvm", .pid = 4242, .period_ns = MS, .start_ns = T0,
		.flags = KVM_PROFILE_F_SAMPLES | KVM_PROFILE_F_SCHED,
		.nvcpus = 2, .vcpu_tids = tids,
	};
	struct synth s;

	synth_open(&s, FILE_T, &vm);
	run(&s, 0, 0, 1000, USER, 0x401000);
	run(&s, 1, 0, 800, KERNEL, 0xffffffff81001010ULL);
	synth_sched_out(&s, T0 + 800 * MS, 1, 1, tids[1],
			KVM_PROFILE_SCHED_PREEMPTED, HOG_TID, "hostburn");
	synth_flush(&s);
	run(&s, 0, 1000, 300, USER, 0x401000);
	run(&s, 0, 1300, 200, KERNEL, 0xffffffff81001010ULL);
	run(&s, 0, 1500, 100, EXIT, 0xffffffffc0001010ULL);
	run(&s, 0, 1600, 50, VMM, 0x400000);
	synth_sched_out(&s, T0 + 1650 * MS, 0, 0, tids[0],
			KVM_PROFILE_SCHED_HALTED, 0, "swapper/0");
	synth_sched_in(&s, T0 + 1700 * MS, 0, 0, tids[0]);
	synth_sched_out(&s, T0 + 1700 * MS, 0, 0, tids[0],
			KVM_PROFILE_SCHED_PREEMPTED, HOG_TID, "hostburn");
	synth_flush(&s);
	synth_sched_in(&s, T0 + 2000 * MS, 0, 0, tids[0]);
	run(&s, 0, 2000, 1000, USER, 0x401000);
	synth_sched_in(&s, T0 + 2500 * MS, 1, 1, tids[1]);
	run(&s, 1, 2500, 500, KERNEL, 0xffffffff81001010ULL);
	synth_close(&s, T0 + 3000 * MS);
}

static struct top_screen screen(enum top_view v, unsigned int sort)
{
	return (struct top_screen){
		.view = v, .sort = sort, .source = "file " FILE_T,
		.delay_s = 1, .ended = true,
	};
}

/* The frame's line that starts with @prefix, or "". */
static const char *line_of(const struct top_frame *f, const char *prefix)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (!strncmp(f->lines[i], prefix, strlen(prefix)))
			return f->lines[i];
	return "";
}

/* The first row of the view: the line after the column titles. */
static const char *first_row(const struct top_frame *f)
{
	return f->n > 5 ? f->lines[5] : "";
}

static bool printable(const struct top_frame *f)
{
	const unsigned char *p;
	size_t i;

	for (i = 0; i < f->n; i++)
		for (p = (const unsigned char *)f->lines[i]; *p; p++)
			if (*p < 0x20 || *p == 0x7f)
				return false;
	return true;
}

static size_t chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void frame(struct live *l, u64 from_s, const struct top_screen *s,
		  struct top_frame *f)
{
	struct analysis w;

	live_window_open(l, &w, T0 + from_s * NSEC_PER_SEC,
			 T0 + (from_s + 1) * NSEC_PER_SEC);
	top_attach(&w);
	live_window_read(l, &w);
	top_frame_build(&w, s, f);
	live_window_close(l, &w);
}

/* The window's per-vCPU numbers are report --time-from S --time-to S+1's. */
static void same_as_report(struct live *l, u64 from_s)
{
	struct filter f = {
		.vcpu = -1, .pid = -1, .has_from = true, .has_to = true,
		.from_s = (double)from_s, .to_s = (double)from_s + 1,
	};
	struct analysis w, r;
	bool same = true;
	u32 v;

	live_window_open(l, &w, T0 + from_s * NSEC_PER_SEC,
			 T0 + (from_s + 1) * NSEC_PER_SEC);
	live_window_read(l, &w);
	analysis_init(&r, &f);
	analysis_load(&r, FILE_T);
	for (v = 0; v < 2; v++) {
		same &= w.vcpus[v].os == r.vcpus[v].os &&
			w.vcpus[v].user == r.vcpus[v].user &&
			w.vcpus[v].host == r.vcpus[v].host &&
			w.vcpus[v].steal_ns == r.vcpus[v].steal_ns &&
			w.vcpus[v].halt_ns == r.vcpus[v].halt_ns;
		if (!same)
			printf("#   vcpu%u: steal %llu vs %llu, halt %llu vs %llu\n",
			       v, (unsigned long long)w.vcpus[v].steal_ns,
			       (unsigned long long)r.vcpus[v].steal_ns,
			       (unsigned long long)w.vcpus[v].halt_ns,
			       (unsigned long long)r.vcpus[v].halt_ns);
	}
	ok(same, "window %llu-%llu s: each vCPU's samples, steal and halt are report --time-from %llu --time-to %llu's",
	   (unsigned long long)from_s, (unsigned long long)from_s + 1,
	   (unsigned long long)from_s, (unsigned long long)from_s + 1);
	analysis_free(&r);
	live_window_close(l, &w);
}

static void test_window(void)
{
	struct top_screen s = screen(TOP_VCPUS, 0);
	struct top_frame f;
	struct live l;
	int n;

	ok(!live_open(&l, FILE_T), "live_open reads the data file");
	n = live_poll(&l);
	ok(n == 5, "live_poll: META, 3 RECORDS, END (%d chunks)", n);
	ok(l.ended && l.nchunks == 3, "the recording ended, 3 record chunks (%zu)",
	   l.nchunks);
	/* The guest's symbols, as an agent or --guest-kallsyms gives them. */
	symtab_add(&l.base.guest.kernel, 0xffffffff81001000ULL, EVIL, NULL);

	frame(&l, 1, &s, &f);
	is_str(f.lines[1],
	       "1.0-2.0 s of the recording (1.0 s), every 1.0 s: 650 samples, 0 records lost; the recording ended",
	       "vcpus: the window line");
	is_str(line_of(&f, "vcpu0 "),
	       "vcpu0       101    30.0    20.0    10.0     5.0     5.0    30.0  (outside: hostburn) 30.0%",
	       "vcpus: vcpu0 30/20/10/5% sampled, 5% halted, 30% stolen by hostburn");
	is_str(line_of(&f, "vcpu1 "),
	       "vcpu1       102     0.0     0.0     0.0     0.0     0.0   100.0  (outside: hostburn) 100.0%",
	       "vcpus: vcpu1 preempted by hostburn all the window, from before it");
	ok(l.settled == 1, "the chunk before the window is dropped (%zu)",
	   l.settled);
	is_str(first_row(&f), line_of(&f, "vcpu0 "), "vcpus: sorted by vcpu id");
	top_frame_free(&f);

	s.sort = 6;
	frame(&l, 1, &s, &f);
	is_str(f.lines[2], "vcpus view, sorted by steal: rows 1-2 of 2",
	       "vcpus: s cycles to the steal sort");
	ok(!strncmp(first_row(&f), "vcpu1 ", 6), "vcpus by steal: vcpu1 first");
	top_frame_free(&f);

	s = screen(TOP_CULPRITS, 0);
	frame(&l, 1, &s, &f);
	is_str(first_row(&f), "  1000.000   100.0         1  vcpu1   (outside: hostburn)",
	       "culprits: hostburn on vcpu1, the heaviest, first");
	is_str(f.lines[6], "   300.000    30.0         1  vcpu0   (outside: hostburn)",
	       "culprits: hostburn on vcpu0, 300 ms");
	top_frame_free(&f);

	s = screen(TOP_FUNCTIONS, 0);
	frame(&l, 1, &s, &f);
	is_str(first_row(&f), "    300    60.0  [guest.user]         [unknown] 0x401000",
	       "functions: guest user, 300 of the 500 guest samples");
	is_str(f.lines[6], "    200    40.0  [guest.kernel]       evil\\x1b]0;pwned\\x07_fn",
	       "functions: the hostile guest symbol, escaped");
	ok(printable(&f), "functions: no control character reaches the terminal");
	top_frame_free(&f);

	s = screen(TOP_PROCESSES, 0);
	frame(&l, 1, &s, &f);
	is_str(first_row(&f), "    500   100.0     300     200       -  [cr3 0x1234000]",
	       "processes: without an agent, the page-table root");
	top_frame_free(&f);

	s = screen(TOP_FUNCTIONS, 0);
	s.cols = 40;
	s.rows = 7;
	s.paused = true;
	frame(&l, 1, &s, &f);
	ok(f.n == 7, "a 40x7 terminal: 7 lines (%zu)", f.n);
	ok(chars(f.lines[1]) == 40 && chars(f.lines[5]) == 40,
	   "a 40x7 terminal: long lines cut to 40 characters");
	is_str(f.lines[2], "functions view, sorted by samples: rows ",
	       "a 40x7 terminal: the view line, cut");
	ok(!strncmp(f.lines[6], "keys: q quit", 12), "a 40x7 terminal: the keys on the last line");
	top_frame_free(&f);
	s.cols = 80;
	frame(&l, 1, &s, &f);
	is_str(f.lines[2], "functions view, sorted by samples: rows 1-1 of 2  [paused]",
	       "an 80x7 terminal: 1 of the 2 rows fits, paused");
	top_frame_free(&f);

	same_as_report(&l, 1);
	s = screen(TOP_VCPUS, 0);
	frame(&l, 2, &s, &f);
	is_str(line_of(&f, "vcpu1 "),
	       "vcpu1       102     0.0    50.0     0.0     0.0     0.0    50.0  (outside: hostburn) 50.0%",
	       "the next window: vcpu1 stolen until 2.5 s, then in the guest kernel");
	ok(f.n == 7, "a batch frame: every row, no keys (%zu lines)", f.n);
	top_frame_free(&f);
	same_as_report(&l, 2);
	live_close(&l);
}

/* The file as it is being written: a chunk cut short waits for its end. */
static void test_follow(void)
{
	int in = open(FILE_T, O_RDONLY), out;
	off_t size = lseek(in, 0, SEEK_END), cut = 4096;
	char *buf = xmalloc((size_t)size);
	struct live l;
	int n1, n2;

	ok(pread(in, buf, (size_t)size, 0) == size, "read the data file");
	close(in);
	out = open(FILE_F, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ok(write(out, buf, (size_t)cut) == cut, "write its first 4 KiB");
	ok(!live_open(&l, FILE_F), "follow the file being written");
	n1 = live_poll(&l);
	ok(n1 >= 1 && !l.broken && l.nchunks == 0,
	   "a chunk cut short is not read yet, and no damage (%d chunks)", n1);
	ok(write(out, buf + cut, (size_t)(size - cut)) == size - cut,
	   "write the rest");
	n2 = live_poll(&l);
	ok(n1 + n2 == 5 && l.nchunks == 3 && l.ended && !l.broken,
	   "then it is read whole, with the rest (%d + %d chunks)", n1, n2);
	ok(live_end_ns(&l) == T0 + 3000 * MS, "the file covers 3 s");
	close(out);
	live_close(&l);
	free(buf);
	unlink(FILE_F);
}

/*
 * The culprits view names the host interrupts vCPU 0's thread served in
 * the window 1-2 s: 100 samples in softirq, 20 in hardirq (classes
 * softirq and irq, from samples: no interval).
 */
static void test_irq(void)
{
	struct synth_vm vm = {
		.name = "topvm", .pid = 4242, .period_ns = MS, .start_ns = T0,
		.flags = KVM_PROFILE_F_SAMPLES | KVM_PROFILE_F_SCHED,
		.nvcpus = 1, .vcpu_tids = tids,
	};
	struct top_screen sc = screen(TOP_CULPRITS, 0);
	struct top_frame f;
	struct synth s;
	struct live l;

	synth_open(&s, FILE_I, &vm);
	run(&s, 0, 0, 1000, USER, 0x401000);
	synth_flush(&s);
	run(&s, 0, 1000, 100, KVM_PROFILE_S_HOST_SOFTIRQ, 0xffffffff81300010ULL);
	run(&s, 0, 1100, 20, KVM_PROFILE_S_HOST_HARDIRQ, 0xffffffff81400010ULL);
	run(&s, 0, 1120, 880, USER, 0x401000);
	synth_flush(&s);
	run(&s, 0, 2000, 1000, USER, 0x401000);
	synth_close(&s, T0 + 3000 * MS);
	ok(!live_open(&l, FILE_I), "live_open reads the irq file");
	live_poll(&l);
	frame(&l, 1, &sc, &f);
	is_str(first_row(&f), "   100.000    10.0         0  vcpu0   (softirq)",
	       "culprits: vcpu0's thread in host softirq 10% of the window");
	is_str(f.n > 6 ? f.lines[6] : "", "    20.000     2.0         0  vcpu0   (irq)",
	       "culprits: and in hardirq 2%");
	top_frame_free(&f);
	live_close(&l);
	unlink(FILE_I);
}

int main(void)
{
	write_file();
	test_window();
	test_follow();
	test_irq();
	unlink(FILE_T);
	return tap_done();
}
