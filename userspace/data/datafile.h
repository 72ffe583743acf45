/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmprofctl data file: a header, then checksummed chunks.  The format is
 * specified in docs/data-format.md; keep the two in sync.
 */
#ifndef VMPROF_DATAFILE_H
#define VMPROF_DATAFILE_H

#include <stdio.h>

#include "util.h"

#define DF_MAGIC		"VMPROFD\n"
/*
 * 2.0: RECORDS_PACKED, which a 1.x reader would skip as an unknown chunk
 * and so report nothing; a new major makes it refuse the file instead.
 * This reader reads 1.x too (DF_VERSION_MAJOR_OLDEST).  2.1: KVM_STAT,
 * which a 2.0 reader skips: it only loses a cross-check.
 */
#define DF_VERSION_MAJOR	2
#define DF_VERSION_MINOR	1
#define DF_VERSION_MAJOR_OLDEST	1
#define DF_MAX_CHUNK		(64U << 20)
#define DF_RECORDS_CHUNK	(1U << 20)	/* writer flush threshold */

struct df_file_header {
	char magic[8];
	u16 version_major;
	u16 version_minor;
	u32 header_size;
	u64 created_realtime_ns;
	u32 flags;
	u32 header_crc;		/* crc32c of the 28 bytes before it */
};

struct df_chunk_header {
	u32 type;
	u32 length;		/* payload bytes, not counting this header */
	u32 payload_crc;	/* crc32c of the payload */
	u32 header_crc;		/* crc32c of the 12 bytes before it */
};

enum df_chunk_type {
	DF_CHUNK_META = 1,
	DF_CHUNK_RECORDS = 2,
	DF_CHUNK_AGENT = 3,
	DF_CHUNK_KALLSYMS = 4,
	DF_CHUNK_END = 5,
	DF_CHUNK_TASK = 6,		/* since 1.1 */
	DF_CHUNK_THROTTLE = 7,		/* since 1.1 */
	DF_CHUNK_SWITCH = 8,		/* since 1.2 */
	DF_CHUNK_RECORDS_PACKED = 9,	/* since 1.3: RECORDS, packed (records_pack.h) */
	DF_CHUNK_KVM_STAT = 10,		/* since 2.1: KVM's per-vCPU statistics */
};

/* Tags of the TLV entries in a META chunk. */
enum df_meta_tag {
	DF_META_VM_NAME = 1,		/* string */
	DF_META_VMM_PID = 2,		/* u32 */
	DF_META_VCPU = 3,		/* u32 vcpu_id, u32 tid */
	DF_META_CONFIG = 4,		/* struct kvm_profile_config */
	DF_META_SAMPLE_NS = 5,		/* u64 nominal sampling interval */
	DF_META_START_NS = 6,		/* u64 CLOCK_MONOTONIC at start */
	DF_META_HOSTNAME = 7,		/* string */
	DF_META_KERNEL = 8,		/* string, uname -r */
	DF_META_TOOL = 9,		/* string, vmprofctl version */
	DF_META_VM_UUID = 10,		/* string */
	DF_META_VMM_MAPS = 11,		/* text: "start-end pgoff path" lines */
	DF_META_CULPRITS = 12,		/* u32 1: host tasks were looked up (TASK) */
	DF_META_SWITCHES = 13,		/* u32 state, u32 errno, u32 cpus[] (SWITCH) */
};

/* DF_META_SWITCHES state: whether the host's context switches were recorded. */
enum df_switches_state {
	DF_SWITCHES_REFUSED = 0,	/* perf_event_open() refused: errno says why */
	DF_SWITCHES_ON = 1,		/* SWITCH chunks for the listed pCPUs */
};

/*
 * A SWITCH chunk: entries of struct df_switch, the host scheduler's
 * context switches on the pCPUs the vCPU threads may run on (perf's
 * PERF_RECORD_SWITCH_CPU_WIDE, switch-out side), each pCPU's in time order.
 */
#define DF_SWITCH_PREEMPT	1U	/* prev was still runnable (preempted) */
#define DF_SWITCH_LOST		2U	/* perf lost next_tid records on cpu here */

struct df_switch {
	u64 time_ns;		/* CLOCK_MONOTONIC, as the kernel records */
	u32 cpu;
	u32 prev_tid;		/* the task that left the pCPU */
	u32 next_tid;		/* the task that got it (0: idle); LOST: count */
	u16 flags;		/* DF_SWITCH_* */
	u16 reserved;
};

struct df_meta_entry {
	u16 tag;
	u16 reserved;
	u32 length;
};

/*
 * A TASK chunk: entries of struct df_task, each followed by its comm, VM
 * name and cgroup path (lengths in the entry, no NUL): who a host task was
 * when the recorder first saw its thread id (docs/data-format.md).
 */
enum df_task_class {
	DF_TASK_GONE = 0,	/* exited before it was looked up */
	DF_TASK_TASK = 1,	/* a host task; cgroup set */
	DF_TASK_KTHREAD = 2,	/* PF_KTHREAD */
	DF_TASK_VM_VCPU = 3,	/* a vCPU thread of another VM: vcpu, vmm_pid, vm */
};

#define DF_TASK_COMM_MAX	64
#define DF_TASK_VM_MAX		256
#define DF_TASK_CGROUP_MAX	4096

struct df_task {
	u64 seen_ns;		/* CLOCK_MONOTONIC when looked up */
	u32 tid;
	u32 pid;		/* its thread group */
	u32 klass;		/* enum df_task_class */
	u32 vcpu;		/* DF_TASK_VM_VCPU: the vCPU id in that VM */
	u32 vmm_pid;		/* DF_TASK_VM_VCPU: that VM's VMM */
	u16 comm_len;
	u16 vm_len;
	u16 cgroup_len;
	u16 reserved;
	u32 reserved2;
};

/*
 * A THROTTLE chunk: entries of struct df_throttle, each followed by its
 * cgroup path: the cpu.stat counters of a vCPU thread's cgroup (depth 0)
 * and of its ancestors, read when the recording starts, every second and
 * when it stops.
 */
struct df_throttle {
	u64 time_ns;		/* CLOCK_MONOTONIC when read */
	u64 nr_periods;
	u64 nr_throttled;
	u64 throttled_usec;
	u32 vcpu;
	u16 depth;		/* 0: the thread's own cgroup, 1: its parent... */
	u16 path_len;
};

/*
 * A KVM_STAT chunk: entries of struct df_kvm_stat, KVM's own statistics
 * of each vCPU (its binary stats fd, KVM_GET_STATS_FD), read when the
 * recording starts, every second and when it stops, to set beside what
 * the sched records say.
 */
enum df_kvm_stat_id {
	DF_KVM_STAT_HALT_WAIT_NS = 1,	/* stat.generic.halt_wait_ns */
};

/* The vCPU ids a KVM_STAT entry may name: KVM_MAX_VCPU_IDS is 4096 on x86. */
#define DF_KVM_STAT_MAX_VCPU	4096
/* The VM's value, summed over its vCPUs (KVM's debugfs), not one vCPU's. */
#define DF_KVM_STAT_VM		0xffffffffU

struct df_kvm_stat {
	u64 time_ns;		/* CLOCK_MONOTONIC of the read */
	u32 vcpu_id;
	u32 stat;		/* enum df_kvm_stat_id */
	u64 value;
} __attribute__((packed));

struct df_agent_header {
	u64 recv_ns;		/* CLOCK_MONOTONIC when the host received it */
	u32 stream;		/* connection number */
	u32 reserved;
};

enum df_end_reason {
	DF_END_STOPPED = 0,
	DF_END_DURATION = 1,
	DF_END_VM_EXITED = 2,
	DF_END_SIGNAL = 3,
};

struct df_end {
	u64 stop_ns;
	u64 records;
	u64 lost;
	u64 bytes;
	u32 reason;
	u32 reserved;
};

/* Writer */
struct df_writer {
	FILE *f;
	const char *path;
	u64 bytes;		/* handed to stdio */
	int error;		/* errno of the first failed write */
	struct buf records;
	struct buf packed;	/* the records chunk, packed */
	/* Write RECORDS chunks raw, as 1.2 did (VMPROFCTL_RAW_RECORDS=1). */
	bool raw_records;
	u64 pending_records;	/* in records, not yet in the file */
	/* what a flush saw reach the file: reported after an error */
	u64 records_written;
	u64 bytes_written;
};

/* Keep an existing non-empty regular file as path.old (0, or -1: printed). */
int df_backup_old(const char *path);
int df_writer_open(struct df_writer *w, const char *path);
int df_write_chunk(struct df_writer *w, u32 type, const void *p, u32 len);
/* len bytes holding nrec whole records */
int df_write_records(struct df_writer *w, const void *p, size_t len, u64 nrec);
int df_flush_records(struct df_writer *w);
int df_write_agent(struct df_writer *w, u64 recv_ns, u32 stream,
		   const void *p, u32 len);
int df_writer_close(struct df_writer *w, const struct df_end *end);

void meta_put(struct buf *b, u16 tag, const void *p, u32 len);
void meta_put_str(struct buf *b, u16 tag, const char *s);
void meta_put_u32(struct buf *b, u16 tag, u32 v);
void meta_put_u64(struct buf *b, u16 tag, u64 v);

/* Reader */
struct df_reader {
	int fd;
	const char *path;
	u64 offset;
	u64 chunks;
	u64 bad_chunks;
	u16 version_minor;
	bool truncated;
	bool corrupt;
	struct buf payload;
	struct buf unpacked;	/* a RECORDS_PACKED chunk, decoded */
	u64 bad_packed;		/* RECORDS_PACKED chunks that did not decode whole */
	/* Non-zero: return only chunks of this type, seek over the rest, quietly. */
	u32 only_type;
	u32 also_type;	/* with only_type: and chunks of this type (non-zero) */
	u64 ahead;	/* the last chunk header asked of the disk ahead */
	/*
	 * The file is still being written (vmprofctl top): a chunk cut short
	 * at the end is one not written yet, not damage.  df_next_chunk()
	 * then returns 0 quietly and reads it whole when called again.
	 */
	bool follow;
};

/*
 * A RECORDS_PACKED chunk is returned decoded, as the DF_CHUNK_RECORDS it
 * was made from (only_type DF_CHUNK_RECORDS returns both); packed says
 * which it was in the file.
 */
struct df_chunk {
	u32 type;
	u32 length;
	bool packed;
	u64 offset;
	const u8 *data;
};

/* Returns 0 or -1 with a one-line error already printed. */
int df_reader_open(struct df_reader *r, const char *path);
/* Returns 1 with a chunk, 0 at the end (clean or damaged tail, warned). */
int df_next_chunk(struct df_reader *r, struct df_chunk *c);
void df_reader_rewind(struct df_reader *r);
/*
 * The chunk at @offset, which df_next_chunk() returned before, read again
 * without moving the reader: 1, or 0 when it cannot be read whole.
 */
int df_chunk_at(struct df_reader *r, u64 offset, struct df_chunk *c);
/*
 * The file's last chunk, if it has @type, @length and sound checksums: 1
 * with it in *@c (valid until the next read), else 0.  Reads only that
 * chunk, wherever the reader is; a pipe has none.
 */
int df_tail_chunk(struct df_reader *r, u32 type, u32 length, struct df_chunk *c);
void df_reader_close(struct df_reader *r);

#endif
