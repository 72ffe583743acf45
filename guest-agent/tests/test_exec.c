// SPDX-License-Identifier: GPL-2.0
/*
 * Short programs get their maps and symbols (issue 19, e2e scenario 6):
 * the agent must read an exec'ed program's /proc/PID/maps while it still
 * runs, not only EXEC_SETTLE_NS later, when a 300 ms program may be gone
 * (its EXIT then drops it from the agent's table, nothing is sent, and
 * every sample of it is "[unknown]").  A second read a little later must
 * come on time too, not at the next event or second, to catch what ld.so
 * mapped after exec; and the reads at exec are bounded per second.
 *
 * Runs vmprof-agent-fakedev (the agent built to read its module records
 * from the FIFO named by VMPROF_TEST_DEV), writes the records a module
 * would for children of this program, and parses what the agent sent:
 *
 *   - two children run in turn, 300 ms each, on one page-table root (as
 *     cr3reuse's reuse_a and reuse_b): each incarnation has its maps,
 *     and its spinning function resolves by name;
 *   - a child that maps more code 100 ms after exec and exits at 400 ms:
 *     that mapping was read before the exit;
 *   - a child that exits 50 ms in and is reaped (its EXIT) at 400 ms: its
 *     maps, empty after its exit, are not sent over the ones read at exec;
 *   - 150 processes exec'ed at once: past the budget their maps are read
 *     EXEC_SETTLE_NS later, and all of them arrive.
 *
 * Usage: test_exec AGENT   (AGENT: the fakedev build)
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "agent_proto.h"
#include "fakedev.h"
#include "tests.h"
#include "../../proto/tests/tap.h"

#define ROOT		0x10000000ULL	/* the children's, one after the other */
#define SELF_ROOT	0x20000000ULL
#define NR_BURST	150

static struct fakedev dev;

/* The children spin here: it must be in .symtab under this name. */
__attribute__((noinline)) unsigned long vmprof_exec_work(double until);
__attribute__((noinline)) unsigned long vmprof_exec_work(double until)
{
	unsigned long x = 88172645463325252UL;

	while (now_s() < until) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		__asm__ volatile("" : "+r"(x));
	}
	return x;
}

static void put_addr(uint64_t a)
{
	if (write(3, &a, sizeof(a)) != sizeof(a))
		_exit(3);
}

/*
 * The exec'ed child: "spin MS" tells fd 3 where vmprof_exec_work is and
 * spins MS ms in it; "map MS" also maps a page of its own file executable
 * 100 ms in and tells where.
 */
static int child_main(const char *mode, const char *ms_arg)
{
	double start = now_s(), ms = strtod(ms_arg, NULL);
	void *a;
	int fd;

	put_addr((uintptr_t)vmprof_exec_work);
	if (!strcmp(mode, "map")) {
		vmprof_exec_work(start + 0.1);
		fd = open("/proc/self/exe", O_RDONLY);
		a = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
		put_addr(a == MAP_FAILED ? 0 : (uintptr_t)a);
	}
	close(3);
	vmprof_exec_work(start + ms / 1e3);
	return 0;
}

static int read_addr(int fd, uint64_t *a)
{
	return read(fd, a, sizeof(*a)) == sizeof(*a) ? 0 : -1;
}

/*
 * Run this program as a child in @mode for @ms; the module's EXEC record
 * goes to the agent once the child told it has exec'ed, its EXIT when it
 * is reaped: at once, or @reap_ms after its start (a zombie until then,
 * as a process is between its last thread's exit_mm() and its EXIT).
 * Returns the child's pid; @addr gets what it told.
 */
static pid_t run_child(const char *mode, const char *ms, uint64_t *addr,
		       int naddr, int reap_ms)
{
	double start = now_s();
	int p[2], i, status;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (!pid) {
		close(p[0]);
		if (dup2(p[1], 3) < 0)
			_exit(127);
		execl("/proc/self/exe", "test_exec", mode, ms, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	for (i = 0; i < naddr; i++) {
		if (read_addr(p[0], &addr[i]))
			addr[i] = 0;
		if (!i)
			fakedev_event(&dev, VMPROF_GUEST_EXEC, pid, ROOT, "test_exec");
	}
	close(p[0]);
	while (now_s() < start + reap_ms / 1e3)
		usleep(10000);
	waitpid(pid, &status, 0);
	fakedev_event(&dev, VMPROF_GUEST_EXIT, pid, 0, "test_exec");
	return pid;
}

/* CPU time @pid has used, from schedstat (0 if the kernel has none). */
static uint64_t cpu_ns(pid_t pid)
{
	unsigned long long ns = 0;
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	f = fopen(path, "re");
	if (f) {
		if (fscanf(f, "%llu", &ns) != 1)
			ns = 0;
		fclose(f);
	}
	return ns;
}

/* The function of @tgid's process (its last incarnation) at @rip. */
static const char *name_at(const struct vp_parser *p, pid_t tgid,
			   uint64_t rip)
{
	const struct vp_proc *pr = vp_lookup_tgid(p, (uint32_t)tgid);
	const struct vp_map *m = NULL;
	const struct vp_sym *s;

	if (!pr)
		return "(no process)";
	if (!pr->nr_maps)
		return "(no maps)";
	s = vp_lookup_user_proc(p, pr, rip, &m, NULL);
	if (!m)
		return "(no map there)";
	return s ? s->name : "(no symbol)";
}

/* @tgid's last incarnation has a mapping that covers @rip. */
static int mapped(const struct vp_parser *p, pid_t tgid, uint64_t rip)
{
	const struct vp_proc *pr = vp_lookup_tgid(p, (uint32_t)tgid);
	const struct vp_map *m = NULL;

	if (pr)
		vp_lookup_user_proc(p, pr, rip, &m, NULL);
	if (!m)
		printf("# pid %d: no mapping at 0x%llx\n", (int)tgid,
		       (unsigned long long)rip);
	return !!m;
}

static int named(const struct vp_parser *p, pid_t tgid, uint64_t rip,
		 const char *want)
{
	const char *got = name_at(p, tgid, rip);

	if (strcmp(got, want))
		printf("# pid %d at 0x%llx: %s\n", (int)tgid,
		       (unsigned long long)rip, got);
	return !strcmp(got, want);
}

int main(int argc, char **argv)
{
	struct vmprof_guest_rec snap[2], burst[NR_BURST];
	uint64_t a1 = 0, a2 = 0, a4 = 0, m3[2] = { 0, 0 };
	pid_t c1, c2, c3, c4, kids[NR_BURST], agent;
	int i, status, all = 1;
	struct vp_parser *p;
	uint64_t cpu;
	double t0;

	if (argc == 3)
		return child_main(argv[1], argv[2]);
	if (argc != 2) {
		fprintf(stderr, "usage: test_exec AGENT\n");
		return 2;
	}
	if (fakedev_open(&dev))
		return tap_done();
	fakedev_rec(&snap[0], VMPROF_GUEST_SNAPSHOT, getpid(), SELF_ROOT, "test_exec");
	fakedev_rec(&snap[1], VMPROF_GUEST_SNAPSHOT_END, 0, 0, "");
	fakedev_put(&dev, snap, 2);
	agent = fakedev_agent(&dev, argv[1], NULL);
	tap_ok(!wait_for(dev.err, "sent snapshot of 1 processes", 30),
	       "exec: the agent took the snapshot from the fake device");

	/* reuse_a and reuse_b of scenario 6: 300 ms each, one root. */
	c1 = run_child("spin", "300", &a1, 1, 0);
	c2 = run_child("spin", "300", &a2, 1, 0);
	/* ld.so's late mappings: one 100 ms after exec, gone at 400 ms. */
	c3 = run_child("map", "400", m3, 2, 0);
	/* Gone 50 ms in, its EXIT sent at 400 ms: past the read at 200 ms. */
	c4 = run_child("spin", "50", &a4, 1, 400);

	/* An exec burst past the budget; each process lives 500 ms. */
	for (i = 0; i < NR_BURST; i++) {
		kids[i] = fork();
		if (!kids[i]) {
			pause();
			_exit(0);
		}
		fakedev_rec(&burst[i], VMPROF_GUEST_EXEC, kids[i],
			    ROOT + (i + 1) * 0x2000ULL, "burst");
	}
	t0 = now_s();
	cpu = cpu_ns(agent);
	fakedev_put(&dev, burst, NR_BURST);
	usleep(500000);
	cpu = cpu_ns(agent) - cpu;
	printf("# agent CPU for %d execs at once: %.1f ms, %.0f us each (both reads)\n",
	       NR_BURST, cpu / 1e6, cpu / 1e3 / NR_BURST);
	for (i = 0; i < NR_BURST; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], &status, 0);
		fakedev_rec(&burst[i], VMPROF_GUEST_EXIT, kids[i], 0, "burst");
	}
	fakedev_put(&dev, burst, NR_BURST);
	printf("# burst's processes ran %.0f ms\n", (now_s() - t0) * 1e3);

	/* Let the agent read the EXITs, then stop it. */
	fakedev_drain(&dev);
	kill(agent, SIGTERM);
	waitpid(agent, &status, 0);
	tap_ok(WIFEXITED(status) && !WEXITSTATUS(status),
	       "exec: the agent exits 0 on SIGTERM");

	p = parse_file(dev.out);
	tap_ok(p && !vp_parser_error(p)[0], "exec: the agent's stream parses");
	tap_ok(p && a1 && named(p, c1, a1, "vmprof_exec_work"),
	       "exec: a 300 ms program's function is named (first on the root)");
	tap_ok(p && a2 && named(p, c2, a2, "vmprof_exec_work"),
	       "exec: so is the next 300 ms program's on the same root");
	tap_ok(p && m3[1] && mapped(p, c3, m3[1]),
	       "exec: code mapped 100 ms after exec is in the maps of a program gone at 400 ms");
	tap_ok(p && a4 && named(p, c4, a4, "vmprof_exec_work"),
	       "exec: an exited program's empty maps, read before its EXIT, do not replace its maps");
	for (i = 0; p && i < NR_BURST; i++)
		if (!vp_lookup_tgid(p, (uint32_t)kids[i]) ||
		    !vp_lookup_tgid(p, (uint32_t)kids[i])->nr_maps) {
			if (all)
				printf("# burst: pid %d has no maps\n", (int)kids[i]);
			all = 0;
		}
	tap_ok(p && all, "exec: 150 processes exec'ed at once all get their maps");
	tap_ok(!wait_for(dev.err, "maps read 200 ms after exec", 0.1),
	       "exec: past the budget of reads at exec, the agent says so (verbose)");
	vp_parser_free(p);
	fakedev_close(&dev);
	return tap_done();
}
