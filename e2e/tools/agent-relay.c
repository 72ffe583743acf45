// SPDX-License-Identifier: GPL-2.0
/*
 * agent-relay: carry the guest agent's stream from a QEMU chardev socket
 * (the host end of a virtio-serial port) to vmprofctl's AF_VSOCK listener
 * on this host (CID 1, the loopback transport).
 *
 *   agent-relay UNIX_SOCKET [PORT]     (PORT default 5253)
 *
 * The e2e guest sends its stream over virtio-serial instead of vhost-vsock:
 * under the nested TCG test bed an L2 guest with a vhost-vsock device did
 * not boot in 10 tries of 10.  The relay connects to the unix socket first
 * (retrying until QEMU has made it) and reads nothing until vmprofctl
 * listens, so the guest is throttled, not dropped, meanwhile.  Exits 0 at
 * EOF of either side.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#ifndef VMADDR_CID_LOCAL
#define VMADDR_CID_LOCAL 1
#endif

/* A connected stream socket of @domain, or -1. */
static int connect_stream(int domain, const struct sockaddr *sa, socklen_t len)
{
	int fd = socket(domain, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, sa, len)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int connect_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	strcpy(sa.sun_path, path);
	return connect_stream(AF_UNIX, (struct sockaddr *)&sa, sizeof(sa));
}

static int connect_vsock(unsigned int port)
{
	struct sockaddr_vm sa = {
		.svm_family = AF_VSOCK,
		.svm_cid = VMADDR_CID_LOCAL,
		.svm_port = port,
	};

	return connect_stream(AF_VSOCK, (struct sockaddr *)&sa, sizeof(sa));
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int port = 5253;
	unsigned long total = 0;
	char buf[65536];
	int in, out;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: agent-relay UNIX_SOCKET [PORT]\n");
		return 2;
	}
	if (argc == 3)
		port = (unsigned int)strtoul(argv[2], NULL, 0);
	while ((in = connect_unix(argv[1])) < 0)
		usleep(100000);
	while ((out = connect_vsock(port)) < 0)
		usleep(100000);
	fprintf(stderr, "agent-relay: %s -> vsock 1:%u connected\n", argv[1], port);
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (write_all(out, buf, (size_t)n))
			break;
		total += (unsigned long)n;
	}
	fprintf(stderr, "agent-relay: done, %lu bytes\n", total);
	return 0;
}
