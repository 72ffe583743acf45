/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_COLLECTOR_H
#define VMPROF_COLLECTOR_H

#include <signal.h>

#include "agent_conn.h"
#include "attach.h"
#include "culprit_rec.h"
#include "datafile.h"
#include "kvm_stats.h"
#include "switches.h"
#include "vm_find.h"

struct record_opts {
	const char *vm_spec;
	char pid_spec[32];	/* -p N is --vm pid:N */
	const char *output;
	double duration;	/* 0: until stopped */
	u64 freq;
	u64 period;
	u32 event;
	u64 event_config;
	u32 buffer_pages;
	bool host_samples;
	bool no_agent;
	bool no_listen;		/* dial the guest's agent, don't listen */
	bool all;		/* --vm all: every VM, output a directory */
	bool agent_port_given;
	u32 agent_port;
};

#define DEFAULT_AGENT_PORT 5253	/* VP_DEFAULT_PORT, docs/agent-protocol.md */
#define GUEST_AGENT_PORT 525	/* VP_AGENT_PORT: where the agent listens */

struct collector {
	struct record_opts o;
	struct vm_info vm;
	struct df_writer w;
	struct agent_conns agent;
	struct culprit_rec culprits;	/* host tasks named, cgroup throttling */
	struct switch_rec switches;	/* the pCPUs' context switches */
	struct kvm_stats kstats;	/* KVM's halt_wait_ns */
	int prof_fd;
	int ctl_fd;		/* listening control socket, -1 if none */
	/* a descriptor a turn also waits for (top's keyboard), -1 if none */
	int input_fd;
	int stop_client;	/* client waiting for "stop" to finish */
	u64 start_ns;
	u64 records, lost, bytes;
	u32 end_reason;
	int read_error;		/* errno of a failed read of the profile fd */
	bool progress;		/* show a progress line on stderr */
	struct progress meter;
	bool vm_exited;
	u8 *buf;		/* what a read of the profile fd takes */
	u64 last_flush;
};

extern volatile sig_atomic_t collector_stop;
extern volatile sig_atomic_t collector_signal;	/* the one that stopped it */

/* Exit code of a recording from collector_run()'s result; re-raises the
 * signal that stopped it (the process does not return then). */
int collector_exit_code(int ret);

/* The options shared by record and start (record_options.c); returns 0,
 * OPTIONS_HELP or 2. */
int parse_record_args(const char *cmd, const char *help, int argc,
		      char **argv, struct record_opts *o);
/* Resolve, attach, open the output and write the metadata. */
int collector_prepare(struct collector *c, const struct record_opts *o);
/* The same for a VM already found (--vm all); takes over @vm's vCPU list. */
int collector_prepare_vm(struct collector *c, const struct record_opts *o,
			 struct vm_info *vm);
struct kvm_profile_config;
/*
 * Opens c->prof_fd for c->vm (KVM_PROFILE on the VM fd taken from the
 * VMM); the native tests put a pipe there instead.
 */
extern int (*collector_open_profile)(struct collector *c,
				     const struct kvm_profile_config *cfg);
int collector_run(struct collector *c);
/*
 * One turn of collector_run()'s loop, for a caller with a loop of its own
 * (vmprofctl top): wait up to @timeout_ms for records, agent data, a
 * control request or c->input_fd, take what came, write the records once
 * a second.  0 to go on, 1 when the VM is gone, -1 on a failure.
 */
int collector_turn(struct collector *c, int timeout_ms);
/* End a recording after its turns (@ret: the last one's); as collector_run(). */
int collector_finish(struct collector *c, int ret);
void collector_install_signals(void);
/* One-line status text, for "status" and the progress line. */
void collector_status(const struct collector *c, char *buf, size_t len);
/*
 * The line that ends a recording, from collector_run()'s result: what was
 * recorded, or why it failed and what the file really holds.
 */
void collector_result(const struct collector *c, int ret, char *buf, size_t len);
/* Answer one control-socket client (daemon.c). */
void collector_control(struct collector *c);
/* Fork the collector into the background with its control socket (daemon.c). */
pid_t collector_background(struct collector *c);
/* Send "status\n" or "stop\n" to the collector of VM pid; reply in buf. */
int collector_request(int vm_pid, const char *cmd, char *reply, size_t len,
		      bool quiet_missing);
/*
 * The data file the background collector of VM @vm_pid writes, as an
 * absolute path: 1 with it in @path, 0 when no collector runs, -1 when it
 * did not say (printed).
 */
int collector_file(int vm_pid, char *path, size_t len);
/*
 * Send cmd to the collector of vm_pid, or to all when vm_pid < 0; print
 * the replies (status-json: one JSON array).  EXIT_FAIL when one failed
 * or, named, is not running (daemon.c).
 */
int collector_command(int vm_pid, const char *cmd);

#endif
