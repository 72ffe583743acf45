// SPDX-License-Identifier: GPL-2.0
/*
 * vmprof-agent-dump: test and debugging companion of vmprof-agent.
 * Parses an agent stream (file, stdin, or one vsock connection) with the
 * host-side parser and prints the resulting table, or prints the raw
 * records of /dev/vmprof_guest.  One line per item so that busybox sh
 * tests can grep it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/vm_sockets.h>

#include "agent_proto.h"
#include "vmprof_guest.h"

#define DPROG "vmprof-agent-dump"

static const char usage_text[] =
"Usage: " DPROG " [FILE|-]\n"
"       " DPROG " --listen PORT\n"
"       " DPROG " --module [--events] [--count N]\n"
"\n"
"Parse a vmprof-agent stream and print the table it describes:\n"
"  hello RELEASE FLAGS\n"
"  proc TGID PID PPID COMM CR3 live|exited NR_MAPS\n"
"  summary MESSAGES PROCS OBJECTS KALLSYMS\n"
"or, with --module, print /dev/vmprof_guest records:\n"
"  snap|fork|exec|exit TGID PID PPID COMM CR3, end, lost N\n"
"\n"
"  -l, --listen PORT   accept one AF_VSOCK connection on PORT and parse it\n"
"  -m, --module        read the vmprof_guest.ko device\n"
"  -e, --events        with --module: keep printing events after the\n"
"                      snapshot\n"
"  -n, --count N       with --events: exit after N events\n"
"  -h, --help          show this help\n"
"\n"
"EXAMPLES\n"
"  vmprof-agent --once -o s.bin && " DPROG " s.bin\n"
"  " DPROG " --module --events --count 3\n"
"\n"
"Exit status: 0 success, 1 runtime or parse error, 2 usage error.\n";

/* Spaces would break the one-item-per-field output. */
static void print_comm(const char *comm)
{
	for (; *comm; comm++)
		putchar(*comm == ' ' ? '_' : *comm);
}

static void print_proc(const struct vp_proc *p)
{
	printf("proc %u %u %u ", p->ent.tgid, p->ent.pid, p->ent.ppid);
	print_comm(p->ent.comm);
	printf(" 0x%llx %s %u\n", (unsigned long long)p->ent.cr3,
	       p->exited ? "exited" :
	       vp_state_proc_replaced(p) ? "replaced" : "live", p->nr_maps);
}

static int cmp_tgid(const void *a, const void *b)
{
	const struct vp_proc *x = *(const struct vp_proc **)a;
	const struct vp_proc *y = *(const struct vp_proc **)b;

	return (x->ent.tgid > y->ent.tgid) - (x->ent.tgid < y->ent.tgid);
}

static void print_state(const struct vp_parser *p)
{
	uint32_t n = vp_state_nr_procs(p), i;
	const struct vp_proc **v = calloc(n ? n : 1, sizeof(*v));
	const struct vp_hello *h = vp_state_hello(p);

	if (h)
		printf("hello %s 0x%x\n", h->release, h->flags);
	for (i = 0; v && i < n; i++)
		v[i] = vp_state_proc(p, i);
	if (v)
		qsort(v, n, sizeof(*v), cmp_tgid);
	for (i = 0; v && i < n; i++)
		print_proc(v[i]);
	free(v);
	printf("summary %llu %u %u %u\n",
	       (unsigned long long)vp_parser_messages(p), n,
	       vp_state_nr_objects(p), vp_state_nr_kallsyms(p));
}

static int parse_fd(int fd, const char *name)
{
	struct vp_parser *p = vp_parser_new(NULL, NULL, NULL);
	static char buf[65536];
	int ret = 0;
	ssize_t n;

	if (!p) {
		fprintf(stderr, DPROG ": out of memory\n");
		return 1;
	}
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, DPROG ": read %s: %s\n", name,
				strerror(errno));
			ret = 1;
			break;
		}
		if (vp_parser_feed(p, buf, n)) {
			fprintf(stderr, DPROG ": %s: %s\n", name,
				vp_parser_error(p));
			ret = 1;
			break;
		}
	}
	if (!ret && vp_parser_partial(p)) {
		fprintf(stderr, DPROG ": %s: stream ends inside a message\n",
			name);
		ret = 1;
	}
	print_state(p);
	vp_parser_free(p);
	return ret;
}

static int parse_file(const char *path)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	int ret;

	if (fd < 0) {
		fprintf(stderr, DPROG ": cannot open %s: %s\n", path,
			strerror(errno));
		return 1;
	}
	ret = parse_fd(fd, path);
	if (fd)
		close(fd);
	return ret;
}

static int listen_vsock(unsigned int port)
{
	struct sockaddr_vm addr = {
		.svm_family = AF_VSOCK,
		.svm_cid = VMADDR_CID_ANY,
		.svm_port = port,
	};
	int s, c, ret;

	s = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(s, 1)) {
		fprintf(stderr, DPROG ": vsock listen on port %u: %s\n", port,
			strerror(errno));
		return 1;
	}
	/* Tests wait for this line before starting the agent. */
	printf("listening %u\n", port);
	fflush(stdout);
	c = accept(s, NULL, NULL);
	close(s);
	if (c < 0) {
		fprintf(stderr, DPROG ": accept: %s\n", strerror(errno));
		return 1;
	}
	/* And for this one, to time a connection apart from its stream. */
	printf("accepted\n");
	fflush(stdout);
	ret = parse_fd(c, "vsock");
	close(c);
	return ret;
}

static const char *const ev_names[] = {
	"snap", "fork", "exec", "exit", "end", "lost",
};

static void print_rec(const struct vmprof_guest_rec *r)
{
	char comm[VMPROF_GUEST_COMM_LEN];

	if (r->event == VMPROF_GUEST_SNAPSHOT_END) {
		printf("end\n");
	} else if (r->event == VMPROF_GUEST_LOST) {
		printf("lost %u\n", r->tgid);
	} else if (r->event < VMPROF_GUEST_SNAPSHOT_END) {
		memcpy(comm, r->comm, sizeof(comm));
		comm[sizeof(comm) - 1] = '\0';
		printf("%s %u %u %u ", ev_names[r->event], r->tgid, r->pid,
		       r->ppid);
		print_comm(comm);
		printf(" 0x%llx\n", (unsigned long long)r->cr3);
	}
	fflush(stdout);
}

static int read_module(int events, unsigned long count)
{
	struct vmprof_guest_rec recs[64];
	unsigned long seen = 0;
	int fd, i, in_snap = 1;
	ssize_t n;

	fd = open(VMPROF_GUEST_DEV, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, DPROG ": cannot open %s: %s (module loaded?)\n",
			VMPROF_GUEST_DEV, strerror(errno));
		return 1;
	}
	while ((n = read(fd, recs, sizeof(recs))) > 0) {
		for (i = 0; i < n / (ssize_t)sizeof(recs[0]); i++) {
			print_rec(&recs[i]);
			if (recs[i].event == VMPROF_GUEST_SNAPSHOT_END)
				in_snap = 0;
			else if (!in_snap)
				seen++;
			if (!in_snap && (!events || (count && seen >= count))) {
				close(fd);
				return 0;
			}
		}
	}
	fprintf(stderr, DPROG ": read %s: %s\n", VMPROF_GUEST_DEV,
		n ? strerror(errno) : "end of file");
	close(fd);
	return 1;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "module", no_argument, NULL, 'm' },
		{ "events", no_argument, NULL, 'e' },
		{ "count", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long port = 0, count = 0;
	int c, module = 0, events = 0;
	char *end;

	while ((c = getopt_long(argc, argv, "l:men:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			port = strtoul(optarg, &end, 0);
			if (*end || !port || port > UINT32_MAX)
				goto usage;
			break;
		case 'm':
			module = 1;
			break;
		case 'e':
			events = 1;
			break;
		case 'n':
			count = strtoul(optarg, &end, 0);
			if (*end || !count)
				goto usage;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			goto usage;
		}
	}
	if ((module + !!port + (optind < argc)) != 1 || argc - optind > 1 ||
	    ((events || count) && !module))
		goto usage;
	if (module)
		return read_module(events, count);
	if (port)
		return listen_vsock((unsigned int)port);
	return parse_file(argv[optind]);
usage:
	fprintf(stderr, DPROG ": bad usage\nTry '" DPROG " --help'.\n");
	return 2;
}
