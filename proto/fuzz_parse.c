// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the agent stream parser.  The first input byte
 * picks how the rest is split into feeds (bits 5:0), whether the parser
 * takes version 1 only (bit 6, an old report) and whether tight limits
 * apply (bit 7), so reassembly, both versions and the limit paths are
 * exercised; every lookup runs on the resulting state, success or
 * failure.  The agent's OFFER decoder reads the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "agent_proto.h"

static void probe_state(struct vp_parser *p, const uint8_t *d, size_t n)
{
	const struct vp_map *m;
	uint64_t v = 0, off;
	uint32_t i;

	if (n >= 8)
		memcpy(&v, d + n - 8, 8);
	for (i = 0; i < vp_state_nr_procs(p); i++) {
		const struct vp_proc *pr = vp_state_proc(p, i);

		vp_lookup_cr3(p, pr->ent.cr3);
		vp_lookup_cr3_at(p, pr->ent.cr3, v % 64, v % 7);
		vp_lookup_user_proc(p, pr, v, &m, &off);
		if (pr->nr_maps)
			vp_lookup_user(p, pr->ent.tgid, pr->maps[0].start + v % 4096,
				       &m, &off);
		vp_lookup_user(p, pr->ent.tgid, v, &m, &off);
	}
	vp_lookup_cr3(p, v);
	vp_lookup_kernel(p, v, &off);
	(void)vp_parser_error(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vp_limits tight = {
		.max_payload = 4096, .max_procs = 8, .max_maps_per_proc = 8,
		.max_objects = 4, .max_syms_per_object = 16,
		.max_kallsyms = 16, .mem_budget = 64 * 1024,
	};
	struct vp_limits v1_only = { 0 };
	struct vp_parser *p;
	size_t step, off;
	uint8_t ctl;

	if (!size)
		return 0;
	ctl = data[0];
	data++;
	size--;
	{
		struct vp_offer o;

		vp_offer_decode(data, size, &o);
	}
	tight.max_version = ctl & 0x40 ? 1 : 0;
	v1_only.max_version = tight.max_version;
	p = vp_parser_new(ctl & 0x80 ? &tight : &v1_only, NULL, NULL);
	if (!p)
		return 0;
	step = (ctl & 0x3f) ? (ctl & 0x3f) : size + 1;
	for (off = 0; off < size; off += step) {
		size_t n = size - off < step ? size - off : step;

		/* Each feed a later host time: owners get real intervals. */
		vp_parser_set_time(p, off);
		if (vp_parser_feed(p, data + off, n))
			break;
	}
	probe_state(p, data, size);
	vp_parser_free(p);
	return 0;
}
