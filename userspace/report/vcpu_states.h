/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_VCPU_STATES_H
#define VMPROF_VCPU_STATES_H

#include "analysis.h"

/*
 * What each vCPU was doing over time, as slices that never overlap: the
 * samples of the pass (one sampling period each) and the steal and halt
 * intervals of the sched walk (steal.c), which win where a sample's period
 * overlaps one.  Adjacent slices of one state merge, so the slices grow
 * with the state changes, not with the samples.  --format perfetto and
 * --format html draw them.
 */
enum vs_state {
	VS_GUEST_USER,
	VS_GUEST_KERNEL,
	VS_GUEST,	/* guest state not readable (protected guest) */
	VS_EXIT,	/* host kernel on the vCPU thread, handling an exit */
	VS_HOST,	/* host kernel, no exit to name */
	VS_VMM,		/* host user space of the VMM (device emulation) */
	VS_SOFTIRQ,	/* host softirq on the vCPU thread: steal, from samples */
	VS_IRQ,		/* host hardirq on the vCPU thread: the same */
	VS_HALT,
	VS_STEAL,
	VS_NR_STATES
};

extern const char *const vs_state_names[VS_NR_STATES];

/*
 * A state of steal: an interval's, or the samples of a host interrupt the
 * vCPU thread served while it ran (its class: vs_slice_name()).
 */
static inline bool vs_is_steal(u8 state)
{
	return state == VS_STEAL || state == VS_SOFTIRQ || state == VS_IRQ;
}

struct vs_sample {
	u64 time;
	u64 addr;		/* guest RIP, or host IP for host samples */
	u64 ctx;		/* resolve_addr()'s context */
	u64 host_ip;		/* of a guest sample, when the kernel gave one */
	u64 exit_reason;
	u32 vcpu;
	u8 cat;			/* enum sample_cat */
	u8 state;		/* enum vs_state */
	u8 exit_isa;
};

struct vs_slice {
	u64 start, end;		/* ns, the file's clock */
	u8 state;
	u64 arg;		/* VS_EXIT: isa << 32 | reason; VS_STEAL: owner */
	bool open;
};

/* Where vcpu_states_walk() hands the tracks, slices and samples. */
struct vs_ops {
	/* a vCPU's track begins: @tid its host thread, 0 if unknown */
	void (*track)(void *ctx, u32 vcpu, u32 tid);
	void (*slice)(void *ctx, const struct vs_slice *s);
	/* each sample of the track, in time order; NULL: not wanted */
	void (*sample)(void *ctx, const struct vs_sample *s);
};

/*
 * What a vCPU's sample says it was doing (@cat: analysis_sample_cat()):
 * the breakdown view splits its running time by the same states.
 */
u8 vs_sample_state(const struct analysis *a,
		   const struct kvm_profile_sample *s, u32 cat);

/* Before the pass: collect the vCPUs' samples and intervals. */
void vcpu_states_attach(struct analysis *a);
/* After it: every vCPU (of --vcpu, if given), in order. */
void vcpu_states_walk(struct analysis *a, const struct vs_ops *ops, void *ctx);
/*
 * A slice's name where it has one: "exit: REASON" (and @what the reason)
 * or "steal: CULPRIT" (@what the culprit); else the state's name, @what "".
 */
void vs_slice_name(struct analysis *a, const struct vs_slice *s, char *name,
		   size_t len, char *what, size_t what_len);

#endif
