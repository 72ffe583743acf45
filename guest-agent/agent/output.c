// SPDX-License-Identifier: GPL-2.0
/*
 * Where the stream goes: a file (--output), a connection the host made to
 * the agent's AF_VSOCK port (version 2, vmprof-agent(8) LISTENING), or,
 * with --connect, a connection to the host's port (the version 1
 * direction), re-established when it breaks or the host is not listening.
 * The first bytes a version 2 host sends are its OFFER (agent_proto.h);
 * out_negotiate() picks the stream's version from it.
 *
 * The retry interval grows from 250 ms but stays at 1 s: the host starts
 * its collector when an operator asks, and a 10 s recording must not end
 * before the agent tries again (with a 30 s cap, a recording shorter than
 * 30 s missed the agent about as often as not).  A refused connect costs
 * one vsock packet each way; the snapshot is sent only once connected.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <linux/vm_sockets.h>

#include "agent.h"

#define BACKOFF_MIN_MS	250u
#define BACKOFF_MAX_MS	1000u

static int out_fd = -1;
static int out_file;
static volatile sig_atomic_t *out_stop;
/* A connect failure is reported once, until a connection succeeds. */
static int out_reported;
/* The features of the host's OFFER this agent knows, for its HELLO. */
static uint32_t out_feat;

uint32_t out_features(void)
{
	return out_feat;
}

int out_is_file(void)
{
	return out_file;
}

static int open_file(const char *path)
{
	out_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out_fd < 0) {
		fprintf(stderr, PROG ": cannot open %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	out_file = 1;
	return 0;
}

/* The host's address: vsock CID and port, or --unix PATH (tests, relays). */
static socklen_t host_addr(const struct agent_opts *o,
			   struct sockaddr_storage *ss, int listen)
{
	memset(ss, 0, sizeof(*ss));
	if (o->unix_path) {
		struct sockaddr_un *un = (struct sockaddr_un *)ss;

		un->sun_family = AF_UNIX;
		snprintf(un->sun_path, sizeof(un->sun_path), "%s", o->unix_path);
		return sizeof(*un);
	} else {
		struct sockaddr_vm *vm = (struct sockaddr_vm *)ss;

		vm->svm_family = AF_VSOCK;
		vm->svm_cid = listen ? VMADDR_CID_ANY : o->cid;
		vm->svm_port = o->port;
		return sizeof(*vm);
	}
}

static int new_socket(const struct agent_opts *o)
{
	int fd = socket(o->unix_path ? AF_UNIX : AF_VSOCK,
			SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		fprintf(stderr,
			PROG ": vsock missing (%s): load vmw_vsock_virtio_transport, give the VM a vhost-vsock device, or use --output FILE\n",
			strerror(errno));
	return fd;
}

/* 0 connected, 1 retry later, -1 vsock is unusable here. */
static int open_vsock(const struct agent_opts *o)
{
	struct sockaddr_storage addr;
	socklen_t len = host_addr(o, &addr, 0);

	out_fd = new_socket(o);
	if (out_fd < 0)
		return -1;
	if (!connect(out_fd, (struct sockaddr *)&addr, len)) {
		out_reported = 0;
		return 0;
	}
	if (!out_reported++)
		fprintf(stderr, PROG ": cannot connect to %s cid %u port %u: %s; retrying\n",
			o->unix_path ? "unix socket" : "vsock", o->cid, o->port,
			strerror(errno));
	close(out_fd);
	out_fd = -1;
	return 1;
}

int out_open(const struct agent_opts *o)
{
	if (o->output)
		return open_file(o->output);
	return open_vsock(o);
}

void out_close(void)
{
	if (out_fd >= 0)
		close(out_fd);
	out_fd = -1;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int out_reconnect(const struct agent_opts *o, volatile sig_atomic_t *stop)
{
	unsigned int backoff = BACKOFF_MIN_MS;

	out_close();
	while (!*stop) {
		int ret = open_vsock(o);

		if (ret <= 0)
			return ret;
		sleep_ms(backoff);
		backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
							 backoff * 2;
	}
	/* Asked to stop while waiting for the host: not an error. */
	return 1;
}

void out_set_stop(volatile sig_atomic_t *stop)
{
	out_stop = stop;
}

/*
 * Once asked to stop, a host (or file reader) that does not read must not
 * hold the agent: SIGTERM interrupts a blocked send, and from then on the
 * output is non-blocking, so what does not fit is dropped and said so.
 */
static int stopping(void)
{
	static int nonblock;

	if (!out_stop || !*out_stop)
		return 0;
	if (!nonblock) {
		int fl = fcntl(out_fd, F_GETFL);

		if (fl >= 0)
			fcntl(out_fd, F_SETFL, fl | O_NONBLOCK);
		nonblock = 1;
	}
	return 1;
}

int out_send(struct vp_buf *b)
{
	size_t off = 0;

	if (out_fd < 0)
		return -1;
	while (off < b->len) {
		int stop = stopping();
		ssize_t n = send(out_fd, b->data + off, b->len - off,
				 out_file ? 0 : MSG_NOSIGNAL);

		if (n < 0 && errno == ENOTSOCK)
			n = write(out_fd, b->data + off, b->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && stop && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			fprintf(stderr, PROG ": stopping: %s is not reading, %zu bytes not sent\n",
				out_file ? "the output's reader" : "the host",
				b->len - off);
			vp_buf_reset(b);
			return -1;
		}
		if (n <= 0) {
			fprintf(stderr, PROG ": %s: %s\n",
				out_file ? "write to output file failed" :
					   "vsock connection lost",
				n < 0 ? strerror(errno) : "short write");
			return -1;
		}
		off += n;
	}
	vp_buf_reset(b);
	return 0;
}

int out_listen(const struct agent_opts *o)
{
	struct sockaddr_storage addr;
	socklen_t len = host_addr(o, &addr, 1);
	int fd = new_socket(o);

	if (fd < 0)
		return -1;
	if (o->unix_path)
		unlink(o->unix_path);
	if (bind(fd, (struct sockaddr *)&addr, len) || listen(fd, 4)) {
		fprintf(stderr, PROG ": cannot listen on %s port %u: %s\n",
			o->unix_path ? "unix socket" : "vsock", o->port,
			strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Only the host may connect: the stream names every process of the
 * guest, and through vsock loopback any local user could ask for it.
 * vsock stamps the peer's CID, so it cannot be forged from the guest.
 */
int out_accept(int lfd, const struct agent_opts *o)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof(peer);
	int fd;

	fd = accept4(lfd, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
	if (fd < 0)
		return -1;
	if (peer.ss_family == AF_VSOCK &&
	    ((struct sockaddr_vm *)&peer)->svm_cid != o->cid) {
		agent_log("refused a connection from cid %u: only the host (cid %u) is served",
			  ((struct sockaddr_vm *)&peer)->svm_cid, o->cid);
		close(fd);
		return -1;
	}
	return fd;
}

void out_set_fd(int fd)
{
	out_fd = fd;
	out_file = 0;
}

/*
 * Wait up to @wait_ms for the host's OFFER.  A version 1 host sends
 * nothing: then the stream is version 1.  Returns the version to send,
 * or 0 when the host takes none this agent speaks (or sent junk).
 */
uint16_t out_negotiate(const struct agent_opts *o)
{
	uint8_t buf[VP_HDR_SIZE + VP_OFFER_MAX_PAYLOAD];
	uint64_t end = now_ns() + (uint64_t)o->offer_wait_ms * 1000000ull;
	struct vp_offer offer;
	size_t have = 0;
	uint16_t v;
	long n;

	out_feat = 0;
	for (;;) {
		struct pollfd pfd = { .fd = out_fd, .events = POLLIN };
		uint64_t now = now_ns();
		ssize_t r;
		int ready;

		if (out_stop && *out_stop)
			return 0;
		if (now >= end)
			return 1;	/* no OFFER: a version 1 host */
		ready = poll(&pfd, 1, (int)((end - now) / 1000000 + 1));
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready < 0)
			return 0;
		if (!ready)
			continue;
		r = read(out_fd, buf + have, sizeof(buf) - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			agent_log("the host closed the connection before its OFFER");
			return 0;
		}
		have += (size_t)r;
		n = vp_offer_decode(buf, have, &offer);
		if (n < 0) {
			agent_log("the host's first bytes are no OFFER: connection closed");
			return 0;
		}
		if (n > 0)
			break;
	}
	v = vp_offer_version(&offer, VP_VERSION_MIN, (uint16_t)o->proto);
	/* A later host's bits this agent does not know are ignored. */
	out_feat = vp_features_use(offer.features, VP_FEATURES_ALL);
	if (!v)
		agent_log("the host takes versions %u..%u, this agent %u..%u: connection closed",
			  offer.min_version, offer.max_version, VP_VERSION_MIN,
			  o->proto);
	else if (agent_verbose)
		agent_log("host offers versions %u..%u, features 0x%x: sending version %u, features 0x%x",
			  offer.min_version, offer.max_version, offer.features,
			  v, out_feat);
	return v;
}

int out_poll_fd(void)
{
	return out_file ? -1 : out_fd;
}

/*
 * The host sends nothing after its OFFER: readable means it closed (or a
 * later host said more, which is read and dropped).  1 once it is gone.
 */
int out_host_gone(void)
{
	uint8_t buf[512];
	ssize_t n = recv(out_fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR)))
		return 0;
	return 1;
}
