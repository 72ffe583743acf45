// SPDX-License-Identifier: GPL-2.0
/* A data file followed as it is written, analysed a window at a time. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../../include/uapi/kvm_profile.h"
#include "live.h"

int live_open(struct live *l, const char *path)
{
	memset(l, 0, sizeof(*l));
	analysis_init(&l->base, NULL);
	if (df_reader_open(&l->r, path)) {
		analysis_free(&l->base);
		return -1;
	}
	l->r.follow = true;
	return 0;
}

/* Call @fn on each whole record of a RECORDS payload. */
static void each_record(struct live *l, const u8 *p, size_t len,
			void (*fn)(struct live *l, const u8 *rec,
				   const struct kvm_profile_record_header *h))
{
	struct kvm_profile_record_header h;
	size_t off = 0;

	while (off + sizeof(h) <= len) {
		memcpy(&h, p + off, sizeof(h));
		if (h.size < sizeof(h) || h.size > len - off)
			return;	/* the window's analysis counts it malformed */
		fn(l, p + off, &h);
		off += h.size;
	}
}

static void note_chunk_time(struct live *l, const u8 *rec,
			    const struct kvm_profile_record_header *h)
{
	struct live_chunk *c = &l->chunks[l->nchunks];

	(void)rec;
	if (h->time_ns > c->tmax)
		c->tmax = h->time_ns;
	if (!l->have_records || h->time_ns < l->first_ns)
		l->first_ns = h->time_ns;
	if (h->time_ns > l->last_ns)
		l->last_ns = h->time_ns;
	l->have_records = true;
}

static void index_records(struct live *l, const struct df_chunk *c)
{
	GROW_ARRAY(l->chunks, l->nchunks + 1, l->capchunks, 64);
	memset(&l->chunks[l->nchunks], 0, sizeof(*l->chunks));
	l->chunks[l->nchunks].offset = c->offset;
	each_record(l, c->data, c->length, note_chunk_time);
	l->nchunks++;
}

/*
 * Every window's analysis reads the metadata again: it is small; and the
 * culprits the recorder named (TASK, THROTTLE), bounded by the recorder.
 */
static void keep_meta(struct live *l, const struct df_chunk *c)
{
	u32 len = c->length;

	buf_append(&l->meta, &c->type, sizeof(c->type));
	buf_append(&l->meta, &len, sizeof(len));
	buf_append(&l->meta, c->data, len);
}

int live_poll(struct live *l)
{
	struct df_chunk c;
	int n = 0;

	if (l->broken)
		return -1;
	while (df_next_chunk(&l->r, &c) > 0) {
		n++;
		if (c.type == DF_CHUNK_RECORDS) {
			index_records(l, &c);
			continue;
		}
		/*
		 * The windows read only the records: kept here, a long top
		 * would hold every switch (a window's waits outside KVM_RUN
		 * are named as without them); nor does top show KVM's statistics.
		 */
		if (c.type == DF_CHUNK_SWITCH || c.type == DF_CHUNK_KVM_STAT)
			continue;
		if (c.type == DF_CHUNK_META || c.type == DF_CHUNK_TASK ||
		    c.type == DF_CHUNK_THROTTLE)
			keep_meta(l, &c);
		else if (c.type == DF_CHUNK_END)
			l->ended = true;
		analysis_chunk(&l->base, &c);
	}
	if (l->r.corrupt || l->r.truncated) {
		l->broken = true;
		return -1;
	}
	return n;
}

u64 live_start_ns(const struct live *l)
{
	return l->base.have_start ? l->base.start_ns : l->first_ns;
}

u64 live_end_ns(const struct live *l)
{
	if (l->ended && l->base.stop_ns > l->last_ns)
		return l->base.stop_ns;
	return l->last_ns;
}

static void carry_record(struct live *l, const u8 *rec,
			 const struct kvm_profile_record_header *h)
{
	struct kvm_profile_sched_in r;
	struct live_carry *c;
	u32 n;

	if ((h->type != KVM_PROFILE_RECORD_SCHED_OUT &&
	     h->type != KVM_PROFILE_RECORD_SCHED_IN) ||
	    h->size < offsetof(struct kvm_profile_sched_in, prev_cpu) ||
	    h->size > sizeof(c->rec))
		return;
	/* vcpu_id sits at one offset in both records */
	memcpy(&r, rec, offsetof(struct kvm_profile_sched_in, prev_cpu));
	if (r.vcpu_id >= MAX_VCPUS)
		return;
	if (r.vcpu_id >= l->ncarry) {
		n = r.vcpu_id + 1;
		l->carry = xrealloc(l->carry, n * sizeof(*l->carry));
		memset(l->carry + l->ncarry, 0,
		       (n - l->ncarry) * sizeof(*l->carry));
		l->ncarry = n;
	}
	c = &l->carry[r.vcpu_id];
	if (c->size && c->time > h->time_ns)
		return;
	c->size = h->size;
	c->time = h->time_ns;
	memcpy(c->rec, rec, h->size);
}

/*
 * Drop the chunks wholly before @begin, in file order, keeping each
 * vCPU's last sched record of them: what decides whether an interval is
 * open when the window starts.
 */
static void settle(struct live *l, u64 begin)
{
	struct df_chunk c;

	while (l->settled < l->nchunks && l->chunks[l->settled].tmax < begin) {
		if (df_chunk_at(&l->r, l->chunks[l->settled].offset, &c))
			each_record(l, c.data, c.length, carry_record);
		l->settled++;
	}
}

/* The symbol sources, read once into the base, lent to a window. */
static void lend(struct analysis *w, struct analysis *base)
{
	symtab_free(&w->host_syms);
	host_maps_free(&w->vmm_maps);
	guest_info_free(&w->guest);
	agent_free(w);
	w->host_syms = base->host_syms;
	w->vmm_maps = base->vmm_maps;
	w->guest = base->guest;
	w->agent = base->agent;
}

/* Back to the base, with what resolving cached: sorted tables, ELF symbols. */
static void take_back(struct analysis *w, struct analysis *base)
{
	base->host_syms = w->host_syms;
	base->vmm_maps = w->vmm_maps;
	base->guest = w->guest;
	base->agent = w->agent;
	symtab_init(&w->host_syms);
	memset(&w->vmm_maps, 0, sizeof(w->vmm_maps));
	guest_info_init(&w->guest);
	w->agent = NULL;
}

void live_window_open(struct live *l, struct analysis *w, u64 begin, u64 end)
{
	u64 start = live_start_ns(l);
	struct filter f = {
		.vcpu = -1, .pid = -1, .has_from = true, .has_to = true,
	};
	struct df_chunk c = { .type = DF_CHUNK_META };
	size_t off = 0;
	u32 len;

	if (begin < start)
		begin = start;
	if (end < begin)
		end = begin;
	f.from_s = (double)(begin - start) / 1e9;
	f.to_s = (double)(end - start) / 1e9;
	settle(l, begin);
	analysis_init(w, &f);
	while (off + sizeof(c.type) + sizeof(len) <= l->meta.len) {
		memcpy(&c.type, l->meta.data + off, sizeof(c.type));
		off += sizeof(c.type);
		memcpy(&len, l->meta.data + off, sizeof(len));
		c.data = l->meta.data + off + sizeof(len);
		c.length = len;
		analysis_chunk(w, &c);
		off += sizeof(len) + len;
	}
	if (!w->have_start) {
		w->start_ns = start;
		w->have_start = true;
	}
	/* The window ends at @end, even where the records end before it. */
	w->stop_ns = end;
	w->have_stop = true;
	/* A few seconds of sched records: sorted whole at the end. */
	w->sw.keep_all = true;
	lend(w, &l->base);
}

void live_window_read(struct live *l, struct analysis *w)
{
	bool quiet = pr_warn_quiet;
	struct df_chunk c;
	size_t i;

	pr_warn_quiet = true;
	for (i = 0; i < l->ncarry; i++)
		if (l->carry[i].size)
			analysis_records(w, (const u8 *)l->carry[i].rec,
					 l->carry[i].size);
	for (i = l->settled; i < l->nchunks; i++)
		if (df_chunk_at(&l->r, l->chunks[i].offset, &c))
			analysis_records(w, c.data, c.length);
	analysis_finish(w);
	pr_warn_quiet = quiet;
}

void live_window_close(struct live *l, struct analysis *w)
{
	take_back(w, &l->base);
	analysis_free(w);
}

void live_close(struct live *l)
{
	df_reader_close(&l->r);
	analysis_free(&l->base);
	buf_free(&l->meta);
	free(l->chunks);
	free(l->carry);
	memset(l, 0, sizeof(*l));
}
