// SPDX-License-Identifier: GPL-2.0
/*
 * RECORDS_PACKED (docs/data-format.md): kernel records packed and decoded
 * again are the same bytes, for random and adversarial records; damaged
 * packed payloads decode to a prefix of whole records, never past their
 * bounds; files written packed, raw (1.3 with VMPROFCTL_RAW_RECORDS) and
 * as 1.0-1.2 wrote them give the same report.
 */
#include <fcntl.h>
#include <stddef.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc32c.h"
#include "records_pack.h"
#include "test_common.h"

#define F "test_pack.data"
#define FR "test_pack_raw.data"
#define ERRF "test_pack.err"

static u64 rng = 88172645463325252ULL;

static u64 rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A value that is often the same, often small, sometimes anything. */
static u64 pick(u64 same, unsigned int mode)
{
	switch (rnd() % (mode ? mode : 4)) {
	case 0:
		return same;
	case 1:
		return rnd() % 300;
	case 2:
		return same + rnd() % 5000 - 2500;
	default:
		return rnd();
	}
}

static void rnd_fill(u8 *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (u8)rnd();
}

static const u16 types[] = { KVM_PROFILE_RECORD_SAMPLE, KVM_PROFILE_RECORD_LOST,
			     KVM_PROFILE_RECORD_SCHED_OUT, KVM_PROFILE_RECORD_SCHED_IN };
static const u16 sizes[] = { sizeof(struct kvm_profile_sample),
			     sizeof(struct kvm_profile_lost),
			     sizeof(struct kvm_profile_sched_out),
			     sizeof(struct kvm_profile_sched_in) };

/*
 * Append one record: mostly known types of their exact size whose fields
 * repeat the previous record's or not, sometimes unknown types, larger or
 * smaller sizes, random bytes everywhere (pads included).
 */
static void add_record(struct buf *b, unsigned int mode, u32 ncpus)
{
	static u8 prev[4][KVM_PROFILE_RECORD_MAX_SIZE];
	static u64 t[8], seq[8];
	struct kvm_profile_record_header h;
	u8 rec[KVM_PROFILE_RECORD_MAX_SIZE];
	unsigned int k = (unsigned int)(rnd() % 4), i;
	u16 size = sizes[k];
	u32 c;

	memcpy(rec, prev[k], sizeof(rec));
	switch (rnd() % 16) {
	case 0:		/* unknown type, any size */
		size = (u16)(sizeof(h) + rnd() % (sizeof(rec) - sizeof(h) + 1));
		rnd_fill(rec, size);
		h.type = (u16)(5 + rnd() % 100);
		break;
	case 1:		/* a known type, a longer or shorter size */
		size = (u16)(sizeof(h) + rnd() % (sizeof(rec) - sizeof(h) + 1));
		rnd_fill(rec, size);
		h.type = types[k];
		break;
	case 2:		/* everything random */
		rnd_fill(rec, size);
		h.type = types[k];
		break;
	default:	/* a few fields changed */
		for (i = 0; i < 1 + rnd() % 4; i++) {
			unsigned int at = sizeof(h) + (unsigned int)(rnd() % (size - sizeof(h)));
			u64 v = pick(0, mode);

			memcpy(rec + at, &v, size - at < 8 ? size - at : 8);
		}
		h.type = types[k];
		break;
	}
	c = (u32)(rnd() % ncpus);
	h.size = size;
	h.cpu = rnd() % 50 ? c : (u32)rnd();
	t[c % 8] = pick(t[c % 8] + rnd() % 2000000, mode);
	seq[c % 8] = rnd() % 8 ? seq[c % 8] + 1 : pick(seq[c % 8], mode);
	h.time_ns = t[c % 8];
	h.seq = seq[c % 8];
	memcpy(rec, &h, sizeof(h));
	if (h.type == types[k] && size == sizes[k])
		memcpy(prev[k], rec, size);
	buf_append(b, rec, size);
}

/* Pack and decode @len bytes: 1 when the decode is byte-identical. */
static int round_trip(const u8 *p, size_t len, size_t *packed_len)
{
	struct buf pk = { 0 }, un = { 0 };
	int same;

	same = !records_pack(&pk, p, len) && !records_unpack(&un, pk.data, pk.len) &&
	       un.len == len && (!len || !memcmp(un.data, p, len));
	if (packed_len)
		*packed_len = pk.len;
	buf_free(&pk);
	buf_free(&un);
	return same;
}

static void test_round_trip(void)
{
	struct buf b = { 0 };
	unsigned int i, n, bad = 0, mode;

	for (i = 0; i < 400; i++) {
		b.len = 0;
		mode = 1 + i % 6;
		for (n = 0; n < 1 + rnd() % 300; n++)
			add_record(&b, mode, 1 + i % 300);
		bad += !round_trip(b.data, b.len, NULL);
	}
	ok(!bad, "400 random record streams (known, unknown and odd-sized types, random cpus, times, seqs): packed and decoded byte-identical");
	if (bad)
		printf("#   %u differ\n", bad);
	ok(round_trip(NULL, 0, NULL), "an empty stream round-trips");
	buf_free(&b);
}

static void test_adversarial(void)
{
	u8 rec[4 * KVM_PROFILE_RECORD_MAX_SIZE];
	struct kvm_profile_sample s;
	struct kvm_profile_record_header h;
	struct buf b = { 0 }, pk = { 0 };
	unsigned int k, j, bad = 0;

	/* Every field at its maximum, then at 0, then at the maximum: the largest deltas. */
	for (k = 0; k < 4; k++) {
		b.len = 0;
		for (j = 0; j < 6; j++) {
			memset(rec, j % 2 ? 0 : 0xff, sizes[k]);
			h = (struct kvm_profile_record_header){
				.type = types[k], .size = sizes[k],
				.cpu = j % 3 ? 0xffffffffU : 0,
				.time_ns = j % 2 ? 0 : ~0ULL,
				.seq = j % 2 ? ~0ULL : 0 };
			memcpy(rec, &h, sizeof(h));
			buf_append(&b, rec, sizes[k]);
		}
		bad += !round_trip(b.data, b.len, NULL);
	}
	ok(!bad, "extreme values (all ones, all zeros, cpu 2^32-1, time and seq wrapping): byte-identical");

	/* cpus that share a context (cpu % 256) and cpu 0 after others */
	b.len = 0;
	memset(&s, 0, sizeof(s));
	s.hdr.type = KVM_PROFILE_RECORD_SAMPLE;
	s.hdr.size = sizeof(s);
	for (j = 0; j < 64; j++) {
		s.hdr.cpu = (j % 4) * 256;
		s.hdr.time_ns += 1000 * j;
		s.hdr.seq = j / 2;
		s.guest_rip = j % 3 ? 0xffffffff81000000ULL + j : 0x400000 + j;
		buf_append(&b, &s, sizeof(s));
	}
	ok(round_trip(b.data, b.len, NULL), "pCPUs sharing a context, seqs repeating: byte-identical");

	/* a record of the largest size, one of the header's size */
	b.len = 0;
	rnd_fill(rec, KVM_PROFILE_RECORD_MAX_SIZE);
	h = (struct kvm_profile_record_header){ .type = 1, .size = KVM_PROFILE_RECORD_MAX_SIZE };
	memcpy(rec, &h, sizeof(h));
	buf_append(&b, rec, h.size);
	h.size = sizeof(h);
	buf_append(&b, &h, sizeof(h));
	ok(round_trip(b.data, b.len, NULL), "a 256-byte SAMPLE and a header-only record: byte-identical");

	/* not whole records: the writer keeps them raw */
	buf_append(&b, rec, 10);
	ok(records_pack(&pk, b.data, b.len) == -1 && pk.len == 0,
	   "a stream ending inside a record is not packed");
	memcpy(rec, &h, sizeof(h));
	((struct kvm_profile_record_header *)rec)->size = 4;
	ok(records_pack(&pk, rec, sizeof(h)) == -1 && pk.len == 0,
	   "a record size below the header is not packed");
	((struct kvm_profile_record_header *)rec)->size = 200;
	ok(records_pack(&pk, rec, 100) == -1, "a record size past the stream is not packed");
	buf_free(&b);
	buf_free(&pk);
}

/* The records of one vCPU thread on its pCPUs, as a guest produces them. */
static void realistic(struct buf *b, u32 n, u32 vcpus)
{
	struct kvm_profile_sample s;
	u64 t = T0;
	u32 i, v;

	memset(&s, 0, sizeof(s));
	s.hdr.type = KVM_PROFILE_RECORD_SAMPLE;
	s.hdr.size = sizeof(s);
	memcpy(s.comm, "CPU 0/KVM", 9);
	s.pid = 4242;
	for (i = 0; i < n; i++) {
		v = (u32)(rnd() % vcpus);
		t += MS / vcpus + rnd() % 20000;
		s.hdr.cpu = v;
		s.hdr.time_ns = t;
		s.hdr.seq = i / vcpus;
		s.vcpu_id = v;
		s.tid = 4300 + v;
		s.flags = KVM_PROFILE_S_IN_KVM_RUN | KVM_PROFILE_S_IN_GUEST |
			  KVM_PROFILE_S_GUEST_VALID | KVM_PROFILE_S_EXIT_VALID;
		if (rnd() % 3) {
			s.guest_rip = 0xffffffff81000000ULL + rnd() % 0x800000;
			s.guest_cpl = 0;
		} else {
			s.guest_rip = 0x555555554000ULL + rnd() % 0x100000;
			s.guest_cpl = 3;
			s.flags |= KVM_PROFILE_S_GUEST_USER;
			s.guest_cr3 = 0x100000000ULL + (rnd() % 16) * 0x1000;
		}
		s.exit_isa = KVM_PROFILE_ISA_VMX;
		s.exit_reason = rnd() % 4 ? 1 : 48;
		s.host_ip = 0xffffffffc0a00000ULL + rnd() % 4 * 0x10;
		buf_append(b, &s, sizeof(s));
	}
}

static void test_size(void)
{
	struct buf b = { 0 };
	size_t len;

	realistic(&b, 10000, 4);
	ok(round_trip(b.data, b.len, &len), "10000 guest samples of 4 vCPUs: byte-identical");
	ok(len * 10 / 10000 <= 350, "guest samples: at most 35 bytes a sample packed");
	printf("#   %.1f bytes a sample (raw %zu)\n", (double)len / 10000,
	       sizeof(struct kvm_profile_sample));
	buf_free(&b);
}

/* Whole records from the start of @p, as a reader walks them. */
static int whole_records(const u8 *p, size_t len)
{
	struct kvm_profile_record_header h;
	size_t off = 0;

	while (off < len) {
		if (len - off < sizeof(h))
			return 0;
		memcpy(&h, p + off, sizeof(h));
		if (h.size < sizeof(h) || h.size > len - off)
			return 0;
		off += h.size;
	}
	return 1;
}

static void test_damaged(void)
{
	struct buf b = { 0 }, pk = { 0 }, un = { 0 }, mut = { 0 };
	struct df_packed_header ph;
	unsigned int bad_prefix = 0, bad_trunc = 0, bad_mut = 0, i, n, j;
	size_t cut;

	for (n = 0; n < 200; n++)
		add_record(&b, 3, 8);
	records_pack(&pk, b.data, b.len);
	for (cut = 0; cut < pk.len; cut++) {
		if (!records_unpack(&un, pk.data, cut))
			bad_trunc++;
		if (un.len > b.len || (un.len && memcmp(un.data, b.data, un.len)) ||
		    !whole_records(un.data, un.len))
			bad_prefix++;
	}
	ok(!bad_trunc, "a packed payload cut at any byte is damaged");
	ok(!bad_prefix, "cut at any byte: decodes a prefix of whole records of the original");

	for (i = 0; i < 3000; i++) {
		mut.len = 0;
		buf_append(&mut, pk.data, pk.len);
		for (j = 0; j < 1 + rnd() % 8; j++)
			mut.data[rnd() % mut.len] = (u8)rnd();
		records_unpack(&un, mut.data, mut.len);
		memcpy(&ph, mut.data, sizeof(ph));
		if (un.len > ph.raw_length || !whole_records(un.data, un.len))
			bad_mut++;
	}
	ok(!bad_mut, "3000 mutated packed payloads: whole records, never past the length they announce");

	memcpy(&ph, pk.data, sizeof(ph));
	ph.raw_length = DF_MAX_CHUNK + 1;
	memcpy(pk.data, &ph, sizeof(ph));
	ok(records_unpack(&un, pk.data, pk.len) == -1 && un.len == 0,
	   "raw_length over 64 MiB: refused, nothing decoded");
	ph.raw_length = (u32)b.len;
	ph.records = (u32)(b.len / 24 + 1);
	memcpy(pk.data, &ph, sizeof(ph));
	ok(records_unpack(&un, pk.data, pk.len) == -1 && un.len == 0,
	   "more records than the raw length can hold: refused");
	ph.records = 199;
	memcpy(pk.data, &ph, sizeof(ph));
	ok(records_unpack(&un, pk.data, pk.len) == -1 && un.len < b.len &&
	   !memcmp(un.data, b.data, un.len), "one record fewer announced: damaged, the prefix kept");
	ph.records = 200;
	ph.raw_length = (u32)b.len - 1;
	memcpy(pk.data, &ph, sizeof(ph));
	ok(records_unpack(&un, pk.data, pk.len) == -1 && un.len <= b.len - 1,
	   "a raw length one byte short: damaged, never written past it");
	ok(records_unpack(&un, pk.data, 3) == -1 && un.len == 0,
	   "a payload shorter than its header: damaged");
	/* an overlong varint: eleven continuation bytes */
	mut.len = 0;
	ph = (struct df_packed_header){ .raw_length = 96, .records = 1 };
	buf_append(&mut, &ph, sizeof(ph));
	buf_append(&mut, "\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01\x00", 13);
	ok(records_unpack(&un, mut.data, mut.len) == -1 && un.len == 0,
	   "a varint longer than 64 bits: damaged");
	mut.len = sizeof(ph);
	buf_append(&mut, "\x01\x00\x80\x40", 4);	/* bitmap bit 13: past the fields */
	ok(records_unpack(&un, mut.data, mut.len) == -1, "a bitmap naming a field the type lacks: damaged");
	mut.len = sizeof(ph);
	buf_append(&mut, "\x21\x00\x00", 3);	/* a reserved op bit */
	ok(records_unpack(&un, mut.data, mut.len) == -1, "a reserved op bit: damaged");
	mut.len = sizeof(ph);
	buf_append(&mut, "\x01\x00\x04\x80\x80\x04", 6);	/* flags (u32) of 2^16 */
	ok(records_unpack(&un, mut.data, mut.len) == 0 && un.len == 96,
	   "a 32-bit field of 2^16 decodes");
	mut.len = sizeof(ph);
	buf_append(&mut, "\x01\x00\x04\x80\x80\x80\x80\x10", 8);	/* flags of 2^32 */
	ok(records_unpack(&un, mut.data, mut.len) == -1, "a 32-bit field of 2^32: damaged");
	buf_free(&b);
	buf_free(&pk);
	buf_free(&un);
	buf_free(&mut);
}

/* ---- files ---- */

static int saved_err = -1;

static void capture_begin(void)
{
	int fd = open(ERRF, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	fflush(stderr);
	saved_err = dup(2);
	dup2(fd, 2);
	close(fd);
}

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

/* A recording of 3 vCPUs with sched records and losses, packed or raw. */
static void write_file(const char *path, bool raw)
{
	struct synth_vm vm = { .name = "p", .pid = 10, .period_ns = MS,
			       .start_ns = T0,
			       .flags = KVM_PROFILE_F_SAMPLES | KVM_PROFILE_F_SCHED };
	struct synth_sample s;
	struct synth sy;
	int i;

	synth_open(&sy, path, &vm);
	sy.w.raw_records = raw;
	for (i = 0; i < 3000; i++) {
		s = (struct synth_sample){
			.time = T0 + (u64)i * MS / 3, .cpu = (u32)i % 3,
			.vcpu = (u32)i % 3, .tid = 11 + (u32)i % 3,
			.flags = KVM_PROFILE_S_IN_GUEST | KVM_PROFILE_S_GUEST_VALID |
				 KVM_PROFILE_S_IN_KVM_RUN,
			.rip = 0xffffffff81000000ULL + (u64)(i % 97) * 0x40,
		};
		synth_sample(&sy, &s);
		if (i % 50 == 7) {
			synth_sched_out(&sy, s.time + 10, s.cpu, s.vcpu, s.tid,
					KVM_PROFILE_SCHED_HALTED, 0, NULL);
			synth_sched_in(&sy, s.time + 20000, s.cpu, s.vcpu, s.tid);
		}
		if (i % 1000 == 999) {
			synth_lost(&sy, s.time, s.cpu, 3);
			synth_flush(&sy);
		}
	}
	synth_close(&sy, T0 + 1100 * MS);
}

static char *report_json(const char *path)
{
	struct analysis a;
	struct doc d = { 0 };
	char *s;

	analysis_init(&a, NULL);
	analysis_load(&a, path);
	report_unified(&a, &d);
	report_steal(&a, &d);
	report_exits(&a, &d);
	s = doc_string(&d, FMT_JSON);
	doc_free(&d);
	analysis_free(&a);
	return s;
}

/* Chunk types of the file, and the RECORDS payloads the reader returns. */
static void scan(const char *path, unsigned int *packed, unsigned int *raw,
		 struct buf *records)
{
	struct df_reader r;
	struct df_chunk c;

	*packed = *raw = 0;
	if (df_reader_open(&r, path))
		return;
	while (df_next_chunk(&r, &c) > 0) {
		if (c.type != DF_CHUNK_RECORDS)
			continue;
		*packed += c.packed;
		*raw += !c.packed;
		if (records)
			buf_append(records, c.data, c.length);
	}
	df_reader_close(&r);
}

static void set_minor(const char *path, u16 minor)
{
	struct df_file_header h;
	int fd = open(path, O_RDWR);

	if (pread(fd, &h, sizeof(h), 0) != sizeof(h))
		perror("pread");
	h.version_minor = minor;
	h.header_crc = crc32c(0, &h, offsetof(struct df_file_header, header_crc));
	if (pwrite(fd, &h, sizeof(h), 0) != sizeof(h))
		perror("pwrite");
	close(fd);
}

static void test_files(void)
{
	struct buf rp = { 0 }, rr = { 0 };
	unsigned int np, nr, np2, nr2;
	char *jp, *jr, *jo;
	struct stat sp, sr;
	struct df_reader r;
	struct df_chunk c;
	u64 off = 0;
	u16 minor;

	capture_begin();	/* the files' losses are warned of */
	write_file(F, false);
	write_file(FR, true);
	scan(F, &np, &nr, &rp);
	scan(FR, &np2, &nr2, &rr);
	ok(np == 3 && nr == 0, "the writer packs RECORDS chunks by default");
	ok(np2 == 0 && nr2 == 3, "raw_records writes RECORDS chunks raw");
	ok(rp.len == rr.len && rp.len && !memcmp(rp.data, rr.data, rp.len),
	   "the records read from the packed file are the raw file's, byte for byte");
	ok(!stat(F, &sp) && !stat(FR, &sr) && sp.st_size * 3 < sr.st_size,
	   "the packed file is less than a third of the raw one");
	printf("#   packed %lld bytes, raw %lld\n", (long long)sp.st_size,
	       (long long)sr.st_size);
	jp = report_json(F);
	jr = report_json(FR);
	ok(jp && jr && !strcmp(jp, jr), "packed and raw files: the same report");

	/* The files of 1.0-1.2 hold raw RECORDS chunks. */
	for (minor = 0; minor <= 2; minor++) {
		set_minor(FR, minor);
		jo = report_json(FR);
		ok(jo && !strcmp(jo, jr), "a 1.%u file (raw records) reads as before", minor);
		free(jo);
	}
	free(jp);
	free(jr);

	/* df_chunk_at (vmprofctl top) decodes a packed chunk by its offset. */
	ok(!df_reader_open(&r, F), "open the packed file");
	while (df_next_chunk(&r, &c) > 0)
		if (c.type == DF_CHUNK_RECORDS && !off)
			off = c.offset;
	ok(off && df_chunk_at(&r, off, &c) == 1 && c.type == DF_CHUNK_RECORDS &&
	   c.packed && c.length <= rr.len && !memcmp(c.data, rr.data, c.length),
	   "df_chunk_at: a packed chunk, decoded");
	df_reader_rewind(&r);
	r.only_type = DF_CHUNK_RECORDS;
	np = 0;
	while (df_next_chunk(&r, &c) > 0)
		np += c.type == DF_CHUNK_RECORDS && c.packed;
	ok(np == 3, "only_type RECORDS returns the packed chunks too");
	df_reader_close(&r);
	capture_end();
	buf_free(&rp);
	buf_free(&rr);
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

/* Rewrite chunk @n's payload through @fn, checksums made valid again. */
static void rewrite_chunk(int n, void (*fn)(u8 *p, u32 *len, unsigned int seed),
			  unsigned int seed)
{
	struct df_chunk_header ch;
	off_t off = chunk_off(n);
	int fd = open(F, O_RDWR);
	u8 *p;
	u32 len;

	if (pread(fd, &ch, sizeof(ch), off) != sizeof(ch) || ch.length > (1U << 20)) {
		close(fd);
		return;
	}
	p = xmalloc(ch.length);
	if (pread(fd, p, ch.length, off + (off_t)sizeof(ch)) != (ssize_t)ch.length)
		memset(p, 0, ch.length);
	len = ch.length;
	fn(p, &len, seed);
	/* same length: the chunks after it stay where they are */
	ch.payload_crc = crc32c(0, p, ch.length);
	ch.header_crc = crc32c(0, &ch, offsetof(struct df_chunk_header, header_crc));
	if (pwrite(fd, &ch, sizeof(ch), off) != sizeof(ch) ||
	    pwrite(fd, p, ch.length, off + (off_t)sizeof(ch)) != (ssize_t)ch.length)
		perror("pwrite");
	free(p);
	close(fd);
}

/* The packed stream's bytes from the middle on: zeros (a bad op). */
static void zero_tail(u8 *p, u32 *len, unsigned int seed)
{
	(void)seed;
	memset(p + *len / 2, 0xe0, *len - *len / 2);
}

static void flip(u8 *p, u32 *len, unsigned int seed)
{
	int i;

	for (i = 0; i < 1 + (int)(seed % 16); i++) {
		seed = seed * 1103515245 + 12345;
		p[(seed >> 8) % *len] = (u8)(seed >> 16);
	}
}

static void test_damaged_file(void)
{
	struct analysis a;
	const char *err;
	unsigned int seed;
	u64 all;

	write_file(F, false);
	capture_begin();
	analysis_init(&a, NULL);
	analysis_load(&a, F);
	all = a.samples_total;
	analysis_free(&a);
	capture_end();
	rewrite_chunk(2, zero_tail, 0);	/* chunk 2: the second RECORDS_PACKED */
	capture_begin();
	analysis_init(&a, NULL);
	ok(analysis_load(&a, F) == 0, "a packed chunk damaged in its second half, checksum valid: loads");
	err = capture_end();
	ok(a.samples_total > all - 1000 && a.samples_total < all,
	   "damaged packed chunk: the samples before the damage kept, the other chunks whole");
	ok(strstr(err, "packed records at offset") && strstr(err, "damaged"),
	   "damaged packed chunk: warned");
	analysis_free(&a);

	capture_begin();
	for (seed = 1; seed <= 150; seed++) {
		struct doc d = { 0 };

		write_file(F, false);
		rewrite_chunk(1 + seed % 3, flip, seed);
		analysis_init(&a, NULL);
		timeline_attach(&a, T0, 5 * MS, 20);
		analysis_load(&a, F);
		report_unified(&a, &d);
		report_steal(&a, &d);
		report_timeline(&a, &d);
		free(doc_string(&d, FMT_JSON));
		doc_free(&d);
		analysis_free(&a);
	}
	capture_end();
	ok(1, "150 files with mutated packed chunks, checksums valid: every view, no crash");
}

int main(void)
{
	test_round_trip();
	test_adversarial();
	test_size();
	test_damaged();
	test_files();
	test_damaged_file();
	unlink(F);
	unlink(FR);
	return tap_done();
}
