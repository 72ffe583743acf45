/* SPDX-License-Identifier: GPL-2.0 */
/* Build kernel record streams in memory and write them as data files. */
#ifndef VMPROF_SYNTH_H
#define VMPROF_SYNTH_H

#include "../include/uapi/kvm_profile.h"
#include "datafile.h"

struct synth_vm {
	const char *name;
	u32 pid;
	u64 period_ns;
	u64 start_ns;
	u32 flags;		/* kvm_profile_config.flags */
	u32 nvcpus;
	const u32 *vcpu_tids;	/* tid of vCPU i, may be NULL */
	bool culprits;		/* a 1.1 recorder: host tasks looked up */
	/* a 1.2 recorder: SYNTH_SWITCHES_ON (pCPUs 0-3) or _REFUSED (EPERM) */
	int switches;
};

enum { SYNTH_SWITCHES_NONE, SYNTH_SWITCHES_ON, SYNTH_SWITCHES_REFUSED };

struct synth {
	struct df_writer w;
	u32 pid;
};

struct synth_sample {
	u64 time;
	u32 cpu;
	u32 vcpu;
	u32 flags;
	u32 tid;
	u64 host_ip;
	u64 rip;
	u64 cr3;
	u8 cpl;
	u8 isa;
	u64 exit;
	const char *comm;
	/* the sampling periods it stands for; 0: a kernel before the field */
	u16 periods;
};

int synth_open(struct synth *s, const char *path, const struct synth_vm *vm);
void synth_sample(struct synth *s, const struct synth_sample *in);
void synth_sched_out(struct synth *s, u64 t, u32 cpu, u32 vcpu, u32 tid,
		     u32 reason, u32 next_tid, const char *next_comm);
void synth_sched_in(struct synth *s, u64 t, u32 cpu, u32 vcpu, u32 tid);
/* A sched-out whose next task the kernel hid (KVM_PROFILE_S_NEXT_HIDDEN). */
void synth_sched_out_hidden(struct synth *s, u64 t, u32 cpu, u32 vcpu, u32 tid);
/* The same, carrying the thread's run_delay (KVM_PROFILE_S_RUN_DELAY). */
void synth_sched_out_rd(struct synth *s, u64 t, u32 cpu, u32 vcpu, u32 tid,
			u32 reason, u32 next_tid, const char *next_comm,
			u64 run_delay);
void synth_sched_in_rd(struct synth *s, u64 t, u32 cpu, u32 vcpu, u32 tid,
		       u64 run_delay);
/* A sched-in with run_delay entering KVM_RUN (KVM_PROFILE_SCHED_IN_KVM_RUN). */
void synth_sched_in_run_rd(struct synth *s, u64 t, u32 cpu, u32 vcpu, u32 tid,
			   u64 run_delay);
void synth_lost(struct synth *s, u64 t, u32 cpu, u64 lost);
/*
 * What a 1.1 recorder writes about culprits: who host thread @tid was
 * (a TASK chunk: DF_TASK_* @klass; @vm and @vcpu for another VM's vCPU),
 * and a vCPU's cgroup cpu.stat counters at @t (a THROTTLE chunk).
 */
void synth_task(struct synth *s, u32 tid, u32 klass, const char *comm,
		const char *vm, u32 vcpu, const char *cgroup);
void synth_throttle(struct synth *s, u64 t, u32 vcpu, u16 depth,
		    const char *path, u64 nr_throttled, u64 throttled_usec);
/* A host context switch on @cpu (a SWITCH chunk entry, written at once). */
/* A KVM_STAT chunk of one read of halt_wait_ns (vCPU DF_KVM_STAT_VM: the VM's). */
void synth_kvm_stat(struct synth *s, u64 t, u32 vcpu, u64 halt_wait_ns);
void synth_switch(struct synth *s, u64 t, u32 cpu, u32 prev_tid,
		  u32 next_tid, bool preempt);
void synth_raw(struct synth *s, const void *p, size_t len);
void synth_kallsyms(struct synth *s, const char *text);
void synth_flush(struct synth *s);
int synth_close(struct synth *s, u64 stop_ns);

#endif
