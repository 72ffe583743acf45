// SPDX-License-Identifier: GPL-2.0
/*
 * Each guest user sample is named by the process that held its CR3 when
 * the sample was taken, as the agent's messages tell it by their host
 * receive time: procA exits and procB gets its page-table root (CR3
 * reuse), a vfork child exits and the parent runs on, a process whose
 * fork event reached the host after its first samples (stored after them
 * in the file), and a root nobody held; a guest symbol that is a
 * spreadsheet formula stays text in CSV.  Then the stream the agent sends
 * for scenario 6's cr3reuse: programs forked and exec'ed in turn on one
 * root, their maps right behind each EXEC, each file's SYMBOLS only with
 * the first program that maps it.
 */
#include <unistd.h>

#include "../proto/agent_proto.h"
#include "test_common.h"

#define FILE_T "test_agent_time.data"
#define FILE_R "test_agent_rounds.data"
#define ROOT_X 0x7000000ULL	/* procA's, then procB's */
#define ROOT_S 0x7100000ULL	/* the shell's, shared by its vfork child */
#define ROOT_Y 0x7200000ULL	/* procC's, told late */
#define ROOT_Z 0x7300000ULL	/* nobody's */
#define ROOT_W 0x7400000ULL	/* procD's, whose symbol is a formula */
#define ROOT_F 0x7500000ULL	/* cr3reuse's children's own, from fork to exec */

static void put_proc(struct vp_buf *b, u32 tgid, const char *path, u8 id,
		     const char *func)
{
	struct vp_map m = { 0x400000, 0x500000, 0, VP_PROT_R | VP_PROT_X | VP_PROT_P,
			    1, { id }, (char *)path };
	struct vp_sym s = { 0x1000, 0x100, 'T', (char *)func };

	vp_msg_begin(b, VP_MSG_PROC_MAPS);
	vp_put_u32(b, tgid);
	vp_put_u32(b, 1);
	vp_put_map(b, &m);
	vp_msg_end(b);
	if (!func)
		return;		/* its build-id's symbols came before */
	vp_msg_begin(b, VP_MSG_SYMBOLS);
	vp_put_build_id(b, &id, 1);
	vp_put_u32(b, 1);
	vp_put_sym(b, &s, 0);
	vp_msg_end(b);
}

/* One agent chunk received at @t with the events @e (and maps of @tgid). */
static void agent_at(struct synth *s, u64 t, const struct vp_cr3_entry *e,
		     u32 n, int full, u32 tgid, const char *path, u8 id,
		     const char *func)
{
	struct vp_hello h = { .page_size = 4096, .flags = VP_HELLO_CR3,
			      .release = "6.12", .hostname = "g" };
	struct vp_buf b;

	vp_buf_init(&b);
	if (full)
		vp_enc_hello(&b, &h);
	vp_enc_cr3(&b, full ? VP_MSG_CR3_MAP_FULL : VP_MSG_CR3_MAP_DELTA, e, n);
	if (path)
		put_proc(&b, tgid, path, id, func);
	synth_flush(s);
	df_write_agent(&s->w, t, 1, b.data, (u32)b.len);
	vp_buf_free(&b);
}

static void samples(struct synth *s, u64 from, int n, u64 cr3, u64 rip)
{
	struct synth_sample u = {
		.vcpu = 0, .tid = 11, .cpl = 3, .rip = rip, .cr3 = cr3 | 0x5,
		.flags = KVM_PROFILE_S_IN_GUEST | KVM_PROFILE_S_GUEST_VALID |
			 KVM_PROFILE_S_GUEST_USER,
	};
	int i;

	for (i = 0; i < n; i++) {
		u.time = from + (u64)i * MS;
		synth_sample(s, &u);
	}
}

static int write_t(void)
{
	struct synth_vm vm = { .name = "timevm", .pid = 10, .period_ns = MS,
			       .start_ns = T0, .flags = 3 };
	const struct vp_cr3_entry shell = { ROOT_S, 1, 10, 10, 1, VP_EV_SNAPSHOT, "shell" };
	const struct vp_cr3_entry a = { ROOT_X, 2, 21, 21, 10, VP_EV_FORK, "procA" };
	const struct vp_cr3_entry b = { ROOT_X, 4, 22, 22, 10, VP_EV_FORK, "procB" };
	const struct vp_cr3_entry c = { ROOT_Y, 6, 24, 24, 10, VP_EV_FORK, "procC" };
	const struct vp_cr3_entry dd = { ROOT_W, 7, 25, 25, 10, VP_EV_FORK, "procD" };
	/* The vfork child renames itself before _exit (the EXIT says so). */
	struct vp_cr3_entry ch = { ROOT_S, 5, 23, 23, 10, VP_EV_FORK, "shell" };
	struct vp_cr3_entry x = a;
	struct synth s;

	if (synth_open(&s, FILE_T, &vm))
		return -1;
	agent_at(&s, T0, &shell, 1, 1, 0, NULL, 0, NULL);
	agent_at(&s, T0 + 10 * MS, &a, 1, 0, 21, "/usr/bin/procA", 0xa, "work_of_A");
	samples(&s, T0 + 20 * MS, 50, ROOT_X, 0x401010);
	x.event = VP_EV_EXIT;
	agent_at(&s, T0 + 80 * MS, &x, 1, 0, 0, NULL, 0, NULL);
	agent_at(&s, T0 + 90 * MS, &b, 1, 0, 22, "/usr/bin/procB", 0xb, "work_of_B");
	samples(&s, T0 + 100 * MS, 30, ROOT_X, 0x401010);
	agent_at(&s, T0 + 140 * MS, &ch, 1, 0, 0, NULL, 0, NULL);
	samples(&s, T0 + 142 * MS, 4, ROOT_S, 0x401010);
	ch.event = VP_EV_EXIT;
	strcpy(ch.comm, "child");
	agent_at(&s, T0 + 150 * MS, &ch, 1, 0, 0, NULL, 0, NULL);
	samples(&s, T0 + 160 * MS, 20, ROOT_S, 0x401010);
	samples(&s, T0 + 210 * MS, 3, ROOT_Z, 0x401010);
	agent_at(&s, T0 + 220 * MS, &dd, 1, 0, 25, "/usr/bin/procD", 0xd,
		 "=HYPERLINK(1)");
	samples(&s, T0 + 230 * MS, 2, ROOT_W, 0x401010);
	/*
	 * procC ran from 190 ms; the host heard of it 5 s later (a slow
	 * channel busy with KALLSYMS), after procD: stored last.
	 */
	samples(&s, T0 + 190 * MS, 6, ROOT_Y, 0x401010);
	agent_at(&s, T0 + 5190 * MS, &c, 1, 0, 24, "/usr/bin/procC", 0xc, "work_of_C");
	return synth_close(&s, T0 + 6000 * MS);
}

/*
 * cr3reuse's children as the agent tells them: each forked (with the
 * child's own root), then exec'ed onto ROOT_X, read at once (PROC_MAPS
 * behind the EXEC; SYMBOLS the first time a build-id is seen), and
 * exited 300 ms on.  The samples start 1 ms before the EXEC reached the
 * host, as the agent's latency has it.  A ninth program's maps never
 * came, as none did before the agent read them at exec (scenario 6's
 * first run): its name, no function.
 */
static int write_rounds(void)
{
	struct synth_vm vm = { .name = "roundvm", .pid = 10, .period_ns = MS,
			       .start_ns = T0, .flags = 3 };
	const struct vp_cr3_entry sh = { ROOT_S, 1, 10, 10, 1, VP_EV_SNAPSHOT, "cr3reuse" };
	u64 t = T0 + 10 * MS;
	struct synth s;
	int i;

	if (synth_open(&s, FILE_R, &vm))
		return -1;
	agent_at(&s, T0, &sh, 1, 1, 0, NULL, 0, NULL);
	for (i = 0; i < 9; i++, t += 320 * MS) {
		int b = i & 1;
		u32 tgid = 30 + i;
		struct vp_cr3_entry e = { ROOT_F + 0x2000 * i, t, tgid, tgid, 10,
					  VP_EV_FORK, "cr3reuse" };

		agent_at(&s, t, &e, 1, 0, 0, NULL, 0, NULL);
		e.cr3 = ROOT_X;
		e.event = VP_EV_EXEC;
		snprintf(e.comm, sizeof(e.comm), "reuse_%c", b ? 'b' : 'a');
		agent_at(&s, t + 2 * MS, &e, 1, 0, tgid, i == 8 ? NULL :
			 b ? "/usr/bin/reuse_b" : "/usr/bin/reuse_a", 0xa + b,
			 i >= 2 ? NULL : b ? "work_of_B" : "work_of_A");
		samples(&s, t + MS, 30, ROOT_X, 0x401010);
		e.event = VP_EV_EXIT;
		agent_at(&s, t + 300 * MS, &e, 1, 0, 0, NULL, 0, NULL);
	}
	return synth_close(&s, t);
}

struct expect {
	const char *func;
	const char *mod;
	u64 samples;
	const char *what;
};

static const struct expect time_rows[] = {
	{ "work_of_A", "procA", 50,
	  "CR3 reuse: samples while procA held the root are procA's" },
	{ "work_of_B", "procB", 30,
	  "CR3 reuse: samples after procB got the root are procB's" },
	{ "[unknown] 0x401010", "child", 4,
	  "vfork: samples while the child ran are the child's" },
	{ "[unknown] 0x401010", "shell", 20,
	  "vfork+_exit: the parent's later samples are the parent's" },
	{ "work_of_C", "procC", 6,
	  "a fork event 5 s late (stored after the samples) still names them" },
	{ "[unknown] 0x401010", "[cr3 0x7300000: no process then]", 3,
	  "a root no process held: said so" },
};

static const struct expect round_rows[] = {
	{ "work_of_A", "reuse_a", 120,
	  "rounds: every reuse_a sample is work_of_A in reuse_a, symbols sent once" },
	{ "work_of_B", "reuse_b", 120,
	  "rounds: every reuse_b sample is work_of_B in reuse_b" },
	{ "[unknown] 0x401010", "reuse_a", 30,
	  "rounds: a program whose maps never came: its name, no function" },
};

/*
 * Write a scenario's @file, report it with no agent stream error and
 * check the rows of vCPU 0; returns the report as CSV, to free.
 */
static char *check_file(const char *tag, int (*write)(void), const char *file,
			const struct expect *e, size_t n)
{
	struct analysis a;
	struct doc d = { 0 };
	struct table *t;
	char *csv, load[64];
	size_t i;

	ok(write() == 0, "%swrite agent chunks between samples", tag);
	snprintf(load, sizeof(load), "%sload", tag);
	t = unified_vcpu0(&a, &d, file, load);
	ok(a.st.agent_errors == 0, "%sno agent stream error", tag);
	for (i = 0; i < n; i++)
		is_u64(row_num(t, find_row2(t, 2, e[i].func, 3, e[i].mod), 0),
		       e[i].samples, e[i].what);
	csv = doc_string(&d, FMT_CSV);
	doc_free(&d);
	analysis_free(&a);
	unlink(file);
	return csv;
}

int main(void)
{
	char *csv;

	csv = check_file("", write_t, FILE_T, time_rows, ARRAY_SIZE(time_rows));
	ok(csv && strstr(csv, ",\"'=HYPERLINK(1)\",procD\n") &&
	   !strstr(csv, ",=HYPERLINK"),
	   "csv: a guest symbol that is a spreadsheet formula is quoted with '");
	free(csv);
	free(check_file("rounds: ", write_rounds, FILE_R, round_rows,
			ARRAY_SIZE(round_rows)));
	return tap_done();
}
