/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_AGENT_CONN_H
#define VMPROF_AGENT_CONN_H

#include <poll.h>
#include <sys/socket.h>

#include "datafile.h"

#define AGENT_MAX_CONNS 4
/* Pollfds agent_pollfds() fills at most: listener, dial, connections. */
#define AGENT_MAX_POLLFDS (2 + AGENT_MAX_CONNS)
#define AGENT_ANY_CID 0xffffffffU
/*
 * Agent bytes one recording stores: a real guest sends a few MiB (kallsyms
 * about 1 MiB, maps and symbols) per connection; a hostile one could fill
 * the host's disk.
 */
#define AGENT_MAX_BYTES (512ULL << 20)

/*
 * The collector's side of the guest agent: the connection it makes to the
 * agent listening in its VM (version 2), an AF_VSOCK listener for agents
 * that connect to the host (version 1, relays), and the connections.
 * Each starts with this host's OFFER; bytes are stored raw in AGENT chunks
 * with the host receive time; parsing happens at report time.
 */
struct agent_conns {
	int lfd;
	int dial_fd;		/* a connect in progress, or -1 */
	struct sockaddr_storage dial_addr;
	socklen_t dial_len;	/* 0: nowhere to connect to */
	u64 next_dial_ns;
	u32 dial_stream;	/* stream of the open dialled connection, 0 */
	bool polled_lfd;	/* what agent_pollfds() put before the conns */
	bool polled_dial;
	int fd[AGENT_MAX_CONNS];
	u32 stream[AGENT_MAX_CONNS];
	int n;
	u32 next_stream;
	u32 want_cid;		/* the VM's guest CID, or AGENT_ANY_CID */
	u64 bytes;
	u64 rejected;
	u64 max_bytes;		/* AGENT_MAX_BYTES; tests lower it */
	bool capped;		/* max_bytes reached: nothing more is taken */
};

void agent_conns_init(struct agent_conns *ac);
/* Peers to accept: the VM's CID, or host-local ones when it has none (0). */
void agent_conns_set_cid(struct agent_conns *ac, u32 vm_cid);
bool agent_peer_ok(const struct agent_conns *ac, u32 peer_cid);
/*
 * Listen on vsock port for @want_cid (0: unknown, see agent_conns_set_cid(),
 * AGENT_ANY_CID: anyone); warns and returns -1 when vsock is unavailable.
 */
int agent_listen(struct agent_conns *ac, u32 port, u32 want_cid);
/*
 * Connect to the agent at @sa (the VM's CID and the agent port), again a
 * second after each failure or closed connection, while none is open.
 */
void agent_dial(struct agent_conns *ac, const struct sockaddr *sa,
		socklen_t len);
void agent_dial_vsock(struct agent_conns *ac, u32 cid, u32 port);
/*
 * Add a connection and send it the OFFER (also used by tests with a
 * socketpair).
 */
int agent_add_conn(struct agent_conns *ac, int fd);
/*
 * Start a due connect, fill pollfds (listener, connect, connections);
 * returns how many, at most AGENT_MAX_POLLFDS.
 */
int agent_pollfds(struct agent_conns *ac, struct pollfd *p);
/* Accept, read and store what the pollfds filled above report. */
int agent_service(struct agent_conns *ac, const struct pollfd *p,
		  struct df_writer *w);
void agent_conns_close(struct agent_conns *ac);

#endif
