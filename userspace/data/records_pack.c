// SPDX-License-Identifier: GPL-2.0
/*
 * RECORDS_PACKED (docs/data-format.md): each record of a known type and
 * size is stored as what differs from the previous record of its type on
 * its pCPU: the time and seq as deltas, then a bitmap of the fields that
 * changed and their new values (varints, or a zigzag delta for addresses).
 * Any other record is stored whole.  Each chunk starts afresh, so that
 * one chunk decodes alone (vmprofctl top reads chunks by offset).
 *
 * The decoder never trusts its input: every varint, field and length is
 * bounded, and it stops at the first thing the encoder cannot have made.
 */
#include <stdint.h>
#include <string.h>

#include "../../include/uapi/kvm_profile.h"
#include "datafile.h"
#include "records_pack.h"

#define HDR_SIZE	sizeof(struct kvm_profile_record_header)
#define NSLOTS		256	/* pCPU contexts: cpu % NSLOTS */
#define NKINDS		5	/* 0: literal; 1-4: the known record types */
#define NONE		0xffffffffU

#define OP_KIND		0x07
#define OP_CPU		0x08	/* cpu differs from the previous record's */
#define OP_SEQ		0x10	/* seq is not the slot's previous + 1 */
#define OP_RESERVED	0xe0

enum { F_VAL, F_DELTA, F_BYTES };

struct pfield {
	u8 off;
	u8 width;
	u8 codec;
};

struct pkind {
	u16 type;
	u16 size;
	u8 nfields;
	struct pfield f[16];
};

#define VAL(s, m) { offsetof(s, m), sizeof(((s *)0)->m), F_VAL }
#define DELTA(s, m) { offsetof(s, m), 8, F_DELTA }
#define BYTES(s, m) { offsetof(s, m), sizeof(((s *)0)->m), F_BYTES }

/*
 * Fields in the order of the bitmap's bits: those that change most often
 * first, so that the bitmap of a typical record is one byte.
 */
static const struct pkind kinds[NKINDS] = {
	[1] = { KVM_PROFILE_RECORD_SAMPLE, sizeof(struct kvm_profile_sample), 13, {
		DELTA(struct kvm_profile_sample, guest_rip),
		DELTA(struct kvm_profile_sample, host_ip),
		VAL(struct kvm_profile_sample, flags),
		DELTA(struct kvm_profile_sample, guest_cr3),
		VAL(struct kvm_profile_sample, exit_reason),
		VAL(struct kvm_profile_sample, guest_cpl),
		VAL(struct kvm_profile_sample, tid),
		VAL(struct kvm_profile_sample, vcpu_id),
		VAL(struct kvm_profile_sample, pid),
		VAL(struct kvm_profile_sample, guest_asid),
		VAL(struct kvm_profile_sample, exit_isa),
		VAL(struct kvm_profile_sample, periods),
		BYTES(struct kvm_profile_sample, comm),
	} },
	[2] = { KVM_PROFILE_RECORD_LOST, sizeof(struct kvm_profile_lost), 1, {
		VAL(struct kvm_profile_lost, lost),
	} },
	[3] = { KVM_PROFILE_RECORD_SCHED_OUT, sizeof(struct kvm_profile_sched_out), 14, {
		DELTA(struct kvm_profile_sched_out, guest_rip),
		VAL(struct kvm_profile_sched_out, reason),
		VAL(struct kvm_profile_sched_out, next_tid),
		VAL(struct kvm_profile_sched_out, next_pid),
		VAL(struct kvm_profile_sched_out, flags),
		VAL(struct kvm_profile_sched_out, run_delay_ns),
		VAL(struct kvm_profile_sched_out, exit_reason),
		DELTA(struct kvm_profile_sched_out, guest_cr3),
		BYTES(struct kvm_profile_sched_out, next_comm),
		VAL(struct kvm_profile_sched_out, tid),
		VAL(struct kvm_profile_sched_out, vcpu_id),
		VAL(struct kvm_profile_sched_out, pid),
		VAL(struct kvm_profile_sched_out, exit_isa),
		BYTES(struct kvm_profile_sched_out, pad),
	} },
	[4] = { KVM_PROFILE_RECORD_SCHED_IN, sizeof(struct kvm_profile_sched_in), 7, {
		VAL(struct kvm_profile_sched_in, reason),
		VAL(struct kvm_profile_sched_in, flags),
		VAL(struct kvm_profile_sched_in, run_delay_ns),
		VAL(struct kvm_profile_sched_in, prev_cpu),
		VAL(struct kvm_profile_sched_in, tid),
		VAL(struct kvm_profile_sched_in, vcpu_id),
		VAL(struct kvm_profile_sched_in, pid),
	} },
};

static const u8 zeros[KVM_PROFILE_RECORD_MAX_SIZE];

/* Per chunk: where the previous record of each kind on each slot is. */
struct pstate {
	u32 prev[NSLOTS][NKINDS];	/* offset of the record; [0]: any kind */
	u64 time[NSLOTS], seq[NSLOTS];	/* of the slot's last record (0: none) */
	u32 cpu;			/* the previous packed record's */
};

static void pstate_init(struct pstate *s)
{
	memset(s->prev, 0xff, sizeof(s->prev));
	memset(s->time, 0, sizeof(s->time));
	memset(s->seq, 0, sizeof(s->seq));
	s->cpu = 0;
}

static unsigned int kind_of(u16 type, u16 size)
{
	unsigned int k;

	for (k = 1; k < NKINDS; k++)
		if (kinds[k].type == type && kinds[k].size == size)
			return k;
	return 0;
}

static u64 load(const u8 *p, unsigned int width)
{
	u64 v = 0;

	memcpy(&v, p, width);	/* little-endian, as the file */
	return v;
}

static u64 zigzag(u64 v)
{
	return (v << 1) ^ (u64)-(int64_t)(v >> 63);
}

static u64 unzigzag(u64 v)
{
	return (v >> 1) ^ (u64)-(int64_t)(v & 1);
}

static u8 *put_varint(u8 *q, u64 v)
{
	while (v >= 0x80) {
		*q++ = (u8)(v | 0x80);
		v >>= 7;
	}
	*q++ = (u8)v;
	return q;
}

/* Worst case of one record: op, cpu, time, seq, bitmap, fields. */
#define PACK_MAX_RECORD	(1 + 5 + 10 + 10 + 3 + 13 * 10 + 32)

int records_pack(struct buf *out, const u8 *p, size_t len)
{
	struct pstate st;	/* 5 KiB */
	struct kvm_profile_record_header h, ph;
	struct df_packed_header ph_out = { .raw_length = (u32)len };
	size_t off = 0, start = out->len;
	const struct pkind *k;
	unsigned int kind, i;
	const u8 *rec, *base;
	u32 slot, bitmap;
	u8 *q;

	if (len > DF_MAX_CHUNK)
		return -1;
	pstate_init(&st);
	buf_reserve(out, sizeof(ph_out) + len * 2 + 64);
	q = out->data + out->len + sizeof(ph_out);
	while (off < len) {
		if (len - off < HDR_SIZE)
			goto fail;
		rec = p + off;
		memcpy(&h, rec, HDR_SIZE);
		if (h.size < HDR_SIZE || h.size > len - off)
			goto fail;
		ph_out.records++;
		kind = kind_of(h.type, h.size);
		if (!kind) {
			*q++ = 0;
			q = put_varint(q, h.size);
			memcpy(q, rec, h.size);
			q += h.size;
			off += h.size;
			continue;
		}
		k = &kinds[kind];
		slot = h.cpu % NSLOTS;
		memset(&ph, 0, sizeof(ph));
		if (st.prev[slot][0] != NONE)
			memcpy(&ph, p + st.prev[slot][0], HDR_SIZE);
		*q = (u8)kind;
		if (h.cpu != st.cpu)
			*q |= OP_CPU;
		if (h.seq != ph.seq + 1)
			*q |= OP_SEQ;
		q++;
		if (h.cpu != st.cpu)
			q = put_varint(q, h.cpu);
		q = put_varint(q, zigzag(h.time_ns - ph.time_ns));
		if (h.seq != ph.seq + 1)
			q = put_varint(q, zigzag(h.seq - ph.seq - 1));
		base = st.prev[slot][kind] != NONE ? p + st.prev[slot][kind] : zeros;
		bitmap = 0;
		for (i = 0; i < k->nfields; i++)
			if (memcmp(rec + k->f[i].off, base + k->f[i].off,
				   k->f[i].width))
				bitmap |= 1U << i;
		q = put_varint(q, bitmap);
		for (i = 0; i < k->nfields; i++) {
			const struct pfield *f = &k->f[i];

			if (!(bitmap & (1U << i)))
				continue;
			if (f->codec == F_BYTES) {
				memcpy(q, rec + f->off, f->width);
				q += f->width;
			} else if (f->codec == F_DELTA) {
				q = put_varint(q, zigzag(load(rec + f->off, 8) -
							 load(base + f->off, 8)));
			} else {
				q = put_varint(q, load(rec + f->off, f->width));
			}
		}
		st.prev[slot][0] = st.prev[slot][kind] = (u32)off;
		st.cpu = h.cpu;
		off += h.size;
	}
	memcpy(out->data + start, &ph_out, sizeof(ph_out));
	out->len = (size_t)(q - out->data);
	return 0;
fail:
	out->len = start;
	return -1;
}

static inline int get_varint(const u8 **pp, const u8 *end, u64 *v)
{
	const u8 *p = *pp;
	unsigned int shift = 0;
	u64 x = 0;
	u8 b;

	if (p < end && *p < 0x80) {
		*v = *p;
		*pp = p + 1;
		return 0;
	}
	/* Most varints here are 2-4 bytes: unrolled while 4 are there. */
	if (end - p >= 4) {
		x = p[0] & 0x7f;
		x |= (u64)(p[1] & 0x7f) << 7;
		if (p[1] < 0x80) {
			*v = x;
			*pp = p + 2;
			return 0;
		}
		x |= (u64)(p[2] & 0x7f) << 14;
		if (p[2] < 0x80) {
			*v = x;
			*pp = p + 3;
			return 0;
		}
		x |= (u64)(p[3] & 0x7f) << 21;
		if (p[3] < 0x80) {
			*v = x;
			*pp = p + 4;
			return 0;
		}
		p += 4;
		shift = 28;
	}
	while (p < end) {
		b = *p++;
		if (shift == 63 && b > 1)
			return -1;	/* more than 64 bits */
		x |= (u64)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			*pp = p;
			return 0;
		}
		shift += 7;
		if (shift > 63)
			return -1;
	}
	return -1;
}

/*
 * The fields the bitmap names, into @o: the input after them, or NULL.
 * Inlined once per kind with its table constant and the loop unrolled,
 * so that each field is its own branch, which the CPU predicts apart
 * (a shared loop over the fields cost twice the whole decode).
 */
static inline __attribute__((always_inline)) const u8 *
unpack_fields(const struct pkind *k, u64 bitmap, u8 *o, const u8 *base,
	      const u8 *in, const u8 *end)
{
	unsigned int i;
	u64 v;

#pragma GCC unroll 16
	for (i = 0; i < 16; i++) {
		const struct pfield *f = &k->f[i];

		if (i >= k->nfields)
			break;
		if (!(bitmap & (1ULL << i)))
			continue;
		if (f->codec == F_BYTES) {
			if ((size_t)(end - in) < f->width)
				return NULL;
			memcpy(o + f->off, in, f->width);
			in += f->width;
			continue;
		}
		if (get_varint(&in, end, &v))
			return NULL;
		if (f->codec == F_DELTA) {
			v = load(base + f->off, 8) + unzigzag(v);
		} else if (f->width < 8 && v >> (8 * f->width)) {
			return NULL;
		}
		memcpy(o + f->off, &v, f->width);
	}
	return in;
}

int records_unpack(struct buf *out, const u8 *p, size_t len)
{
	struct pstate st;
	const u8 *in = p + sizeof(struct df_packed_header), *end = p + len;
	struct kvm_profile_record_header h;
	struct df_packed_header hdr;
	const struct pkind *k;
	unsigned int kind;
	u64 v, bitmap;
	size_t done = 0;	/* bytes of whole records decoded */
	u32 nrec = 0, slot;
	const u8 *base;
	u8 op, *o;

	out->len = 0;
	if (len < sizeof(hdr))
		return -1;
	memcpy(&hdr, p, sizeof(hdr));
	if (hdr.raw_length > DF_MAX_CHUNK ||
	    hdr.records > hdr.raw_length / HDR_SIZE)
		return -1;
	buf_reserve(out, hdr.raw_length);
	pstate_init(&st);
	while (in < end) {
		if (nrec == hdr.records)
			goto bad;
		op = *in++;
		kind = op & OP_KIND;
		if (op & OP_RESERVED || kind >= NKINDS)
			goto bad;
		if (!kind) {
			if (op || get_varint(&in, end, &v) || v < HDR_SIZE ||
			    v > (u64)(end - in) || v > hdr.raw_length - done)
				goto bad;
			memcpy(&h, in, HDR_SIZE);
			if (h.size != v)
				goto bad;
			memcpy(out->data + done, in, v);
			in += v;
			done += v;
			nrec++;
			continue;
		}
		k = &kinds[kind];
		if (k->size > hdr.raw_length - done)
			goto bad;
		o = out->data + done;
		h.type = k->type;
		h.size = k->size;
		h.cpu = st.cpu;
		if (op & OP_CPU) {
			if (get_varint(&in, end, &v) || v > 0xffffffffU ||
			    v == st.cpu)
				goto bad;
			h.cpu = (u32)v;
		}
		slot = h.cpu % NSLOTS;
		if (get_varint(&in, end, &v))
			goto bad;
		h.time_ns = st.time[slot] + unzigzag(v);
		h.seq = st.seq[slot] + 1;
		if (op & OP_SEQ) {
			if (get_varint(&in, end, &v) || !v)
				goto bad;
			h.seq += unzigzag(v);
		}
		if (get_varint(&in, end, &bitmap) || bitmap >> k->nfields)
			goto bad;
		base = st.prev[slot][kind] != NONE ?
			out->data + st.prev[slot][kind] : zeros;
		memcpy(o, base, k->size);
		memcpy(o, &h, HDR_SIZE);
		switch (kind) {
		case 1:
			in = unpack_fields(&kinds[1], bitmap, o, base, in, end);
			break;
		case 2:
			in = unpack_fields(&kinds[2], bitmap, o, base, in, end);
			break;
		case 3:
			in = unpack_fields(&kinds[3], bitmap, o, base, in, end);
			break;
		default:
			in = unpack_fields(&kinds[4], bitmap, o, base, in, end);
			break;
		}
		if (!in)
			goto bad;
		st.prev[slot][0] = st.prev[slot][kind] = (u32)done;
		st.time[slot] = h.time_ns;
		st.seq[slot] = h.seq;
		st.cpu = h.cpu;
		done += k->size;
		nrec++;
	}
	out->len = done;
	if (nrec != hdr.records || done != hdr.raw_length)
		return -1;
	return 0;
bad:
	out->len = done;
	return -1;
}
