// SPDX-License-Identifier: GPL-2.0
/*
 * vmprof-agent: send the guest's CR3 -> process table, process maps,
 * symbols and kallsyms to the host profiler over AF_VSOCK, or to a file.
 *
 * By default the agent listens and each recording on the host connects
 * to it (as trace-cmd's agent does): every connection is served by a
 * child of its own, with its own snapshot, so two recordings of this
 * guest never share a stream, and a host-wide port on the host is not
 * needed.  --connect keeps the version 1 direction for old hosts.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "agent.h"

int agent_verbose;
static volatile sig_atomic_t stop;

static const char usage_text[] =
"Usage: " PROG " [options]\n"
"\n"
"Send this guest's CR3 -> process map, process maps with build-ids,\n"
"function symbols and kallsyms to the host profiler (vmprofctl).  By\n"
"default listen on vsock and give each recording that connects from the\n"
"host a stream of its own.\n"
"\n"
"Options:\n"
"  -o, --output FILE   write the stream to FILE instead of vsock\n"
"      --connect       connect to the host instead of listening (a\n"
"                      version 1 vmprofctl, or a relay on the host)\n"
"  -c, --cid CID       the host's vsock CID: the only peer served, or the\n"
"                      one --connect dials (default 2; 1 is loopback)\n"
"  -p, --port PORT     vsock port (default 525 listening, 5253 with\n"
"                      --connect)\n"
"      --unix PATH     an AF_UNIX socket at PATH instead of vsock\n"
"      --proto N       send stream version N at most (1 or 2, default 2);\n"
"                      1 never reads from the host, as version 1 did\n"
"      --offer-wait MS wait MS ms for the host's OFFER, then send\n"
"                      version 1 (default 1000)\n"
"  -i, --interval MS   rescan process maps every MS ms (default 10000)\n"
"      --poll MS       with --no-module: rescan /proc every MS ms\n"
"                      (default 1000)\n"
"      --once          send one full snapshot, then exit\n"
"      --no-module     without vmprof_guest.ko: table from /proc, no CR3\n"
"  -v, --verbose       log what is sent to stderr\n"
"  -h, --help          show this help\n"
"\n"
"EXAMPLES\n"
"  " PROG "                           serve recordings on vsock port 525\n"
"  " PROG " --connect                 send to a version 1 host, CID 2\n"
"  " PROG " --once -o /tmp/agent.bin  one snapshot into a file\n"
"  " PROG " --cid 1 --port 6000       vsock loopback test\n"
"\n"
"Exit status: 0 success, 1 runtime error, 2 usage error.\n";

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

void agent_log(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int parse_uint(const char *s, unsigned int max, unsigned int *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || !*s || *end || v > max)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, PROG ": ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry '" PROG " --help'.\n");
	return 2;
}

/* Returns -1 to go on, else the exit status. */
static int parse_opts(int argc, char **argv, struct agent_opts *o)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "cid", required_argument, NULL, 'c' },
		{ "port", required_argument, NULL, 'p' },
		{ "connect", no_argument, NULL, 'C' },
		{ "unix", required_argument, NULL, 'U' },
		{ "proto", required_argument, NULL, 'V' },
		{ "offer-wait", required_argument, NULL, 'W' },
		{ "interval", required_argument, NULL, 'i' },
		{ "once", no_argument, NULL, 'O' },
		{ "no-module", no_argument, NULL, 'N' },
		{ "poll", required_argument, NULL, 'P' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, have_cid = 0, have_sock = 0;

	while ((c = getopt_long(argc, argv, "o:c:p:i:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->output = optarg;
			break;
		case 'c':
			have_cid = 1;
			if (parse_uint(optarg, UINT32_MAX, &o->cid))
				return usage_error("bad CID '%s'", optarg);
			break;
		case 'p':
			if (parse_uint(optarg, UINT32_MAX, &o->port) || !o->port)
				return usage_error("bad port '%s'", optarg);
			break;
		case 'i':
			if (parse_uint(optarg, 3600000, &o->interval_ms) ||
			    o->interval_ms < 10)
				return usage_error("interval '%s' not in 10..3600000 ms",
						   optarg);
			break;
		case 'P':
			if (parse_uint(optarg, 3600000, &o->poll_ms) ||
			    o->poll_ms < 10)
				return usage_error("poll period '%s' not in 10..3600000 ms",
						   optarg);
			break;
		case 'C':
			o->connect = 1;
			have_sock = 1;
			break;
		case 'U':
			o->unix_path = optarg;
			have_sock = 1;
			break;
		case 'V':
			if (parse_uint(optarg, VP_VERSION, &o->proto) ||
			    o->proto < VP_VERSION_MIN)
				return usage_error("protocol version '%s' not in 1..2",
						   optarg);
			break;
		case 'W':
			if (parse_uint(optarg, 60000, &o->offer_wait_ms))
				return usage_error("offer wait '%s' not in 0..60000 ms",
						   optarg);
			break;
		case 'O':
			o->once = 1;
			break;
		case 'N':
			o->proc_only = 1;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			return usage_error("%s", "bad option");
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (o->output && (have_cid || have_sock))
		return usage_error("%s", "--output excludes --cid, --connect and --unix");
	return -1;
}

static void on_signal(int sig)
{
	stop = 1;
}

/*
 * Everything the host needs at the start of a connection.  The process
 * table goes before KALLSYMS: over a slow channel (a nested guest's
 * virtio-serial moves ~100 KB/s) the ~1 MB of kernel symbols would hold
 * back the CR3 map, and with it every user-space sample, for seconds.
 */
static int send_initial(struct table *t, struct vp_buf *b)
{
	elf_cache_reset();
	if (send_hello(b, table_has_module(t)) || out_send(b) ||
	    table_snapshot(t, b) || out_send(b) ||
	    send_kallsyms(b) || out_send(b))
		return -1;
	if (agent_verbose)
		agent_log("sent snapshot of %u processes", table_nr(t));
	return 0;
}

/*
 * Follow changes until stop (0), a broken output (-1) or a broken source
 * (-2).  Wake at least every second for due maps rescans, and when the
 * read after a fork or exec is due.
 */
static int follow(struct table *t, struct vp_buf *b, const struct agent_opts *o)
{
	uint64_t interval = (uint64_t)o->interval_ms * 1000000ull;
	uint64_t poll_ns = (uint64_t)o->poll_ms * 1000000ull;
	/* The connection too: a host that closes it ends the session. */
	struct pollfd pfd[2] = {
		{ .fd = table_fd(t), .events = POLLIN },
		{ .fd = out_poll_fd(), .events = POLLIN },
	};
	int timeout = o->poll_ms < 1000 ? (int)o->poll_ms : 1000;
	uint64_t next_scan = 0, now;
	int ret = 0;

	while (!stop) {
		if (poll(pfd, 2, table_timeout_ms(t, now_ns(), timeout)) < 0 &&
		    errno != EINTR)
			return -2;
		if (pfd[1].revents && out_host_gone())
			return -1;
		now = now_ns();
		if (table_has_module(t) || now >= next_scan) {
			ret = table_update(t, b, now);
			next_scan = now + poll_ns;
		}
		if (ret == 1)
			ret = table_snapshot(t, b);
		/* The snapshot reopened the device. */
		pfd[0].fd = table_fd(t);
		if (ret || table_rescan(t, b, now_ns(), interval))
			return -2;
		if (b->len && out_send(b))
			return -1;
	}
	/* Stopped: still send the events that happened before the signal. */
	if (table_update(t, b, now_ns()) < 0)
		return -2;
	if (b->len && out_send(b))
		return -1;
	return 0;
}

/* The stream's version on a new connection; 0: close it. */
static uint16_t stream_version(const struct agent_opts *o)
{
	/* A file has no host to ask, and version 1 never read. */
	if (out_is_file() || o->proto == 1)
		return (uint16_t)o->proto;
	return out_negotiate(o);
}

/* --output FILE, or --connect: one stream at a time, reconnecting. */
static int run(const struct agent_opts *o, struct table *t)
{
	struct vp_buf b;
	int ret = 0;

	vp_buf_init(&b);
	ret = out_open(o);
	if (ret > 0)
		ret = out_reconnect(o, &stop);
	if (ret) {
		/* ret > 0: SIGTERM/SIGINT before the host ever listened. */
		vp_buf_free(&b);
		return ret < 0 ? 1 : 0;
	}
	for (;;) {
		vp_buf_reset(&b);
		b.version = stream_version(o);
		ret = b.version ? send_initial(t, &b) : -1;
		if (!ret && !o->once)
			ret = follow(t, &b, o);
		if (ret == -2 || !ret || out_is_file() || o->once)
			break;
		/* The connection broke (-1): wait for the host again. */
		ret = out_reconnect(o, &stop);
		if (ret) {
			ret = ret < 0 ? -1 : 0;
			break;
		}
		agent_log("reconnected to cid %u port %u", o->cid, o->port);
	}
	/* Asked to stop: output that could not go out then is no failure. */
	if (stop && ret == -1)
		ret = 0;
	out_close();
	vp_buf_free(&b);
	return ret ? 1 : 0;
}

static pid_t sessions[AGENT_MAX_SESSIONS];

static void reap_sessions(int block)
{
	pid_t pid;
	int i;

	while ((pid = waitpid(-1, NULL, block ? 0 : WNOHANG)) > 0)
		for (i = 0; i < AGENT_MAX_SESSIONS; i++)
			if (sessions[i] == pid)
				sessions[i] = 0;
}

/*
 * One recording: its own table (its own open of the module, so its own
 * snapshot and event cursor) and stream, until the host closes the
 * connection or the agent is stopped.
 */
static int session(const struct agent_opts *o, int fd)
{
	struct table *t;
	struct vp_buf b;
	int ret;

	out_set_fd(fd);
	vp_buf_init(&b);
	b.version = stream_version(o);
	t = b.version ? table_new(o->proc_only) : NULL;
	ret = t ? send_initial(t, &b) : -1;
	if (!ret && !o->once)
		ret = follow(t, &b, o);
	table_free(t);
	out_close();
	vp_buf_free(&b);
	/* A host that ends its recording closes the connection: no failure. */
	return ret == -2 ? 1 : 0;
}

static void stop_listening(const struct agent_opts *o, int lfd)
{
	close(lfd);
	if (o->unix_path)
		unlink(o->unix_path);
}

/*
 * Accept on @lfd (bound before the privileges went); a child per
 * connection, at most AGENT_MAX_SESSIONS at once.
 */
static int serve(const struct agent_opts *o, int lfd)
{
	int i, said_full = 0;

	while (!stop) {
		struct pollfd pfd = { .fd = lfd, .events = POLLIN };
		int fd, slot = -1;
		pid_t pid;

		reap_sessions(0);
		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		fd = out_accept(lfd, o);
		if (fd < 0)
			continue;
		if (o->once) {
			stop_listening(o, lfd);
			return session(o, fd);
		}
		for (i = 0; i < AGENT_MAX_SESSIONS; i++)
			if (!sessions[i])
				slot = i;
		/* Once until a session ends: the host tries every second. */
		if (slot < 0) {
			if (!said_full++)
				agent_log("already serving %d recordings: further connections closed",
					  AGENT_MAX_SESSIONS);
			close(fd);
			continue;
		}
		said_full = 0;
		pid = fork();
		if (!pid) {
			close(lfd);
			fflush(stderr);
			_exit(session(o, fd));
		}
		if (pid < 0)
			agent_log("cannot serve a recording: fork: %s",
				  strerror(errno));
		else
			sessions[slot] = pid;
		close(fd);
	}
	/* Stopped: each session still sends what happened before. */
	for (i = 0; i < AGENT_MAX_SESSIONS; i++)
		if (sessions[i])
			kill(sessions[i], SIGTERM);
	reap_sessions(1);
	stop_listening(o, lfd);
	return 0;
}

int main(int argc, char **argv)
{
	struct agent_opts o = {
		.cid = VP_HOST_CID,
		.interval_ms = 10000,
		.poll_ms = 1000,
		.proto = VP_VERSION,
		.offer_wait_ms = 1000,
	};
	struct sigaction sa = { .sa_handler = on_signal };
	int ret, lfd = -1;
	struct table *t;

	ret = parse_opts(argc, argv, &o);
	if (ret >= 0)
		return ret;
	agent_verbose = o.verbose;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	out_set_stop(&stop);
	signal(SIGPIPE, SIG_IGN);
	if (!o.port)
		o.port = o.output || o.connect ? VP_DEFAULT_PORT : VP_AGENT_PORT;
	/* The agent's port is privileged: bind it while the agent may. */
	if (!o.output && !o.connect) {
		lfd = out_listen(&o);
		if (lfd < 0)
			return 1;
	}
	if (drop_privileges() || elf_init())
		return 1;
	/* Also when listening: a missing module is said at startup. */
	t = table_new(o.proc_only);
	if (!t)
		return 1;
	if (o.output || o.connect) {
		ret = run(&o, t);
	} else {
		table_free(t);
		t = NULL;
		ret = serve(&o, lfd);
	}
	table_free(t);
	elf_cache_reset();
	return ret;
}
