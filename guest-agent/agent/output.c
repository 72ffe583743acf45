// SPDX-License-Identifier: GPL-2.0
/*
 * Where the stream goes: a file (--output) or an AF_VSOCK connection to
 * the host, re-established when it breaks or the host is not listening.
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
#include <sys/socket.h>
#include <linux/vm_sockets.h>

#include "agent.h"

#define BACKOFF_MIN_MS	250u
#define BACKOFF_MAX_MS	1000u

static int out_fd = -1;
static int out_file;
static volatile sig_atomic_t *out_stop;
/* A connect failure is reported once, until a connection succeeds. */
static int out_reported;

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

/* 0 connected, 1 retry later, -1 vsock is unusable here. */
static int open_vsock(const struct agent_opts *o)
{
	struct sockaddr_vm addr = {
		.svm_family = AF_VSOCK,
		.svm_cid = o->cid,
		.svm_port = o->port,
	};

	out_fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (out_fd < 0) {
		fprintf(stderr,
			PROG ": vsock missing (%s): load vmw_vsock_virtio_transport, give the VM a vhost-vsock device, or use --output FILE\n",
			strerror(errno));
		return -1;
	}
	if (!connect(out_fd, (struct sockaddr *)&addr, sizeof(addr))) {
		out_reported = 0;
		return 0;
	}
	if (!out_reported++)
		fprintf(stderr, PROG ": cannot connect to vsock cid %u port %u: %s; retrying\n",
			o->cid, o->port, strerror(errno));
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
