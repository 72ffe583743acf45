// SPDX-License-Identifier: GPL-2.0
/*
 * End-to-end symbol check: fork a child that sleeps in libc, let
 * vmprof-agent --no-module --once snapshot it, parse the stream with the
 * host parser, and resolve the child's address of a libc function and of
 * a function of this program back to their names.  This proves the
 * st_value -> file offset translation and the maps/build-id join.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "agent_proto.h"
#include "tests.h"
#include "../proto/tests/tap.h"

/* Not static, not inlined: it must be in .symtab under this name. */
__attribute__((noinline)) int vmprof_test_marker(int x);
__attribute__((noinline)) int vmprof_test_marker(int x)
{
	return x * 3 + 1;
}

static void check_sym(struct vp_parser *p, pid_t pid, const void *addr,
		      const char *want, const char *what)
{
	const struct vp_map *m = NULL;
	const struct vp_sym *s;
	uint64_t off = ~0ull;

	s = vp_lookup_user(p, (uint32_t)pid, (uintptr_t)addr, &m, &off);
	if (!s || !strstr(s->name, want) || off)
		printf("# %s: got %s+0x%llx in %s\n", want, s ? s->name : "-",
		       (unsigned long long)off, m ? m->path : "no map");
	tap_ok(s && strstr(s->name, want) && off == 0, what);
}

int main(int argc, char **argv)
{
	char cmd[4096], path[] = "/tmp/vmprof-symtest-XXXXXX";
	struct vp_parser *p;
	int fd, rc;
	pid_t pid;

	if (argc != 2) {
		fprintf(stderr, "usage: test_symbols AGENT\n");
		return 2;
	}
	fd = mkstemp(path);
	if (fd < 0)
		return 1;
	close(fd);
	pid = fork();
	if (!pid) {
		for (;;)
			pause();
	}
	snprintf(cmd, sizeof(cmd), "%s --no-module --once -o %s", argv[1],
		 path);
	rc = system(cmd);
	tap_ok(rc == 0, "agent snapshot with a forked child");
	p = parse_file(path);
	tap_ok(p && !vp_parser_error(p)[0], "stream parses");
	tap_ok(p && vp_lookup_tgid(p, pid), "child is in the table");
	check_sym(p, pid, (void *)vmprof_test_marker, "vmprof_test_marker",
		  "child's address of a program function resolves (.symtab)");
	check_sym(p, pid, (void *)pause, "pause",
		  "child's address of libc pause() resolves");
	vp_parser_free(p);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	unlink(path);
	return tap_done();
}
