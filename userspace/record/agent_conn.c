// SPDX-License-Identifier: GPL-2.0
/*
 * Guest agent connections over AF_VSOCK, stored raw into the data file.
 *
 * The recording connects to the agent listening in its own VM (protocol
 * version 2): vsock stamps the peer's CID, so the stream is that VM's,
 * and every recording has connections of its own.  It also listens on
 * the agent port for version 1 agents (and relays), which connect to the
 * host; that port is host-wide, so only one recording at a time has it.
 */
#include <errno.h>
#include <linux/vm_sockets.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent_conn.h"
#ifndef NO_AGENT_PROTO
#include "../proto/agent_proto.h"
#endif

#define AGENT_READ_SIZE (64U << 10)
/* An agent not listening yet costs one refused connect a second. */
#define AGENT_DIAL_RETRY_NS NSEC_PER_SEC
#define AGENT_READS_PER_POLL 16
#define VMADDR_CID_LOCAL_ 1U	/* VMADDR_CID_LOCAL, missing from older headers */

void agent_conns_init(struct agent_conns *ac)
{
	memset(ac, 0, sizeof(*ac));
	ac->lfd = -1;
	ac->dial_fd = -1;
	ac->want_cid = AGENT_ANY_CID;
	ac->max_bytes = AGENT_MAX_BYTES;
}

/*
 * The port is host-wide: any VM, or any local user through vsock loopback,
 * can connect to it.  Take only the recorded VM's CID; a VM with none on
 * its command line (the test bed relays a virtio-serial port from the
 * host) gets only host-local peers, never another guest.
 */
void agent_conns_set_cid(struct agent_conns *ac, u32 vm_cid)
{
	ac->want_cid = vm_cid ? vm_cid : VMADDR_CID_LOCAL_;
}

bool agent_peer_ok(const struct agent_conns *ac, u32 peer_cid)
{
	return ac->want_cid == AGENT_ANY_CID || peer_cid == ac->want_cid;
}

int agent_listen(struct agent_conns *ac, u32 port, u32 want_cid)
{
	struct sockaddr_vm sa = {
		.svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY, .svm_port = port,
	};
	int fd;

	if (want_cid == AGENT_ANY_CID)
		ac->want_cid = want_cid;
	else
		agent_conns_set_cid(ac, want_cid);
	if (!want_cid)
		pr_warn("the VM has no vhost-vsock guest-cid on its command line: guest agent taken only from this host (vsock CID 1)");
	fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		pr_warn("no AF_VSOCK (%s): guest agent data not collected; load vhost_vsock",
			strerror(errno));
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 4)) {
		/*
		 * Another recording has it: a version 2 agent is reached by
		 * connecting to it (agent_dial()); only a version 1 agent is
		 * lost, and a VM without a known CID has no other way.
		 */
		if (errno != EADDRINUSE || !want_cid || want_cid == AGENT_ANY_CID)
			pr_warn("cannot listen on vsock port %u (%s): only an agent listening in the VM is collected%s",
				port, strerror(errno),
				errno == EADDRINUSE ? "; another collector has the port, use --agent-port" : "");
		close(fd);
		return -1;
	}
	ac->lfd = fd;
	return 0;
}

/*
 * A version 2 agent waits for this before it sends; a version 1 agent
 * never reads it.  One small write into an empty socket buffer does not
 * block; if it fails the agent sends version 1 after its wait.
 */
static void send_offer(int fd)
{
#ifndef NO_AGENT_PROTO
	static const struct vp_offer offer = {
		.min_version = VP_VERSION_MIN,
		.max_version = VP_VERSION,
		.features = VP_FEATURES_ALL,
	};
	struct vp_buf b;

	vp_buf_init(&b);
	if (!vp_enc_offer(&b, &offer))
		send(fd, b.data, b.len, MSG_DONTWAIT | MSG_NOSIGNAL);
	vp_buf_free(&b);
#else
	(void)fd;
#endif
}

int agent_add_conn(struct agent_conns *ac, int fd)
{
	if (ac->n == AGENT_MAX_CONNS) {
		close(fd);
		ac->rejected++;
		return -1;
	}
	send_offer(fd);
	ac->fd[ac->n] = fd;
	ac->stream[ac->n++] = ++ac->next_stream;
	return 0;
}

void agent_dial(struct agent_conns *ac, const struct sockaddr *sa,
		socklen_t len)
{
	if (len > sizeof(ac->dial_addr))
		return;
	memcpy(&ac->dial_addr, sa, len);
	ac->dial_len = len;
	ac->next_dial_ns = 0;
}

void agent_dial_vsock(struct agent_conns *ac, u32 cid, u32 port)
{
	struct sockaddr_vm sa = {
		.svm_family = AF_VSOCK, .svm_cid = cid, .svm_port = port,
	};

	agent_dial(ac, (struct sockaddr *)&sa, sizeof(sa));
}

static void dial_connected(struct agent_conns *ac, int fd)
{
	if (!agent_add_conn(ac, fd))
		ac->dial_stream = ac->stream[ac->n - 1];
}

/* One connection to the agent at a time, retried a second apart. */
static void dial_start(struct agent_conns *ac)
{
	u64 now = mono_ns();
	int fd;

	if (!ac->dial_len || ac->dial_fd >= 0 || ac->dial_stream ||
	    ac->capped || ac->n == AGENT_MAX_CONNS || now < ac->next_dial_ns)
		return;
	ac->next_dial_ns = now + AGENT_DIAL_RETRY_NS;
	fd = socket(ac->dial_addr.ss_family,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (!connect(fd, (struct sockaddr *)&ac->dial_addr, ac->dial_len)) {
		dial_connected(ac, fd);
		return;
	}
	if (errno != EINPROGRESS) {
		close(fd);	/* no agent listening yet: try again later */
		return;
	}
	ac->dial_fd = fd;
}

static void dial_finish(struct agent_conns *ac)
{
	int err = 0, fd = ac->dial_fd;
	socklen_t len = sizeof(err);

	ac->dial_fd = -1;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) || err) {
		close(fd);
		return;
	}
	dial_connected(ac, fd);
}

static void accept_one(struct agent_conns *ac)
{
	struct sockaddr_vm peer;
	socklen_t len = sizeof(peer);
	int fd;

	fd = accept4(ac->lfd, (struct sockaddr *)&peer, &len,
		     SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (!agent_peer_ok(ac, peer.svm_cid)) {
		close(fd);
		ac->rejected++;
		return;
	}
	agent_add_conn(ac, fd);
}

int agent_pollfds(struct agent_conns *ac, struct pollfd *p)
{
	int n = 0, i;

	dial_start(ac);
	ac->polled_lfd = ac->lfd >= 0;
	if (ac->polled_lfd)
		p[n++] = (struct pollfd){ .fd = ac->lfd, .events = POLLIN };
	ac->polled_dial = ac->dial_fd >= 0;
	if (ac->polled_dial)
		p[n++] = (struct pollfd){ .fd = ac->dial_fd, .events = POLLOUT };
	for (i = 0; i < ac->n; i++)
		p[n++] = (struct pollfd){ .fd = ac->fd[i], .events = POLLIN };
	return n;
}

static void drop_conn(struct agent_conns *ac, int i)
{
	/* The agent's session ended (restart, reboot): connect again. */
	if (ac->stream[i] == ac->dial_stream)
		ac->dial_stream = 0;
	close(ac->fd[i]);
	ac->fd[i] = ac->fd[ac->n - 1];
	ac->stream[i] = ac->stream[ac->n - 1];
	ac->n--;
}

/*
 * Read what connection i has, up to AGENT_READS_PER_POLL reads so that a
 * guest that writes without pause cannot keep the collector from draining
 * the kernel's buffers; returns -1 on a write error.
 */
static int read_conn(struct agent_conns *ac, int i, struct df_writer *w, u8 *buf)
{
	int reads = 0;
	ssize_t n;

	for (;;) {
		if (reads++ == AGENT_READS_PER_POLL)
			return 0;
		n = read(ac->fd[i], buf, AGENT_READ_SIZE);
		if (n > 0 && (u64)n > ac->max_bytes - ac->bytes) {
			/* Keep up to the cap; the stream ends there. */
			n = (ssize_t)(ac->max_bytes - ac->bytes);
			ac->capped = true;
		}
		if (n > 0) {
			ac->bytes += (u64)n;
			if (df_write_agent(w, mono_ns(), ac->stream[i], buf, (u32)n))
				return -1;
			if (!ac->capped)
				continue;
		}
		if (ac->capped)
			return 1;	/* agent_service() closes everything */
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		drop_conn(ac, i);	/* EOF or error: this stream ends */
		return 1;
	}
}

int agent_service(struct agent_conns *ac, const struct pollfd *p,
		  struct df_writer *w)
{
	static u8 buf[AGENT_READ_SIZE];
	int base = 0, i, n = ac->n, ret;

	/* n is taken first: connections added here were not polled. */
	if (ac->polled_lfd) {
		if (p[base].revents & POLLIN)
			accept_one(ac);
		base++;
	}
	if (ac->polled_dial) {
		if (p[base].revents)
			dial_finish(ac);
		base++;
	}
	/* Walk backwards: drop_conn() moves the last connection into i. */
	for (i = n - 1; i >= 0; i--) {
		if (!(p[base + i].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		ret = read_conn(ac, i, w, buf);
		if (ret < 0)
			return -1;
		if (ac->capped)
			break;
	}
	if (ac->capped) {
		pr_warn("the guest agent sent %llu bytes, the cap of one recording: its further data is dropped and its connections closed",
			(unsigned long long)ac->max_bytes);
		agent_conns_close(ac);
	}
	return 0;
}

void agent_conns_close(struct agent_conns *ac)
{
	while (ac->n)
		drop_conn(ac, ac->n - 1);
	if (ac->lfd >= 0)
		close(ac->lfd);
	ac->lfd = -1;
	if (ac->dial_fd >= 0)
		close(ac->dial_fd);
	ac->dial_fd = -1;
	ac->dial_len = 0;
}
