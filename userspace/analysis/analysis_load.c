// SPDX-License-Identifier: GPL-2.0
/* Chunk dispatch: metadata, kallsyms, agent messages, end marker. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../include/uapi/kvm_profile.h"
#include "analysis.h"

/*
 * From this size on, a report shows how much of its file it has read when
 * stderr is a terminal (0.1 s of reading here, on a cold cache or a slow
 * disk far more); a smaller file is read before anyone would look.
 */
#define PROGRESS_MIN_BYTES (32ULL << 20)

static void meta_string(char *dst, size_t dstlen, const u8 *p, u32 len)
{
	size_t n = len < dstlen - 1 ? len : dstlen - 1;

	memcpy(dst, p, n);
	dst[n] = '\0';
	printable_ascii(dst, n);
}

static void meta_entry(struct analysis *a, u16 tag, const u8 *p, u32 len)
{
	struct kvm_profile_config cfg;
	u32 v32[2];
	u64 v64;

	switch (tag) {
	case DF_META_VM_NAME:
		meta_string(a->vm_name, sizeof(a->vm_name), p, len);
		break;
	case DF_META_VM_UUID:
		meta_string(a->vm_uuid, sizeof(a->vm_uuid), p, len);
		break;
	case DF_META_VMM_PID:
		if (len >= 4)
			memcpy(&a->vmm_pid, p, 4);
		break;
	case DF_META_VCPU:
		if (len < 8)
			break;
		memcpy(v32, p, 8);
		if (v32[0] < MAX_VCPUS && analysis_vcpu(a, v32[0]))
			a->vcpus[v32[0]].tid = v32[1];
		if (v32[1] && v32[0] < MAX_VCPUS) {
			GROW_ARRAY(a->tids, a->ntids + 1, a->captids, 16);
			a->tids[a->ntids].tid = v32[1];
			a->tids[a->ntids++].vcpu = v32[0];
		}
		break;
	case DF_META_CONFIG:
		if (len < sizeof(cfg))
			break;
		memcpy(&cfg, p, sizeof(cfg));
		a->config_flags = cfg.flags;
		break;
	case DF_META_SAMPLE_NS:
		if (len >= 8) {
			memcpy(&v64, p, 8);
			if (v64) {
				a->period_ns = v64;
				a->period_known = true;
			}
		}
		break;
	case DF_META_START_NS:
		if (len >= 8) {
			memcpy(&a->start_ns, p, 8);
			a->have_start = true;
		}
		break;
	case DF_META_VMM_MAPS:
		host_maps_parse(&a->vmm_maps, (const char *)p, len);
		break;
	case DF_META_CULPRITS:
		a->cul.classes = true;
		break;
	case DF_META_SWITCHES:
		switch_hist_meta(a, p, len);
		break;
	default:
		break;	/* unknown tags are skipped: forward compatible */
	}
}

static void parse_meta(struct analysis *a, const u8 *p, u32 len)
{
	struct df_meta_entry e;
	u32 off = 0;

	/* The walk so far read the metadata it had (period, flags, start). */
	if (a->sw.any_walked)
		a->sw.disorder = true;
	while (len - off >= sizeof(e)) {
		memcpy(&e, p + off, sizeof(e));
		off += sizeof(e);
		if (e.length > len - off) {
			a->st.malformed++;
			return;
		}
		meta_entry(a, e.tag, p + off, e.length);
		off += e.length;
	}
}

static void parse_end(struct analysis *a, const u8 *p, u32 len)
{
	struct df_end end;

	if (len < sizeof(end))
		return;
	memcpy(&end, p, sizeof(end));
	a->stop_ns = end.stop_ns;
	a->have_stop = true;
	a->end_reason = end.reason;
	a->have_end = true;
}

void analysis_chunk(struct analysis *a, const struct df_chunk *c)
{
	struct df_agent_header ah;

	switch (c->type) {
	case DF_CHUNK_META:
		parse_meta(a, c->data, c->length);
		break;
	case DF_CHUNK_RECORDS:
		analysis_records(a, c->data, c->length);
		break;
	case DF_CHUNK_KALLSYMS:
		symtab_load_kallsyms(&a->host_syms, (const char *)c->data,
				     c->length);
		break;
	case DF_CHUNK_AGENT:
		if (c->length < sizeof(ah))
			break;
		memcpy(&ah, c->data, sizeof(ah));
		a->st.agent_chunks++;
		a->st.agent_bytes += c->length - sizeof(ah);
		agent_feed(a, ah.recv_ns, ah.stream, c->data + sizeof(ah),
			   c->length - sizeof(ah));
		break;
	case DF_CHUNK_END:
		parse_end(a, c->data, c->length);
		break;
	case DF_CHUNK_TASK:
		culprits_task_chunk(a, c->data, c->length);
		break;
	case DF_CHUNK_THROTTLE:
		culprits_throttle_chunk(a, c->data, c->length);
		break;
	case DF_CHUNK_SWITCH:
		switch_hist_chunk(a, c->data, c->length);
		break;
	case DF_CHUNK_KVM_STAT:
		kvm_stat_chunk(a, c->data, c->length);
		break;
	default:
		break;
	}
}

static void *memdup(const void *p, size_t n)
{
	void *q = xmalloc(n ? n : 1);

	if (n)
		memcpy(q, p, n);
	return q;
}

/*
 * A sched record (or host sample) came after the walk had passed its time:
 * walk them all again, kept and sorted, in a pass over the records that
 * counts nothing else (the first pass did).
 */
static void replay_sched(struct analysis *a, struct df_reader *r)
{
	struct tid_map *tids = memdup(a->tids, a->ntids * sizeof(*a->tids));
	size_t ntids = a->ntids, captids = a->captids;
	bool quiet = pr_warn_quiet;
	struct record_stats st = a->st;
	u64 first = a->first_ns, last = a->last_ns;
	bool have_first = a->have_first;
	struct vcpu_stat *vcpus;
	struct df_chunk c;

	steal_walk_reset(a);
	host_stamps_free(&a->hs);
	memset(&a->hs, 0, sizeof(a->hs));
	switch_hist_reset(&a->swh);
	a->sw.keep_all = true;
	a->sw.replayed = true;
	a->nsched = 0;	/* counted again, to the same number */
	vcpus = memdup(a->vcpus, a->nvcpus * sizeof(*a->vcpus));
	a->sched_replay = pr_warn_quiet = true;
	/* the switches first: everything is kept and sorted at the end */
	df_reader_rewind(r);
	r->only_type = DF_CHUNK_SWITCH;
	while (df_next_chunk(r, &c) > 0)
		switch_hist_chunk(a, c.data, c.length);
	df_reader_rewind(r);
	r->only_type = DF_CHUNK_RECORDS;
	while (df_next_chunk(r, &c) > 0)
		analysis_records(a, c.data, c.length);
	a->sched_replay = false;
	pr_warn_quiet = quiet;
	r->only_type = 0;
	/* Thread ids and counters stay as the whole first pass left them. */
	memcpy(a->vcpus, vcpus, a->nvcpus * sizeof(*a->vcpus));
	free(a->tids);
	a->tids = tids;
	a->ntids = ntids;
	a->captids = captids;
	a->st = st;
	a->first_ns = first;
	a->last_ns = last;
	a->have_first = have_first;
	free(vcpus);
}

int analysis_load(struct analysis *a, const char *path)
{
	struct progress meter = { 0 };
	struct df_reader r;
	struct df_chunk c;
	struct stat st;

	if (df_reader_open(&r, path))
		return -1;
	if (a->progress && !fstat(r.fd, &st) && (u64)st.st_size >= PROGRESS_MIN_BYTES)
		meter.on = true;
	/*
	 * Agent streams first, whole: a guest user sample is named by the
	 * process that held its CR3 at the sample's time, which a message
	 * stored after the sample's chunk may tell (it came late).  KVM's
	 * statistics too: the sched walk needs the reads that bracket the
	 * window before it meets the intervals between them.
	 */
	r.only_type = DF_CHUNK_AGENT;
	r.also_type = DF_CHUNK_KVM_STAT;
	while (df_next_chunk(&r, &c) > 0)
		analysis_chunk(a, &c);
	df_reader_rewind(&r);
	r.only_type = r.also_type = 0;
	while (df_next_chunk(&r, &c) > 0) {
		if (c.type != DF_CHUNK_AGENT && c.type != DF_CHUNK_KVM_STAT)
			analysis_chunk(a, &c);
		if (meter.on)
			progress_show(&meter, "reading %.40s: %llu%%", path,
				      (unsigned long long)(r.offset * 100 /
							   (u64)st.st_size));
	}
	progress_clear(&meter);
	if (a->sw.disorder)
		replay_sched(a, &r);
	if (!r.truncated && !r.corrupt && !a->have_end)
		pr_warn("%s: no end marker (recording interrupted?); reporting what is there",
			path);
	df_reader_close(&r);
	analysis_finish(a);
	return 0;
}

int analysis_load_ends(struct analysis *a, const char *path)
{
	struct df_reader r;
	struct df_chunk c;

	if (df_reader_open(&r, path))
		return -1;
	/* Quiet, and only up to the first META: the one written first. */
	r.only_type = DF_CHUNK_META;
	if (df_next_chunk(&r, &c) > 0)
		analysis_chunk(a, &c);
	if (df_tail_chunk(&r, DF_CHUNK_END, sizeof(struct df_end), &c))
		analysis_chunk(a, &c);
	df_reader_close(&r);
	return 0;
}
