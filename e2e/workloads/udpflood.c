// SPDX-License-Identifier: GPL-2.0
/*
 * udpflood: UDP datagrams to itself over the loopback device, as fast as
 * it can, to make the host's NET_RX softirq work on a chosen pCPU.
 *
 *   udpflood [-d SECONDS] [-s BYTES]
 *
 * Each datagram is queued to a CPU's backlog by loopback_xmit(); with
 * RPS (/sys/class/net/lo/queues/rx-0/rps_cpus) that is the CPU the mask
 * names, which an IPI wakes to run NET_RX in whatever task it is running:
 * scenario 13 (e2e/tests/47-softirq.t) steers it to a vCPU thread's pCPU.
 * The receiving socket is drained so that datagrams are delivered, not
 * dropped for a full queue.  Prints "udpflood pid N bytes B" at start and
 * "udpflood pid N datagrams K seconds S" at the end (default 10 s; 0 runs
 * until killed).  Exit 1 when the loopback device cannot carry a datagram
 * (it is down), 2 for bad arguments.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_BYTES 65507

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr, "usage: udpflood [-d SECONDS] [-s BYTES (1-%d)]\n", MAX_BYTES);
	exit(2);
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	double duration = 10, start;
	socklen_t alen = sizeof(a);
	unsigned long sent = 0;
	static char buf[MAX_BYTES];
	long bytes = 1024;
	char *end;
	int opt, rx, tx;

	while ((opt = getopt(argc, argv, "d:s:")) != -1) {
		switch (opt) {
		case 'd':
			duration = strtod(optarg, &end);
			if (*end || duration < 0)
				usage();
			break;
		case 's':
			bytes = strtol(optarg, &end, 10);
			if (*end || bytes < 1 || bytes > MAX_BYTES)
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rx = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	tx = socket(AF_INET, SOCK_DGRAM, 0);
	if (rx < 0 || tx < 0 || bind(rx, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(rx, (struct sockaddr *)&a, &alen)) {
		fprintf(stderr, "udpflood: a UDP socket on 127.0.0.1: %s\n", strerror(errno));
		return 1;
	}
	printf("udpflood pid %d bytes %ld\n", (int)getpid(), bytes);
	fflush(stdout);
	start = now();
	while (!duration || now() - start < duration) {
		if (sendto(tx, buf, (size_t)bytes, 0, (struct sockaddr *)&a,
			   sizeof(a)) != bytes) {
			fprintf(stderr, "udpflood: sendto 127.0.0.1: %s (is lo up?)\n",
				strerror(errno));
			return 1;
		}
		sent++;
		while (recv(rx, buf, sizeof(buf), 0) > 0)
			;
	}
	printf("udpflood pid %d datagrams %lu seconds %.1f\n", (int)getpid(), sent,
	       now() - start);
	return 0;
}
