/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --vm all: every KVM VM of the host in one recording, a directory of
 * ordinary data files (one per VM, one collector each) and an index
 * (docs/data-format.md, "A recording of every VM").
 */
#ifndef VMPROF_VM_ALL_H
#define VMPROF_VM_ALL_H

#include "collector.h"
#include "vm_index.h"

/* how often the host is scanned for VMs started since */
#define VM_ALL_SCAN_NS (2 * NSEC_PER_SEC)

enum vm_part_state {
	PART_RECORDING, PART_EXITED, PART_STOPPED, PART_FAILED,
};

struct vm_part {
	struct collector c;
	char file[160];		/* in the directory: NAME.data */
	u32 pid;
	u64 start_ms;		/* after the recording's start */
	int state;		/* enum vm_part_state */
	bool active;		/* its collector runs */
};

struct vm_all {
	struct record_opts o;	/* o.output: the directory */
	struct vm_part **parts;
	size_t n;
	u64 start_ns, last_scan;
	int ctl_fd, stop_client;
	u32 end_reason;
	bool progress;
	struct progress meter;
	int failed;		/* parts whose collector failed */
	u32 *skipped;		/* VMM pids that could not be recorded */
	size_t nskipped;
	/* the VMs of the host: vm_scan(); the tests pass fakes */
	size_t (*scan)(struct vm_info **vms, int *denied);
};

/* The directory, its index and a collector per VM running now. */
int vm_all_prepare(struct vm_all *va, const struct record_opts *o);
/* Record until stopped, the duration or a signal; 0, or -1 when a part failed. */
int vm_all_run(struct vm_all *va);
/* One turn: poll every part up to @timeout_ms; 0, or 1 once stopped. */
int vm_all_turn(struct vm_all *va, int timeout_ms);
/* End every part still running, write the index; as vm_all_run(). */
int vm_all_finish(struct vm_all *va);
void vm_all_free(struct vm_all *va);
/* "recorded N VMs into DIR: ..." for the end of record, and status. */
void vm_all_status(const struct vm_all *va, char *buf, size_t len);
/* The status of each part as JSON objects joined by commas, one line. */
char *vm_all_status_json(const struct vm_all *va);
/* Answer one control-socket client: status, status-json, file, stop. */
void vm_all_control(struct vm_all *va);
/*
 * Fork into the background with the control socket of "vm-0" (daemon.c);
 * the parent's copies of the collectors are closed, vm_all_free() frees
 * the rest.
 */
pid_t vm_all_background(struct vm_all *va);

#endif
