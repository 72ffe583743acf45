// SPDX-License-Identifier: GPL-2.0
/*
 * vmprof-agent-dump: test and debugging companion of vmprof-agent.
 * Parses an agent stream (file, stdin, or one connection, which it takes
 * or makes as a host of either protocol version would) with the host-side
 * parser and prints the resulting table, or prints the raw records of
 * /dev/vmprof_guest.  One line per item so that busybox sh tests can grep
 * it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <linux/vm_sockets.h>

#include "agent_proto.h"
#include "vmprof_guest.h"

#define DPROG "vmprof-agent-dump"

static const char usage_text[] =
"Usage: " DPROG " [FILE|-]\n"
"       " DPROG " --listen ADDR|--connect ADDR [--offer MIN:MAX[:FEATURES]|none]\n"
"                         [--seconds N]\n"
"       " DPROG " --module [--events] [--count N]\n"
"\n"
"Parse a vmprof-agent stream and print the table it describes:\n"
"  hello RELEASE FLAGS VERSION\n"
"  proc TGID PID PPID COMM CR3 live|exited NR_MAPS\n"
"  summary MESSAGES PROCS OBJECTS KALLSYMS\n"
"or, with --module, print /dev/vmprof_guest records:\n"
"  snap|fork|exec|exit TGID PID PPID COMM CR3, end, lost N\n"
"\n"
"  -l, --listen ADDR   accept one connection and parse it; ADDR is a vsock\n"
"                      PORT or unix:PATH\n"
"  -c, --connect ADDR  connect to a listening agent, ADDR CID:PORT or\n"
"                      unix:PATH, and parse its stream\n"
"  -o, --offer MIN:MAX[:FEATURES]\n"
"                      on a connection, first send the OFFER of a host that\n"
"                      parses versions MIN..MAX (default 1:2) and takes\n"
"                      FEATURES (default: all it knows); 'none' acts as a\n"
"                      version 1 host: no OFFER, version 1 only\n"
"  -s, --seconds N     stop reading a connection after N s\n"
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
		printf("hello %s 0x%x %u\n", h->release, h->flags, h->version);
	/* Raw: a later agent's bits too. */
	if (h && h->version >= 2)
		printf("features 0x%x\n", h->features);
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

/* What a host would be: the versions it offers, 0 for a version 1 host. */
static struct vp_offer offer = { VP_VERSION_MIN, VP_VERSION, 0 };
static unsigned int read_seconds;
static int cut;		/* --seconds ended the read, maybe mid-message */

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read for at most --seconds: a listening agent's stream never ends. */
static ssize_t read_some(int fd, char *buf, size_t len, uint64_t end)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t now;

	if (!end)
		return read(fd, buf, len);
	now = mono_ms();
	if (now >= end || poll(&pfd, 1, (int)(end - now)) == 0) {
		cut = 1;
		return 0;
	}
	return read(fd, buf, len);
}

static int parse_fd(int fd, const char *name)
{
	struct vp_limits lim = { .max_version = offer.max_version ?
				 offer.max_version : 1 };
	struct vp_parser *p = vp_parser_new(&lim, NULL, NULL);
	uint64_t end = read_seconds ? mono_ms() + read_seconds * 1000ull : 0;
	static char buf[65536];
	int ret = 0;
	ssize_t n;

	if (!p) {
		fprintf(stderr, DPROG ": out of memory\n");
		return 1;
	}
	while ((n = read_some(fd, buf, sizeof(buf), end)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		/*
		 * A version 1 agent never reads the OFFER, and closing a
		 * socket with unread data resets it: the stream's end.
		 */
		if (n < 0 && errno == ECONNRESET)
			break;
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
	if (!ret && !cut && vp_parser_partial(p)) {
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

/* ADDR: [CID:]PORT for vsock or unix:PATH; 0, or -1 when malformed. */
static int parse_addr(const char *a, int with_cid, struct sockaddr_storage *ss,
		      socklen_t *len)
{
	struct sockaddr_vm *vm = (struct sockaddr_vm *)ss;
	unsigned long cid = VMADDR_CID_ANY, port;
	char *end;

	memset(ss, 0, sizeof(*ss));
	if (!strncmp(a, "unix:", 5)) {
		struct sockaddr_un *un = (struct sockaddr_un *)ss;

		if (strlen(a + 5) >= sizeof(un->sun_path) || !a[5])
			return -1;
		un->sun_family = AF_UNIX;
		strcpy(un->sun_path, a + 5);
		*len = sizeof(*un);
		return 0;
	}
	if (with_cid) {
		cid = strtoul(a, &end, 0);
		if (end == a || *end != ':' || cid > UINT32_MAX)
			return -1;
		a = end + 1;
	}
	port = strtoul(a, &end, 0);
	if (*end || end == a || !port || port > UINT32_MAX)
		return -1;
	vm->svm_family = AF_VSOCK;
	vm->svm_cid = (unsigned int)cid;
	vm->svm_port = (unsigned int)port;
	*len = sizeof(*vm);
	return 0;
}

/* A version 2 host speaks first; a version 1 host never writes. */
static int send_offer(int fd)
{
	struct vp_buf b;
	int ret = 0;

	if (!offer.max_version)
		return 0;
	vp_buf_init(&b);
	if (vp_enc_offer(&b, &offer) ||
	    send(fd, b.data, b.len, MSG_NOSIGNAL) != (ssize_t)b.len) {
		fprintf(stderr, DPROG ": cannot send the OFFER: %s\n",
			strerror(errno));
		ret = -1;
	}
	vp_buf_free(&b);
	return ret;
}

static int serve_conn(int c, const char *name)
{
	int ret;

	if (send_offer(c)) {
		close(c);
		return 1;
	}
	ret = parse_fd(c, name);
	close(c);
	return ret;
}

static int listen_addr(const struct sockaddr_storage *ss, socklen_t len,
		       const char *arg)
{
	int s, c;

	if (ss->ss_family == AF_UNIX)
		unlink(((const struct sockaddr_un *)ss)->sun_path);
	s = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || bind(s, (const struct sockaddr *)ss, len) ||
	    listen(s, 1)) {
		fprintf(stderr, DPROG ": listen on %s: %s\n", arg,
			strerror(errno));
		return 1;
	}
	/* Tests wait for this line before starting the agent. */
	printf("listening %s\n", arg);
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
	return serve_conn(c, arg);
}

static int connect_addr(const struct sockaddr_storage *ss, socklen_t len,
			const char *arg)
{
	int c = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (c < 0 || connect(c, (const struct sockaddr *)ss, len)) {
		fprintf(stderr, DPROG ": connect to %s: %s\n", arg,
			strerror(errno));
		if (c >= 0)
			close(c);
		return 1;
	}
	return serve_conn(c, arg);
}

static int parse_offer(const char *s)
{
	unsigned long lo, hi, feat = VP_FEATURES_ALL;
	char *end;

	if (!strcmp(s, "none")) {
		offer.max_version = 0;
		return 0;
	}
	lo = strtoul(s, &end, 0);
	if (*end != ':' || !lo || lo > UINT16_MAX)
		return -1;
	hi = strtoul(end + 1, &end, 0);
	if ((*end && *end != ':') || hi < lo || hi > UINT16_MAX)
		return -1;
	if (*end) {
		feat = strtoul(end + 1, &end, 0);
		if (*end || feat > UINT32_MAX)
			return -1;
	}
	offer.min_version = (uint16_t)lo;
	offer.max_version = (uint16_t)hi;
	offer.features = (uint32_t)feat;
	return 0;
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
		{ "connect", required_argument, NULL, 'c' },
		{ "offer", required_argument, NULL, 'o' },
		{ "seconds", required_argument, NULL, 's' },
		{ "module", no_argument, NULL, 'm' },
		{ "events", no_argument, NULL, 'e' },
		{ "count", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *listen_arg = NULL, *connect_arg = NULL;
	struct sockaddr_storage ss;
	unsigned long count = 0;
	int c, module = 0, events = 0;
	socklen_t len = 0;
	char *end;

	while ((c = getopt_long(argc, argv, "l:c:o:s:men:h", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'l':
			listen_arg = optarg;
			if (parse_addr(optarg, 0, &ss, &len))
				goto usage;
			break;
		case 'c':
			connect_arg = optarg;
			if (parse_addr(optarg, 1, &ss, &len))
				goto usage;
			break;
		case 'o':
			if (parse_offer(optarg))
				goto usage;
			break;
		case 's':
			read_seconds = (unsigned int)strtoul(optarg, &end, 0);
			if (*end || !read_seconds || read_seconds > 3600)
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
	if ((module + !!listen_arg + !!connect_arg + (optind < argc)) != 1 ||
	    argc - optind > 1 || ((events || count) && !module))
		goto usage;
	if (module)
		return read_module(events, count);
	if (listen_arg)
		return listen_addr(&ss, len, listen_arg);
	if (connect_arg)
		return connect_addr(&ss, len, connect_arg);
	return parse_file(argv[optind]);
usage:
	fprintf(stderr, DPROG ": bad usage\nTry '" DPROG " --help'.\n");
	return 2;
}
