/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Records read() from /dev/vmprof_guest.
 *
 * An open file first yields one VMPROF_GUEST_SNAPSHOT record per thread
 * group with an mm, then one VMPROF_GUEST_SNAPSHOT_END, then FORK, EXEC and
 * EXIT records as they happen.  An EXIT record carries the process's name
 * at exit, which differs from its EXEC record's after prctl(PR_SET_NAME).
 * read() returns whole records only.  If the reader falls more than the
 * ring size behind, it gets one VMPROF_GUEST_LOST record (tgid = records
 * lost) and should reopen for a fresh snapshot.
 *
 * cr3 is __sme_pa(mm->pgd), the root as CR3 holds it (an SEV guest's
 * C-bit included): the guest CR3 without PCID (bits 11:0), bits 63:61
 * (NOFLUSH, LAM) and, in the user half of a PTI pgd pair, bit 12.  The
 * host keys by CR3 with bits 11:0 and 63:61 cleared and tries bit 12
 * cleared only when nothing matched: without PTI bit 12 is an address
 * bit.  The layout equals the agent stream's CR3 entry.
 */
#ifndef _VMPROF_GUEST_H
#define _VMPROF_GUEST_H

#include <linux/types.h>

#define VMPROF_GUEST_DEV	"/dev/vmprof_guest"
#define VMPROF_GUEST_COMM_LEN	16

enum vmprof_guest_event {
	VMPROF_GUEST_SNAPSHOT		= 0,
	VMPROF_GUEST_FORK		= 1,
	VMPROF_GUEST_EXEC		= 2,
	VMPROF_GUEST_EXIT		= 3,
	VMPROF_GUEST_SNAPSHOT_END	= 4,
	VMPROF_GUEST_LOST		= 5,
};

struct vmprof_guest_rec {
	__u64 cr3;		/* __sme_pa(mm->pgd); 0 for EXIT */
	__u64 time_ns;		/* CLOCK_MONOTONIC */
	__u32 tgid;
	__u32 pid;
	__u32 ppid;
	__u8 event;		/* enum vmprof_guest_event */
	__u8 flags;		/* 0 */
	__u16 reserved;		/* 0 */
	char comm[VMPROF_GUEST_COMM_LEN];
};

#endif /* _VMPROF_GUEST_H */
