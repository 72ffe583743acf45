// SPDX-License-Identifier: GPL-2.0
/* Synthetic record streams for the tests and the benchmark generator. */
#include <stdio.h>
#include <string.h>

#include "synth.h"
#include "task_id.h"

int synth_open(struct synth *s, const char *path, const struct synth_vm *vm)
{
	struct kvm_profile_config cfg = { 0 };
	struct buf b = { 0 };
	u32 pair[2], i;
	int ret;

	memset(s, 0, sizeof(*s));
	s->pid = vm->pid;
	if (df_writer_open(&s->w, path))
		return -1;
	cfg.flags = vm->flags;
	cfg.event = KVM_PROFILE_EVENT_CPU_CLOCK;
	cfg.sample_period = vm->period_ns;
	cfg.buffer_pages = 64;
	meta_put_str(&b, DF_META_VM_NAME, vm->name);
	meta_put_u32(&b, DF_META_VMM_PID, vm->pid);
	for (i = 0; vm->vcpu_tids && i < vm->nvcpus; i++) {
		pair[0] = i;
		pair[1] = vm->vcpu_tids[i];
		meta_put(&b, DF_META_VCPU, pair, sizeof(pair));
	}
	meta_put(&b, DF_META_CONFIG, &cfg, sizeof(cfg));
	meta_put_u64(&b, DF_META_SAMPLE_NS, vm->period_ns);
	meta_put_u64(&b, DF_META_START_NS, vm->start_ns);
	if (vm->culprits)
		meta_put_u32(&b, DF_META_CULPRITS, 1);
	if (vm->switches) {
		u32 sw[6] = { DF_SWITCHES_ON, 0, 0, 1, 2, 3 };

		if (vm->switches == SYNTH_SWITCHES_REFUSED) {
			sw[0] = DF_SWITCHES_REFUSED;
			sw[1] = 1;	/* EPERM */
		}
		meta_put(&b, DF_META_SWITCHES, sw,
			 vm->switches == SYNTH_SWITCHES_ON ? sizeof(sw) : 8);
	}
	ret = df_write_chunk(&s->w, DF_CHUNK_META, b.data, (u32)b.len);
	buf_free(&b);
	return ret;
}

static void set_comm(char *dst, const char *src)
{
	memcpy(dst, src, strnlen(src, 15));
}

static void hdr(struct kvm_profile_record_header *h, u16 type, u16 size,
		u32 cpu, u64 t)
{
	h->type = type;
	h->size = size;
	h->cpu = cpu;
	h->time_ns = t;
}

void synth_sample(struct synth *s, const struct synth_sample *in)
{
	struct kvm_profile_sample r;

	memset(&r, 0, sizeof(r));
	hdr(&r.hdr, KVM_PROFILE_RECORD_SAMPLE, sizeof(r), in->cpu, in->time);
	r.vcpu_id = in->vcpu;
	r.flags = in->flags;
	r.pid = s->pid;
	r.tid = in->tid;
	r.host_ip = in->host_ip;
	r.guest_rip = in->rip;
	r.guest_cr3 = in->cr3;
	r.guest_cpl = in->cpl;
	r.exit_isa = in->isa;
	r.exit_reason = in->exit;
	r.periods = in->periods;
	if (in->vcpu == KVM_PROFILE_NO_VCPU)
		r.pid = in->tid;
	set_comm(r.comm, in->comm ? in->comm : "qemu-system-x86");
	df_write_records(&s->w, &r, sizeof(r), 1);
}

static void fill_sched_out(struct kvm_profile_sched_out *r, struct synth *s,
			   u64 t, u32 cpu, u32 vcpu, u32 tid, u32 reason,
			   u32 next_tid, const char *next_comm)
{
	memset(r, 0, sizeof(*r));
	hdr(&r->hdr, KVM_PROFILE_RECORD_SCHED_OUT, sizeof(*r), cpu, t);
	r->vcpu_id = vcpu;
	r->reason = reason;
	r->pid = s->pid;
	r->tid = tid;
	r->next_pid = next_tid;
	r->next_tid = next_tid;
	if (next_comm)
		set_comm(r->next_comm, next_comm);
}

static void fill_sched_in(struct kvm_profile_sched_in *r, struct synth *s,
			  u64 t, u32 cpu, u32 vcpu, u32 tid)
{
	memset(r, 0, sizeof(*r));
	hdr(&r->hdr, KVM_PROFILE_RECORD_SCHED_IN, sizeof(*r), cpu, t);
	r->vcpu_id = vcpu;
	r->reason = KVM_PROFILE_SCHED_IN_SCHEDULED;
	r->prev_cpu = cpu;
	r->pid = s->pid;
	r->tid = tid;
}

void synth_sched_out(struct synth *s, u64 t, u32 cpu, u32 vcpu, u32 tid,
		     u32 reason, u32 next_tid, const char *next_comm)
{
	struct kvm_profile_sched_out r;

	fill_sched_out(&r, s, t, cpu, vcpu, tid, reason, next_tid, next_comm);
	df_write_records(&s->w, &r, sizeof(r), 1);
}

void synth_sched_out_hidden(struct synth *s, u64 t, u32 cpu, u32 vcpu, u32 tid)
{
	struct kvm_profile_sched_out r;

	fill_sched_out(&r, s, t, cpu, vcpu, tid, KVM_PROFILE_SCHED_PREEMPTED,
		       0, NULL);
	r.flags = KVM_PROFILE_S_NEXT_HIDDEN;
	df_write_records(&s->w, &r, sizeof(r), 1);
}

void synth_sched_in(struct synth *s, u64 t, u32 cpu, u32 vcpu, u32 tid)
{
	struct kvm_profile_sched_in r;

	fill_sched_in(&r, s, t, cpu, vcpu, tid);
	df_write_records(&s->w, &r, sizeof(r), 1);
}

void synth_sched_out_rd(struct synth *s, u64 t, u32 cpu, u32 vcpu, u32 tid,
			u32 reason, u32 next_tid, const char *next_comm,
			u64 run_delay)
{
	struct kvm_profile_sched_out r;

	fill_sched_out(&r, s, t, cpu, vcpu, tid, reason, next_tid, next_comm);
	r.flags = KVM_PROFILE_S_RUN_DELAY;
	r.run_delay_ns = run_delay;
	df_write_records(&s->w, &r, sizeof(r), 1);
}

void synth_sched_in_rd(struct synth *s, u64 t, u32 cpu, u32 vcpu, u32 tid,
		       u64 run_delay)
{
	struct kvm_profile_sched_in r;

	fill_sched_in(&r, s, t, cpu, vcpu, tid);
	r.flags = KVM_PROFILE_S_RUN_DELAY;
	r.run_delay_ns = run_delay;
	df_write_records(&s->w, &r, sizeof(r), 1);
}

void synth_sched_in_run_rd(struct synth *s, u64 t, u32 cpu, u32 vcpu, u32 tid,
			   u64 run_delay)
{
	struct kvm_profile_sched_in r;

	fill_sched_in(&r, s, t, cpu, vcpu, tid);
	r.reason = KVM_PROFILE_SCHED_IN_KVM_RUN;
	r.flags = KVM_PROFILE_S_RUN_DELAY;
	r.run_delay_ns = run_delay;
	df_write_records(&s->w, &r, sizeof(r), 1);
}

void synth_lost(struct synth *s, u64 t, u32 cpu, u64 lost)
{
	struct kvm_profile_lost r;

	memset(&r, 0, sizeof(r));
	hdr(&r.hdr, KVM_PROFILE_RECORD_LOST, sizeof(r), cpu, t);
	r.lost = lost;
	df_write_records(&s->w, &r, sizeof(r), 1);
}

void synth_task(struct synth *s, u32 tid, u32 klass, const char *comm,
		const char *vm, u32 vcpu, const char *cgroup)
{
	struct task_ident t = { .tid = tid, .pid = tid, .klass = klass };
	struct buf b = { 0 };

	snprintf(t.comm, sizeof(t.comm), "%s", comm);
	snprintf(t.vm, sizeof(t.vm), "%s", vm ? vm : "");
	snprintf(t.cgroup, sizeof(t.cgroup), "%s", cgroup ? cgroup : "");
	t.vcpu = vcpu;
	task_ident_put(&b, &t, 0);
	/* ahead of the records that name it, as the collector writes it */
	df_write_chunk(&s->w, DF_CHUNK_TASK, b.data, (u32)b.len);
	buf_free(&b);
}

void synth_throttle(struct synth *s, u64 t, u32 vcpu, u16 depth,
		    const char *path, u64 nr_throttled, u64 throttled_usec)
{
	struct df_throttle e = {
		.time_ns = t, .nr_periods = nr_throttled * 2,
		.nr_throttled = nr_throttled, .throttled_usec = throttled_usec,
		.vcpu = vcpu, .depth = depth, .path_len = (u16)strlen(path),
	};
	struct buf b = { 0 };

	buf_append(&b, &e, sizeof(e));
	buf_append(&b, path, e.path_len);
	df_write_chunk(&s->w, DF_CHUNK_THROTTLE, b.data, (u32)b.len);
	buf_free(&b);
}

void synth_raw(struct synth *s, const void *p, size_t len)
{
	df_write_records(&s->w, p, len, 1);
}

void synth_kallsyms(struct synth *s, const char *text)
{
	df_flush_records(&s->w);
	df_write_chunk(&s->w, DF_CHUNK_KALLSYMS, text, (u32)strlen(text));
}

void synth_flush(struct synth *s)
{
	df_flush_records(&s->w);
}

int synth_close(struct synth *s, u64 stop_ns)
{
	struct df_end end = { .stop_ns = stop_ns };

	return df_writer_close(&s->w, stop_ns ? &end : NULL);
}

void synth_switch(struct synth *s, u64 t, u32 cpu, u32 prev_tid,
		  u32 next_tid, bool preempt)
{
	struct df_switch e = {
		.time_ns = t, .cpu = cpu, .prev_tid = prev_tid,
		.next_tid = next_tid, .flags = preempt ? DF_SWITCH_PREEMPT : 0,
	};

	df_write_chunk(&s->w, DF_CHUNK_SWITCH, &e, sizeof(e));
}

void synth_kvm_stat(struct synth *s, u64 t, u32 vcpu, u64 halt_wait_ns)
{
	struct df_kvm_stat e = {
		.time_ns = t, .vcpu_id = vcpu,
		.stat = DF_KVM_STAT_HALT_WAIT_NS, .value = halt_wait_ns,
	};

	df_write_chunk(&s->w, DF_CHUNK_KVM_STAT, &e, sizeof(e));
}
