// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile and damaged data files: every case must end in a clear error or
 * a warning plus a partial report, never a crash (run under valgrind by
 * make check).
 */
#include <fcntl.h>
#include <stddef.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc32c.h"
#include "test_common.h"

#define F "test_input.data"
#define ERRF "test_input.err"

static int saved_err = -1;

static void capture_begin(void)
{
	int fd = open(ERRF, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	fflush(stderr);
	saved_err = dup(2);
	dup2(fd, 2);
	close(fd);
}

/* Stop capturing; returns what was written to stderr (static buffer). */
static const char *capture_end(void)
{
	static char buf[4096];

	fflush(stderr);
	dup2(saved_err, 2);
	close(saved_err);
	if (read_small_file(ERRF, buf, sizeof(buf)) < 0)
		buf[0] = '\0';
	unlink(ERRF);
	return buf;
}

static struct synth_sample guest_sample(u64 t)
{
	return (struct synth_sample){
		.time = t, .vcpu = 0, .tid = 11,
		.flags = KVM_PROFILE_S_IN_GUEST | KVM_PROFILE_S_GUEST_VALID,
		.rip = 0xffffffff81000000ULL,
	};
}

/* Three RECORDS chunks of 10 samples each, then END. */
static void write_good(void)
{
	struct synth_vm vm = { .name = "v", .pid = 10, .period_ns = MS,
			       .start_ns = T0, .flags = 3 };
	struct synth_sample s;
	struct synth sy;
	int c, i;

	synth_open(&sy, F, &vm);
	for (c = 0; c < 3; c++) {
		for (i = 0; i < 10; i++) {
			s = guest_sample(T0 + (u64)(c * 10 + i) * MS);
			synth_sample(&sy, &s);
		}
		synth_flush(&sy);
	}
	synth_close(&sy, T0 + 30 * MS);
}

static void poke(off_t off, const void *p, size_t len)
{
	int fd = open(F, O_WRONLY);

	if (pwrite(fd, p, len, off) != (ssize_t)len)
		perror("pwrite");
	close(fd);
}

static int load(struct analysis *a)
{
	analysis_init(a, NULL);
	return analysis_load(a, F);
}

/* Offset of the n-th chunk header (0 = META). */
static off_t chunk_off(int n)
{
	struct df_chunk_header ch;
	off_t off = sizeof(struct df_file_header);
	int fd = open(F, O_RDONLY);

	while (n-- > 0 && pread(fd, &ch, sizeof(ch), off) == sizeof(ch))
		off += (off_t)(sizeof(ch) + ch.length);
	close(fd);
	return off;
}

static void test_good(void)
{
	struct analysis a;
	const char *err;

	write_good();
	capture_begin();
	ok(load(&a) == 0, "good file loads");
	err = capture_end();
	is_u64(a.samples_total, 30, "good file: 30 samples");
	is_str(err, "", "good file: no warnings");
	analysis_free(&a);
}

static void test_truncated(void)
{
	struct analysis a;
	const char *err;

	write_good();
	ok(truncate(F, chunk_off(4) - 100) == 0, "truncate inside the third records chunk");
	capture_begin();
	ok(load(&a) == 0, "truncated file still reports");
	err = capture_end();
	is_u64(a.samples_total, 20, "truncated: the 20 samples of whole chunks");
	ok(strstr(err, "truncated chunk") != NULL, "truncated: warning names the damage");
	analysis_free(&a);

	ok(truncate(F, 10) == 0, "truncate inside the file header");
	capture_begin();
	ok(load(&a) != 0, "header-only fragment is an error");
	err = capture_end();
	ok(strstr(err, "too short") != NULL, "short file: clear error");
	analysis_free(&a);
}

static void test_header_errors(void)
{
	struct df_file_header h;
	struct analysis a;
	const char *err;

	write_good();
	poke(0, "NOTVMPRF", 8);
	capture_begin();
	ok(load(&a) != 0, "wrong magic rejected");
	err = capture_end();
	ok(strstr(err, "not a vmprofctl data file") != NULL, "wrong magic: clear error");
	analysis_free(&a);

	write_good();
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, DF_MAGIC, 8);
	h.version_major = DF_VERSION_MAJOR + 1;
	h.header_size = sizeof(h);
	h.header_crc = crc32c(0, &h, offsetof(struct df_file_header, header_crc));
	poke(0, &h, sizeof(h));
	capture_begin();
	ok(load(&a) != 0, "unknown major version rejected");
	err = capture_end();
	ok(strstr(err, "version 3.0 is not supported") != NULL, "wrong version: clear error");
	analysis_free(&a);

	write_good();
	poke(20, "\x55", 1);
	capture_begin();
	ok(load(&a) != 0, "header checksum mismatch rejected");
	err = capture_end();
	ok(strstr(err, "checksum") != NULL, "bad header checksum: clear error");
	analysis_free(&a);
}

static void test_bad_chunks(void)
{
	struct df_chunk_header ch;
	struct analysis a;
	const char *err;
	off_t off;

	write_good();
	poke(chunk_off(2) + (off_t)sizeof(ch) + 40, "\xff\xff", 2);
	capture_begin();
	ok(load(&a) == 0, "payload checksum mismatch: loads");
	err = capture_end();
	is_u64(a.samples_total, 20, "bad payload checksum: that chunk skipped, others kept");
	ok(strstr(err, "bad checksum; skipping it") != NULL, "bad payload checksum: warning");
	analysis_free(&a);

	write_good();
	off = chunk_off(2);
	poke(off + 4, "\x00\x00\x00\x7f", 4);	/* length, header crc now wrong */
	capture_begin();
	load(&a);
	err = capture_end();
	is_u64(a.samples_total, 10, "corrupt chunk header: stops there");
	ok(strstr(err, "corrupt chunk header") != NULL, "corrupt chunk header: warning");
	analysis_free(&a);

	write_good();
	off = chunk_off(2);
	ch = (struct df_chunk_header){ .type = DF_CHUNK_RECORDS, .length = DF_MAX_CHUNK + 1 };
	ch.header_crc = crc32c(0, &ch, offsetof(struct df_chunk_header, header_crc));
	poke(off, &ch, sizeof(ch));
	capture_begin();
	load(&a);
	err = capture_end();
	is_u64(a.samples_total, 10, "oversized chunk length: stops there");
	ok(strstr(err, "oversized chunk") != NULL, "oversized chunk: warning");
	analysis_free(&a);
}

/* Write one RECORDS chunk holding p, after a META chunk. */
static void write_records(const void *p, size_t len)
{
	struct synth_vm vm = { .name = "v", .pid = 10, .period_ns = MS,
			       .start_ns = T0, .flags = 3 };
	struct synth sy;

	synth_open(&sy, F, &vm);
	df_write_chunk(&sy.w, DF_CHUNK_RECORDS, p, (u32)len);
	synth_close(&sy, 0);
}

static void test_bad_records(void)
{
	struct kvm_profile_sample s[3];
	struct analysis a;
	const char *err;
	int i;

	memset(s, 0, sizeof(s));
	for (i = 0; i < 3; i++) {
		s[i].hdr.type = KVM_PROFILE_RECORD_SAMPLE;
		s[i].hdr.size = sizeof(s[0]);
		s[i].hdr.time_ns = T0 + (u64)i;
		s[i].flags = KVM_PROFILE_S_IN_GUEST | KVM_PROFILE_S_GUEST_VALID;
	}
	s[1].hdr.size = 60000;	/* oversized: past the chunk */
	write_records(s, sizeof(s));
	capture_begin();
	ok(load(&a) == 0, "oversized record size: loads");
	err = capture_end();
	is_u64(a.samples_total, 1, "oversized record size: records before it kept");
	ok(a.st.malformed > 0 && strstr(err, "malformed") != NULL,
	   "oversized record size: counted and warned");
	analysis_free(&a);

	s[1].hdr.size = 4;	/* smaller than the header */
	write_records(s, sizeof(s));
	capture_begin();
	load(&a);
	capture_end();
	is_u64(a.samples_total, 1, "record size below header: stops that chunk");
	ok(a.st.malformed > 0, "record size below header: counted");
	analysis_free(&a);

	s[1].hdr.size = 24;	/* a SAMPLE too small for its type */
	memmove((u8 *)&s[1] + 24, &s[2], sizeof(s[2]));
	write_records(s, 2 * sizeof(s[0]) + 24);
	capture_begin();
	load(&a);
	capture_end();
	is_u64(a.samples_total, 2, "short SAMPLE skipped by its size, next one read");
	is_u64(a.st.malformed, 1, "short SAMPLE counted as malformed");
	analysis_free(&a);
}

static void test_garbage(void)
{
	struct df_file_header h;
	struct analysis a;
	u8 junk[4096];
	const char *err;
	size_t i;
	int fd;

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (u8)(i * 131 + 7);
	fd = open(F, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ok(write(fd, junk, sizeof(junk)) == sizeof(junk), "write a garbage file");
	close(fd);
	capture_begin();
	ok(load(&a) != 0, "garbage file rejected");
	err = capture_end();
	ok(strstr(err, "not a vmprofctl data file") != NULL, "garbage: clear error");
	analysis_free(&a);

	/* A valid header followed by garbage. */
	write_good();
	fd = open(F, O_RDWR);
	ok(pread(fd, &h, sizeof(h), 0) == sizeof(h), "read header");
	ok(ftruncate(fd, sizeof(h)) == 0 && pwrite(fd, junk, sizeof(junk), sizeof(h)) ==
	   sizeof(junk), "header + garbage");
	close(fd);
	capture_begin();
	ok(load(&a) == 0, "header + garbage: loads an empty report");
	err = capture_end();
	is_u64(a.samples_total, 0, "header + garbage: nothing counted");
	ok(strstr(err, "corrupt chunk header") != NULL, "header + garbage: warning");
	analysis_free(&a);

	capture_begin();
	analysis_init(&a, NULL);
	ok(analysis_load(&a, "/nonexistent/file.data") != 0, "missing file is an error");
	err = capture_end();
	ok(strstr(err, "cannot open /nonexistent/file.data") != NULL, "missing file: clear error");
	analysis_free(&a);
}

static void test_meta(void)
{
	struct df_meta_entry e = { .tag = DF_META_VM_NAME, .length = 1000 };
	struct synth_vm vm = { .name = "v", .pid = 10, .period_ns = MS,
			       .start_ns = T0, .flags = 3 };
	struct analysis a;
	struct synth sy;
	struct buf b = { 0 };

	synth_open(&sy, F, &vm);
	buf_append(&b, &e, sizeof(e));
	buf_append(&b, "abc", 3);
	df_write_chunk(&sy.w, DF_CHUNK_META, b.data, (u32)b.len);
	df_write_chunk(&sy.w, 77, "future", 6);	/* unknown chunk type */
	synth_close(&sy, T0 + MS);
	buf_free(&b);
	capture_begin();
	ok(load(&a) == 0, "bad META entry length and unknown chunk type: loads");
	capture_end();
	is_str(a.vm_name, "v", "good META entries before the bad one kept");
	ok(a.st.malformed == 1, "bad META entry counted");
	analysis_free(&a);
}

/* Records with mixed types, for mutation: packed, or raw when @raw. */
static void write_mixed(bool raw)
{
	struct synth_vm vm = { .name = "m", .pid = 10, .period_ns = MS,
			       .start_ns = T0,
			       .flags = KVM_PROFILE_F_SAMPLES | KVM_PROFILE_F_SCHED |
					KVM_PROFILE_F_HOST_SAMPLES };
	struct synth_sample s;
	struct synth sy;
	int i;

	synth_open(&sy, F, &vm);
	sy.w.raw_records = raw;
	for (i = 0; i < 40; i++) {
		s = guest_sample(T0 + (u64)i * MS);
		s.vcpu = (u32)i % 3;
		s.cpu = (u32)i % 2;
		s.flags |= (u32)i & 0xff;
		s.isa = (u8)(i % 3);
		s.exit = (u64)i;
		s.host_ip = 0xffffffff81000000ULL + (u64)i;
		synth_sample(&sy, &s);
		if (i % 5 == 0) {
			synth_sched_out(&sy, T0 + (u64)i * MS, 0, (u32)i % 3, 11,
					1 + (u32)i % 4, 12, "x");
			synth_sched_in(&sy, T0 + (u64)i * MS + 100, 1, (u32)i % 3, 11);
			synth_lost(&sy, T0, (u32)i, 1);
		}
	}
	synth_close(&sy, T0 + 50 * MS);
}

/* Flip bytes of chunk 1's payload (RECORDS, or SWITCH) and fix its checksums. */
static void mutate(unsigned int seed)
{
	struct df_chunk_header ch;
	off_t off = chunk_off(1);
	int fd = open(F, O_RDWR), i;
	u8 *p;

	if (pread(fd, &ch, sizeof(ch), off) != sizeof(ch) || ch.length > (1U << 20)) {
		close(fd);
		return;
	}
	p = xmalloc(ch.length);
	if (pread(fd, p, ch.length, off + (off_t)sizeof(ch)) != (ssize_t)ch.length)
		memset(p, 0, ch.length);
	for (i = 0; i < 1 + (int)(seed % 16); i++) {
		seed = seed * 1103515245 + 12345;
		p[(seed >> 8) % ch.length] = (u8)(seed >> 16);
	}
	ch.payload_crc = crc32c(0, p, ch.length);
	ch.header_crc = crc32c(0, &ch, offsetof(struct df_chunk_header, header_crc));
	if (pwrite(fd, &ch, sizeof(ch), off) != sizeof(ch) ||
	    pwrite(fd, p, ch.length, off + (off_t)sizeof(ch)) != (ssize_t)ch.length)
		perror("pwrite");
	free(p);
	close(fd);
}

static void all_views(void)
{
	struct analysis a;
	struct doc d = { 0 };

	analysis_init(&a, NULL);
	timeline_attach(&a, T0, 5 * MS, 20);
	analysis_load(&a, F);
	report_unified(&a, &d);
	report_host(&a, &d);
	report_steal(&a, &d);
	report_exits(&a, &d);
	report_timeline(&a, &d);
	free(doc_string(&d, FMT_JSON));
	free(doc_string(&d, FMT_TEXT));
	doc_free(&d);
	analysis_free(&a);
}

static void test_mutations(void)
{
	unsigned int seed;

	capture_begin();
	for (seed = 1; seed <= 300; seed++) {
		write_mixed(true);
		mutate(seed);
		all_views();
	}
	capture_end();
	ok(1, "300 mutated raw record streams (RECORDS) with valid checksums: every view, no crash");
	capture_begin();
	for (seed = 1; seed <= 300; seed++) {
		write_mixed(false);
		mutate(seed);
		all_views();
	}
	capture_end();
	ok(1, "300 mutated packed record streams (RECORDS_PACKED) with valid checksums: every view, no crash");
}

/*
 * A 1.2 recording: a SWITCH chunk (chunk 1, after META), then sched
 * records with run_delay whose waits the switches name.
 */
static void write_switches(void)
{
	static const u32 tids[] = { 11, 12 };
	struct synth_vm vm = { .name = "s", .pid = 10, .period_ns = MS,
			       .start_ns = T0,
			       .flags = KVM_PROFILE_F_SAMPLES | KVM_PROFILE_F_SCHED,
			       .nvcpus = 2, .vcpu_tids = tids, .culprits = true,
			       .switches = SYNTH_SWITCHES_ON };
	struct df_switch e[64];
	struct synth sy;
	int i;

	for (i = 0; i < 64; i++)
		e[i] = (struct df_switch){
			.time_ns = T0 + (u64)i * MS / 2, .cpu = (u32)i % 3,
			.prev_tid = i % 4 ? 30 + (u32)i % 5 : tids[i % 2],
			.next_tid = i % 4 == 1 ? tids[i % 2] : 40 + (u32)i % 3,
			.flags = (u16)(i % 3 == 0 ? DF_SWITCH_PREEMPT :
				       i == 37 ? DF_SWITCH_LOST : 0),
		};
	synth_open(&sy, F, &vm);
	df_write_chunk(&sy.w, DF_CHUNK_SWITCH, e, sizeof(e));
	for (i = 0; i < 8; i++) {
		synth_sched_out_rd(&sy, T0 + (u64)i * 4 * MS, (u32)i % 3, (u32)i % 2,
				   tids[i % 2], KVM_PROFILE_SCHED_USERSPACE, 0, "",
				   (u64)i * MS);
		synth_sched_in_rd(&sy, T0 + (u64)i * 4 * MS + 3 * MS, (u32)i % 3,
				  (u32)i % 2, tids[i % 2], (u64)i * MS + 2 * MS);
	}
	synth_close(&sy, T0 + 50 * MS);
}

static void test_switch_mutations(void)
{
	struct analysis a;
	unsigned int seed;

	write_switches();
	capture_begin();
	ok(load(&a) == 0 && a.swh.entries == 63 && a.swh.lost == 12,
	   "switches: 63 switches and a loss read before the mutations");
	capture_end();
	analysis_free(&a);
	capture_begin();
	for (seed = 1; seed <= 200; seed++) {
		write_switches();
		mutate(seed * 7919);
		all_views();
	}
	capture_end();
	ok(1, "200 mutated SWITCH chunks with valid checksums: every view, no crash");
}

/*
 * A 2.1 recording: a KVM_STAT chunk (chunk 1, after META) of @n entries
 * of @e (or 4 good ones), then sched records with halts.
 */
static void write_kstat(const struct df_kvm_stat *e, size_t len)
{
	static const u32 tids[] = { 11, 12 };
	struct synth_vm vm = { .name = "k", .pid = 10, .period_ns = MS,
			       .start_ns = T0,
			       .flags = KVM_PROFILE_F_SAMPLES | KVM_PROFILE_F_SCHED,
			       .nvcpus = 2, .vcpu_tids = tids };
	struct df_kvm_stat good[4];
	struct synth sy;
	int i;

	for (i = 0; i < 4; i++)
		good[i] = (struct df_kvm_stat){
			.time_ns = T0 + (u64)(i / 2) * 40 * MS,
			.vcpu_id = i % 2 ? DF_KVM_STAT_VM : 0,
			.stat = DF_KVM_STAT_HALT_WAIT_NS,
			.value = (u64)i * 7 * MS,
		};
	synth_open(&sy, F, &vm);
	df_write_chunk(&sy.w, DF_CHUNK_KVM_STAT, e ? (const void *)e : good,
		       e ? (u32)len : sizeof(good));
	for (i = 0; i < 8; i++) {
		synth_sched_out_rd(&sy, T0 + (u64)i * 5 * MS, (u32)i % 2, (u32)i % 2,
				   tids[i % 2], KVM_PROFILE_SCHED_HALTED, 0, "",
				   (u64)i * MS);
		synth_sched_in_rd(&sy, T0 + (u64)i * 5 * MS + 3 * MS, (u32)i % 2,
				  (u32)i % 2, tids[i % 2], (u64)i * MS + MS);
	}
	synth_close(&sy, T0 + 50 * MS);
}

static void breakdown_view(void)
{
	struct analysis a;
	struct doc d = { 0 };

	analysis_init(&a, NULL);
	breakdown_prepare(&a, NULL);
	analysis_load(&a, F);
	report_breakdown(&a, &d);
	free(doc_string(&d, FMT_JSON));
	free(doc_string(&d, FMT_TEXT));
	doc_free(&d);
	analysis_free(&a);
}

static void test_kstat(void)
{
	const struct kstat_series *s, *vm;
	struct df_kvm_stat e[5];
	struct analysis a;
	unsigned int seed;
	int i;

	write_kstat(NULL, 0);
	capture_begin();
	ok(load(&a) == 0, "KVM_STAT: loads");
	capture_end();
	s = kvm_stat_series(&a, 0);
	vm = kvm_stat_series(&a, DF_KVM_STAT_VM);
	ok(s && s->n == 2 && vm && vm->n == 2 && !a.st.malformed,
	   "KVM_STAT: two reads of vCPU 0, two of the VM, nothing malformed");
	ok(!kvm_stat_series(&a, 1), "KVM_STAT: vCPU 1 has none");
	analysis_free(&a);

	for (i = 0; i < 5; i++)
		e[i] = (struct df_kvm_stat){
			.time_ns = T0 + (u64)i * MS, .vcpu_id = 0,
			.stat = DF_KVM_STAT_HALT_WAIT_NS, .value = (u64)i,
		};
	e[1].vcpu_id = DF_KVM_STAT_MAX_VCPU;	/* out of bounds */
	e[2].stat = 99;				/* a later recorder's */
	e[3].time_ns = T0 - MS;			/* back in time */
	write_kstat(e, sizeof(e) - 5);		/* and a cut last entry */
	capture_begin();
	ok(load(&a) == 0, "malformed KVM_STAT entries: loads");
	capture_end();
	s = kvm_stat_series(&a, 0);
	ok(s && s->n == 1 && s->r[0].value == 0,
	   "malformed KVM_STAT: only the first entry kept");
	is_u64(a.st.malformed, 3,
	       "a cut chunk, a vCPU id past 4096 and a read back in time are malformed; an unknown stat is skipped quietly");
	analysis_free(&a);

	capture_begin();
	for (seed = 1; seed <= 200; seed++) {
		write_kstat(NULL, 0);
		mutate(seed * 104729);
		all_views();
		breakdown_view();
	}
	capture_end();
	ok(1, "200 mutated KVM_STAT chunks with valid checksums: every view and the breakdown, no crash");
}

/* CRC-32C a bit at a time: what the fast paths must agree with. */
static u32 crc32c_bitwise(u32 crc, const u8 *p, size_t len)
{
	int k;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = crc & 1 ? crc >> 1 ^ 0x82f63b78U : crc >> 1;
	}
	return ~crc;
}

static void test_crc(void)
{
	static const size_t lens[] = { 0, 7, 24575, 24576, 24583, 49152,
				       100000, 1U << 20 };
	u8 big[1000], *huge = xmalloc((1U << 20) + 3);
	u32 whole, split;
	size_t i, bad = 0;

	is_u64(crc32c(0, "123456789", 9), 0xe3069283, "crc32c check value");
	for (i = 0; i < sizeof(big); i++)
		big[i] = (u8)(i * 7);
	whole = crc32c(0, big, sizeof(big));
	split = crc32c(crc32c(0, big, 333), big + 333, sizeof(big) - 333);
	is_u64(split, whole, "crc32c is incremental");
	/* Past 3 x 8 KiB the SSE4.2 path runs three streams and joins them. */
	for (i = 0; i < (1U << 20) + 3; i++)
		huge[i] = (u8)(i * 131 + (i >> 9));
	for (i = 0; i < ARRAY_SIZE(lens); i++)
		bad += crc32c(5, huge + 3, lens[i]) !=
		       crc32c_bitwise(5, huge + 3, lens[i]);
	ok(!bad, "crc32c of 0 B to 1 MiB, unaligned, equals a bitwise crc");
	free(huge);
}

int main(void)
{
	test_crc();
	test_good();
	test_truncated();
	test_header_errors();
	test_bad_chunks();
	test_bad_records();
	test_garbage();
	test_meta();
	test_mutations();
	test_switch_mutations();
	test_kstat();
	unlink(F);
	return tap_done();
}
