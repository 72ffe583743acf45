/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Userspace copy of the KVM_PROFILE uAPI added to include/uapi/linux/kvm.h
 * by patches/.  The kernel header is the source of truth; the project's
 * tests (tests/abi-sync.sh) fail when this copy drifts from the series.
 */
#ifndef KVM_PROFILE_UAPI_H
#define KVM_PROFILE_UAPI_H

#include <linux/types.h>
#include <linux/ioctl.h>

#ifndef KVMIO
#define KVMIO 0xAE
#endif

/* BEGIN KVM_PROFILE UAPI */
#define KVM_CAP_PROFILE 239

/* Record kinds, kvm_profile_config.flags */
#define KVM_PROFILE_F_SAMPLES		(1U << 0)
#define KVM_PROFILE_F_SCHED		(1U << 1)
#define KVM_PROFILE_F_HOST_SAMPLES	(1U << 2)

/* Sampling events, kvm_profile_config.event; 0 is none, for sched only */
#define KVM_PROFILE_EVENT_CYCLES	1
#define KVM_PROFILE_EVENT_REF_CYCLES	2
#define KVM_PROFILE_EVENT_CPU_CLOCK	3
#define KVM_PROFILE_EVENT_RAW		4

#define KVM_PROFILE_MAX_BUFFER_PAGES	4096
/* read() needs a buffer of at least this size; no record is larger. */
#define KVM_PROFILE_RECORD_MAX_SIZE	256

struct kvm_profile_config {
	__u32 flags;
	__u32 event;
	__u64 config;
	__u64 sample_period;
	__u64 sample_freq;
	__u32 buffer_pages;
	__u32 wakeup_percent;
	__u64 reserved[4];
};

#define KVM_PROFILE _IOW(KVMIO, 0xd6, struct kvm_profile_config)

/* Record types */
#define KVM_PROFILE_RECORD_SAMPLE	1
#define KVM_PROFILE_RECORD_LOST		2
#define KVM_PROFILE_RECORD_SCHED_OUT	3
#define KVM_PROFILE_RECORD_SCHED_IN	4

struct kvm_profile_record_header {
	__u16 type;
	__u16 size;
	__u32 cpu;
	__u64 time_ns;
	__u64 seq;
};

#define KVM_PROFILE_NO_VCPU		0xffffffffU

/* Instruction set that defines exit_reason */
#define KVM_PROFILE_ISA_NONE		0
#define KVM_PROFILE_ISA_VMX		1
#define KVM_PROFILE_ISA_SVM		2

/* kvm_profile_sample.flags and kvm_profile_sched_{out,in}.flags */
#define KVM_PROFILE_S_IN_GUEST		(1U << 0)
#define KVM_PROFILE_S_GUEST_USER	(1U << 1)
#define KVM_PROFILE_S_HOST_USER		(1U << 2)
#define KVM_PROFILE_S_GUEST_VALID	(1U << 3)
#define KVM_PROFILE_S_GUEST_PROTECTED	(1U << 4)
#define KVM_PROFILE_S_NESTED		(1U << 5)
#define KVM_PROFILE_S_IN_KVM_RUN	(1U << 6)
#define KVM_PROFILE_S_EXIT_VALID	(1U << 7)
#define KVM_PROFILE_S_RUN_DELAY		(1U << 8)
#define KVM_PROFILE_S_NEXT_HIDDEN	(1U << 9)
#define KVM_PROFILE_S_HOST_SOFTIRQ	(1U << 10)
#define KVM_PROFILE_S_HOST_HARDIRQ	(1U << 11)

struct kvm_profile_sample {
	struct kvm_profile_record_header hdr;
	__u32 vcpu_id;
	__u32 flags;
	__u32 pid;
	__u32 tid;
	__u64 host_ip;
	__u64 guest_rip;
	__u64 guest_cr3;
	__u32 guest_asid;
	__u8 guest_cpl;
	__u8 exit_isa;
	__u16 periods;
	__u64 exit_reason;
	char comm[16];
};

struct kvm_profile_lost {
	struct kvm_profile_record_header hdr;
	__u64 lost;
};

/* kvm_profile_sched_out.reason */
#define KVM_PROFILE_SCHED_PREEMPTED	1
#define KVM_PROFILE_SCHED_HALTED	2
#define KVM_PROFILE_SCHED_BLOCKED	3
#define KVM_PROFILE_SCHED_USERSPACE	4

struct kvm_profile_sched_out {
	struct kvm_profile_record_header hdr;
	__u32 vcpu_id;
	__u32 reason;
	__u32 pid;
	__u32 tid;
	__u32 next_pid;
	__u32 next_tid;
	char next_comm[16];
	__u64 guest_rip;
	__u64 guest_cr3;
	__u32 flags;
	__u8 exit_isa;
	__u8 pad[3];
	__u64 exit_reason;
	__u64 run_delay_ns;
};

/* kvm_profile_sched_in.reason */
#define KVM_PROFILE_SCHED_IN_SCHEDULED	1
#define KVM_PROFILE_SCHED_IN_KVM_RUN	2

struct kvm_profile_sched_in {
	struct kvm_profile_record_header hdr;
	__u32 vcpu_id;
	__u32 reason;
	__u32 prev_cpu;
	__u32 pid;
	__u32 tid;
	__u32 flags;
	__u64 run_delay_ns;
};
/* END KVM_PROFILE UAPI */

#endif /* KVM_PROFILE_UAPI_H */
