// SPDX-License-Identifier: GPL-2.0
/*
 * Guest symbols from the agent stream: encode a stream with the proto/
 * encoder, store it in AGENT chunks (split across two chunks, as the
 * collector would receive it), and check guest kernel and user samples are
 * symbolized, with the CR3 matched after masking.  A hostile stream must
 * end only itself.  A guest with more processes than the parser keeps
 * (65,536) is still named: the rest are dropped, the stream goes on.
 */
#include <unistd.h>

#include "../proto/agent_proto.h"
#include "test_common.h"

#define FILE_C "test_agent.data"
#define FILE_D "test_agent_crowded.data"
#define AGENT_CR3 0x7000000ULL
/* A pgd in an odd page: bit 12 set without PTI, which a 4 KiB pgd can be. */
#define ODD_CR3 0x7003000ULL
#define BUILD_ID "\x01\x02\x03\x04"

static int enc_stream(struct vp_buf *b)
{
	static const struct vp_sym ks = { 0xffffffff81500000ULL, 0, 'T', "agent_kfunc" };
	static const struct vp_sym us = { 0x1000, 0x100, 'T', "worker_loop" };
	const struct vp_cr3_entry e[2] = {
		{ AGENT_CR3, 1, 300, 300, 1, VP_EV_SNAPSHOT, "worker" },
		{ ODD_CR3, 1, 301, 301, 1, VP_EV_SNAPSHOT, "odd" },
	};
	struct vp_map m = { 0x400000, 0x500000, 0, VP_PROT_R | VP_PROT_X | VP_PROT_P,
			    4, { 1, 2, 3, 4 }, "/usr/bin/worker" };
	struct vp_map odd = m;
	struct vp_hello h = { .page_size = 4096, .release = "6.12", .hostname = "g" };

	h.flags = VP_HELLO_CR3;
	odd.path = "/usr/bin/odd";
	return vp_enc_hello(b, &h) ||
	       vp_msg_begin(b, VP_MSG_KALLSYMS) || vp_put_u32(b, 1) ||
	       vp_put_sym(b, &ks, 1) || vp_msg_end(b) ||
	       vp_enc_cr3(b, VP_MSG_CR3_MAP_FULL, e, 2) ||
	       vp_msg_begin(b, VP_MSG_PROC_MAPS) || vp_put_u32(b, 300) ||
	       vp_put_u32(b, 1) || vp_put_map(b, &m) || vp_msg_end(b) ||
	       vp_msg_begin(b, VP_MSG_PROC_MAPS) || vp_put_u32(b, 301) ||
	       vp_put_u32(b, 1) || vp_put_map(b, &odd) || vp_msg_end(b) ||
	       vp_msg_begin(b, VP_MSG_SYMBOLS) ||
	       vp_put_build_id(b, (const uint8_t *)BUILD_ID, 4) ||
	       vp_put_u32(b, 1) || vp_put_sym(b, &us, 0) || vp_msg_end(b);
}

static int write_c(void)
{
	struct synth_vm vm = { .name = "agentvm", .pid = 10, .period_ns = MS,
			       .start_ns = T0, .flags = 3 };
	struct synth_sample k = {
		.time = T0 + MS, .vcpu = 0, .tid = 11,
		.flags = KVM_PROFILE_S_IN_GUEST | KVM_PROFILE_S_GUEST_VALID,
		.rip = 0xffffffff81500010ULL, .cr3 = AGENT_CR3,
	};
	struct synth_sample u = k;
	static const u8 junk[40] = { 'V', 'P', 'A', 'G', 9, 9 };
	struct vp_buf b;
	struct synth s;
	int i;

	vp_buf_init(&b);
	if (enc_stream(&b) || synth_open(&s, FILE_C, &vm))
		return -1;
	df_write_agent(&s.w, T0, 1, b.data, 20);
	df_write_agent(&s.w, T0 + 1, 1, b.data + 20, (u32)(b.len - 20));
	df_write_agent(&s.w, T0 + 2, 2, junk, sizeof(junk));	/* hostile */
	vp_buf_free(&b);
	for (i = 0; i < 3; i++)
		synth_sample(&s, &k);
	u.flags |= KVM_PROFILE_S_GUEST_USER;
	u.cpl = 3;
	u.rip = 0x401010;
	u.cr3 = AGENT_CR3 | 0x3 | 0x1000 | (1ULL << 62);
	for (i = 0; i < 5; i++)
		synth_sample(&s, &u);
	u.rip = 0x600000;	/* outside every mapping */
	synth_sample(&s, &u);
	u.rip = 0x401020;
	u.cr3 = ODD_CR3;
	for (i = 0; i < 7; i++)
		synth_sample(&s, &u);
	return synth_close(&s, T0 + 10 * MS);
}

/*
 * 65,537 processes in the snapshot, "worker" first, then its maps and
 * symbols, and maps of the one past the limit: the stream failed at the
 * snapshot, before the worker's maps.
 */
static int write_d(void)
{
	static const struct vp_sym us = { 0x1000, 0x100, 'T', "worker_loop" };
	const uint32_t n = VP_DEF_MAX_PROCS + 1;
	struct synth_vm vm = { .name = "agentvm", .pid = 10, .period_ns = MS,
			       .start_ns = T0, .flags = 3 };
	struct synth_sample u = {
		.time = T0 + MS, .vcpu = 0, .tid = 11, .cpl = 3, .rip = 0x401010,
		.flags = KVM_PROFILE_S_IN_GUEST | KVM_PROFILE_S_GUEST_VALID |
			 KVM_PROFILE_S_GUEST_USER,
		.cr3 = AGENT_CR3,
	};
	struct vp_map m = { 0x400000, 0x500000, 0, VP_PROT_R | VP_PROT_X | VP_PROT_P,
			    4, { 1, 2, 3, 4 }, "/usr/bin/worker" };
	struct vp_hello h = { .page_size = 4096, .flags = VP_HELLO_CR3 };
	struct vp_cr3_entry *e = calloc(n, sizeof(*e));
	struct vp_buf b;
	struct synth s;
	uint32_t i;
	int ret;

	if (!e)
		return -1;
	for (i = 0; i < n; i++) {
		e[i].cr3 = i ? 0x10000000ULL + (u64)i * 0x2000 : AGENT_CR3;
		e[i].tgid = e[i].pid = i ? 1000 + i : 300;
		e[i].event = VP_EV_SNAPSHOT;
		snprintf(e[i].comm, sizeof(e[i].comm), i ? "filler" : "worker");
	}
	vp_buf_init(&b);
	ret = vp_enc_hello(&b, &h) ||
	      vp_enc_cr3(&b, VP_MSG_CR3_MAP_FULL, e, n) ||
	      vp_msg_begin(&b, VP_MSG_PROC_MAPS) || vp_put_u32(&b, 300) ||
	      vp_put_u32(&b, 1) || vp_put_map(&b, &m) || vp_msg_end(&b) ||
	      vp_msg_begin(&b, VP_MSG_PROC_MAPS) || vp_put_u32(&b, 1000 + n - 1) ||
	      vp_put_u32(&b, 1) || vp_put_map(&b, &m) || vp_msg_end(&b) ||
	      vp_msg_begin(&b, VP_MSG_SYMBOLS) ||
	      vp_put_build_id(&b, (const uint8_t *)BUILD_ID, 4) ||
	      vp_put_u32(&b, 1) || vp_put_sym(&b, &us, 0) || vp_msg_end(&b) ||
	      synth_open(&s, FILE_D, &vm);
	free(e);
	if (ret)
		return -1;
	df_write_agent(&s.w, T0, 1, b.data, (u32)b.len);
	vp_buf_free(&b);
	for (i = 0; i < 5; i++)
		synth_sample(&s, &u);
	return synth_close(&s, T0 + 10 * MS);
}

static void test_crowded(void)
{
	struct analysis a;
	struct doc d = { 0 };
	struct table *t;

	ok(write_d() == 0, "crowded: a stream of 65,537 processes");
	t = unified_vcpu0(&a, &d, FILE_D, "load");
	is_u64(a.st.agent_errors, 0, "crowded: the stream does not fail");
	is_u64(row_num(t, find_row2(t, 2, "worker_loop", 3, "worker"), 0), 5,
	       "crowded: a process within the limit is named");
	doc_free(&d);
	analysis_free(&a);
	unlink(FILE_D);
}

int main(void)
{
	struct analysis a;
	struct doc d = { 0 };
	struct table *t;

	ok(write_c() == 0, "write agent stream chunks and samples");
	t = unified_vcpu0(&a, &d, FILE_C, "load");
	is_u64(a.st.agent_chunks, 3, "three agent chunks read");
	is_u64(a.st.agent_errors, 1, "hostile stream fails alone");
	is_u64(row_num(t, find_row2(t, 2, "agent_kfunc", 3, "[guest.kernel]"), 0), 3,
	       "guest kernel symbol from agent KALLSYMS");
	is_u64(row_num(t, find_row2(t, 2, "worker_loop", 3, "worker"), 0), 5,
	       "guest user symbol via masked CR3, maps and SYMBOLS");
	is_u64(row_num(t, find_row2(t, 2, "worker_loop", 3, "odd"), 0), 7,
	       "guest user symbol for a pgd with bit 12 set and no PTI");
	is_u64(row_num(t, find_row2(t, 2, "[unknown] 0x600000", 3, "worker"), 0), 1,
	       "unmapped user address kept as unknown with its process");
	doc_free(&d);
	analysis_free(&a);
	unlink(FILE_C);
	test_crowded();
	return tap_done();
}
