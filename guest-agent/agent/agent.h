/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmprof-agent internals: one header for the few objects the files share.
 */
#ifndef VMPROF_AGENT_H
#define VMPROF_AGENT_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent_proto.h"

#define PROG "vmprof-agent"

/* Flush the pending stream once it holds this much. */
#define AGENT_FLUSH_BYTES	(256u << 10)
/* Entries per SYMBOLS/KALLSYMS message: well under the 4 MiB payload cap. */
#define AGENT_SYMS_PER_MSG	8192u
/*
 * Close a message once its payload passes this, so that one more entry
 * (at most a path of VP_PATH_MAX plus fixed fields) stays under the
 * parser's 4 MiB max_payload.
 */
#define AGENT_MSG_SOFT_MAX	(VP_DEF_MAX_PAYLOAD - 2 * VP_PATH_MAX - 256)
/* Distinct ELF files remembered; more are sent again rather than kept. */
#define AGENT_MAX_ELF_CACHE	16384u
/*
 * Per ELF file, which may be crafted by any guest user: PT_LOAD segments
 * looked at, bytes of its symbol and string tables (libelf holds them in
 * memory), bytes of symbols sent (a million symbols may share one 1 KiB
 * name: about 1 GB of stream from a 5 MB file).
 */
#define AGENT_MAX_LOADS		32u
#define AGENT_MAX_SYMTAB_BYTES	(8u << 20)
#define AGENT_MAX_SYM_BYTES	(8u << 20)

/* Host connections served at once (recordings of this guest). */
#define AGENT_MAX_SESSIONS	4

struct agent_opts {
	const char *output;	/* --output FILE, NULL for vsock */
	const char *unix_path;	/* --unix PATH: AF_UNIX instead of vsock */
	int connect;		/* --connect: dial the host (version 1 way) */
	unsigned int cid;	/* the host's: dialled, or the peer served */
	unsigned int port;
	unsigned int proto;	/* newest stream version sent, --proto */
	unsigned int offer_wait_ms;	/* how long a host may take to OFFER */
	unsigned int interval_ms;	/* maps rescan period */
	unsigned int poll_ms;		/* /proc rescan period, --no-module */
	int once;		/* one full pass, then exit */
	int proc_only;		/* --no-module */
	int verbose;
};

/* output.c: where the stream goes */
/* 0 ready, 1 vsock peer not there yet (retry), -1 fatal. */
int out_open(const struct agent_opts *o);
int out_send(struct vp_buf *b);		/* sends and resets @b; -1 if broken */
/* Once *@stop is set, out_send() no longer blocks (SIGTERM while sending). */
void out_set_stop(volatile sig_atomic_t *stop);
void out_close(void);
int out_is_file(void);
/*
 * Reconnect with backoff until connected (0), *stop is set (1) or vsock
 * turns out unusable (-1).
 */
int out_reconnect(const struct agent_opts *o, volatile sig_atomic_t *stop);
/* Listening: a socket the host connects to, and one accepted connection. */
int out_listen(const struct agent_opts *o);
int out_accept(int lfd, const struct agent_opts *o);
void out_set_fd(int fd);
/* The version to send after the host's OFFER (1 without one), 0: close. */
uint16_t out_negotiate(const struct agent_opts *o);
/* The features of that OFFER the agent uses (0 without one). */
uint32_t out_features(void);
/* The connection's fd to poll (-1 for a file); 1 once the host closed it. */
int out_poll_fd(void);
int out_host_gone(void);

/* caps.c: keep only what reading maps, files and kallsyms needs */
uint64_t agent_cap_mask(void);
int drop_privileges(void);

/* chunk.c: one message kind's entries over as many messages as needed */
struct msg_chunk {
	struct vp_buf *b;
	enum vp_msg_type type;	/* SYMBOLS, KALLSYMS or PROC_MAPS */
	const uint8_t *id;	/* SYMBOLS: the build-id */
	uint8_t id_len;
	uint32_t tgid;		/* PROC_MAPS */
	uint32_t n;		/* entries in the open message */
	size_t count_off;
	int open;
};
/* Opens a message when none is; a further one at the caps. */
int chunk_add_sym(struct msg_chunk *c, const struct vp_sym *s);
/* PROC_MAPS is one message: open it, add until 1 (full: cut), close. */
int chunk_open(struct msg_chunk *c);
int chunk_add_map(struct msg_chunk *c, const struct vp_map *m);
int chunk_close(struct msg_chunk *c);

/* hello.c */
int send_hello(struct vp_buf *b, int have_module);

/* kallsyms.c */
int send_kallsyms(struct vp_buf *b);

/* elf_child.c: the ELF reader, confined in a process of its own */
struct elf_out {
	int fd;
	size_t len;
	uint8_t buf[65536];
};
int elf_out_put(struct elf_out *o, const void *p, size_t n);
int elf_out_flush(struct elf_out *o);
enum elf_job { ELF_JOB_BUILD_ID, ELF_JOB_SYMBOLS };
/*
 * Run @kind on @fd (a regular file) in the reader; what it wrote, at most
 * @max bytes, in malloc'ed *@res.  -1 (counted): the reader crashed, was
 * killed, or said too much; the file is to be skipped.
 */
int elf_child_run(int fd, const char *path, enum elf_job kind, size_t max,
		  uint8_t **res, size_t *len);
/* Files skipped so far because their reader failed. */
uint64_t elf_child_failures(void);

/* elf.c */
int elf_init(void);
/* In the reader, on the open file @fd: the jobs' records into @o. */
int elf_job_build_id(int fd, struct elf_out *o);
int elf_job_symbols(int fd, struct elf_out *o);
/* Read @path's build-id; 0 found, 1 none, -1 not an ELF / unreadable. */
int elf_build_id(const char *path, uint8_t *id, uint8_t *len);
/* Append SYMBOLS messages for @path under build-id @id. */
int elf_send_symbols(struct vp_buf *b, const char *path, const uint8_t *id,
		     uint8_t len);
void elf_cache_reset(void);
/* 1 the first time @id is seen on this connection (send its symbols). */
int elf_cache_claim(const uint8_t *id, uint8_t len);

/* maps.c */
/* Send PROC_MAPS (and new SYMBOLS) if @tgid's maps changed; *hash in/out. */
int send_maps(struct vp_buf *b, uint32_t tgid, uint64_t *hash);

/* table.c: the process table and its sources */
struct table;
struct table *table_new(int proc_only);
void table_free(struct table *t);
int table_fd(const struct table *t);	/* pollable fd or -1 */
int table_has_module(const struct table *t);
/* Re-read the full table and queue a CR3_MAP_FULL plus all maps. */
int table_snapshot(struct table *t, struct vp_buf *b);
/* Read pending events (or rescan /proc) and queue deltas and maps. */
int table_update(struct table *t, struct vp_buf *b, uint64_t now_ns);
/* Rescan maps of processes whose rescan is due. */
int table_rescan(struct table *t, struct vp_buf *b, uint64_t now_ns,
		 uint64_t interval_ns);
/* How long to sleep at most: until a read after a fork or exec is due. */
int table_timeout_ms(const struct table *t, uint64_t now_ns, int max_ms);
uint32_t table_nr(const struct table *t);

uint64_t now_ns(void);
void agent_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern int agent_verbose;

#endif /* VMPROF_AGENT_H */
