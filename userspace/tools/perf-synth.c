// SPDX-License-Identifier: GPL-2.0
/*
 * perf-synth: write a perf.data (file format v2, "PERFILE2") with N
 * cpu-clock samples shaped like vmprof-synth's (user/kernel IPs over V vCPU
 * threads), so bench/report.sh can time "perf report" on the same number
 * of samples.  The samples are marked host user/kernel, not guest: perf
 * report drops guest samples it has no guest machine for, and the point is
 * to time it on every sample.
 *   perf-synth -o FILE [-n SAMPLES] [-v VCPUS] [-f HZ]
 */
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define NFUNCS 64

struct file_section {
	u64 offset;
	u64 size;
};

struct file_header {
	u64 magic;
	u64 size;
	u64 attr_size;
	struct file_section attrs;
	struct file_section data;
	struct file_section event_types;
	u64 adds_features[4];
};

struct file_attr {
	struct perf_event_attr attr;
	struct file_section ids;
};

struct sample_rec {
	struct perf_event_header h;
	u64 ip;
	u32 pid, tid;
	u64 time;
	u64 period;
};

struct comm_rec {
	struct perf_event_header h;
	u32 pid, tid;
	char comm[16];
};

static void put(FILE *f, const void *p, size_t n)
{
	if (fwrite(p, 1, n, f) != n) {
		perror("perf-synth: write");
		exit(1);
	}
}

static u64 write_comms(FILE *f, u32 nvcpus)
{
	struct comm_rec c;
	u32 v;

	for (v = 0; v < nvcpus; v++) {
		memset(&c, 0, sizeof(c));
		c.h.type = PERF_RECORD_COMM;
		c.h.size = sizeof(c);
		c.pid = 4242;
		c.tid = 5000 + v;
		snprintf(c.comm, sizeof(c.comm), "CPU %u/KVM", v % 1000);
		put(f, &c, sizeof(c));
	}
	return (u64)nvcpus * sizeof(c);
}

static void fill_sample(struct sample_rec *r, u64 i, u32 nvcpus, u64 period)
{
	u32 kind = (u32)((i * 2654435761ULL) >> 8) % 10;
	u64 fn = ((i / nvcpus) * 2654435761ULL) % NFUNCS;

	r->h.type = PERF_RECORD_SAMPLE;
	r->h.size = sizeof(*r);
	r->pid = 4242;
	r->tid = 5000 + (u32)(i % nvcpus);
	r->time = NSEC_PER_SEC + (i / nvcpus) * period + i % nvcpus;
	r->period = period;
	if (kind < 6) {
		r->h.misc = PERF_RECORD_MISC_USER;
		r->ip = 0x400000 + fn * 0x40;
	} else if (kind < 9) {
		r->h.misc = PERF_RECORD_MISC_KERNEL;
		r->ip = 0xffffffff81000000ULL + fn * 0x100;
	} else {
		r->h.misc = PERF_RECORD_MISC_KERNEL;
		r->ip = 0xffffffffc0001010ULL + (fn % 2) * 0x1000;
	}
}

int main(int argc, char **argv)
{
	struct file_header fh = { 0 };
	struct file_attr fa = { 0 };
	u64 n = 10000000, hz = 1000, i, data = 0;
	struct sample_rec r = { 0 };
	const char *out = NULL;
	u32 nvcpus = 10;
	FILE *f;
	int c;

	while ((c = getopt(argc, argv, "o:n:v:f:")) != -1) {
		if (c == 'o')
			out = optarg;
		else if (c == 'n')
			n = strtoull(optarg, NULL, 0);
		else if (c == 'v')
			nvcpus = (u32)strtoul(optarg, NULL, 0);
		else if (c == 'f')
			hz = strtoull(optarg, NULL, 0);
		else
			return 2;
	}
	if (!out || !nvcpus || !hz) {
		fprintf(stderr, "usage: perf-synth -o FILE [-n SAMPLES] [-v VCPUS] [-f HZ]\n");
		return 2;
	}
	f = fopen(out, "wb");
	if (!f)
		return 1;
	fa.attr.type = PERF_TYPE_SOFTWARE;
	fa.attr.size = sizeof(fa.attr);
	fa.attr.config = PERF_COUNT_SW_CPU_CLOCK;
	fa.attr.sample_period = NSEC_PER_SEC / hz;
	fa.attr.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
			      PERF_SAMPLE_PERIOD;
	fseek(f, sizeof(fh) + sizeof(fa), SEEK_SET);
	data += write_comms(f, nvcpus);
	for (i = 0; i < n; i++) {
		fill_sample(&r, i, nvcpus, NSEC_PER_SEC / hz);
		put(f, &r, sizeof(r));
		data += sizeof(r);
	}
	fh.magic = 0x32454c4946524550ULL;	/* "PERFILE2" */
	fh.size = sizeof(fh);
	fh.attr_size = sizeof(fa);
	fh.attrs = (struct file_section){ sizeof(fh), sizeof(fa) };
	fh.data = (struct file_section){ sizeof(fh) + sizeof(fa), data };
	rewind(f);
	put(f, &fh, sizeof(fh));
	put(f, &fa, sizeof(fa));
	return fclose(f) ? 1 : 0;
}
