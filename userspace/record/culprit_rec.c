// SPDX-License-Identifier: GPL-2.0
/*
 * Culprits at record time.  A sched-out names the task that got the pCPU
 * only by pid, tid and comm, and a host sample of another task the same;
 * what that task was (another VM's vCPU, a kernel thread, a task in some
 * cgroup) can be read only while it lives, so each new thread id is looked
 * up when the records that name it are drained, and the answer stored
 * ahead of them.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../../include/uapi/kvm_profile.h"
#include "culprit_rec.h"
#include "task_id.h"

void culprit_rec_init(struct culprit_rec *r, const char *root,
		      const struct vm_info *vm)
{
	u32 i;

	memset(r, 0, sizeof(*r));
	r->on = true;
	snprintf(r->root, sizeof(r->root), "%s", root ? root : "");
	r->own_tids = xcalloc(vm->nvcpus + 1, sizeof(u32));
	for (i = 0; i < vm->nvcpus; i++)
		if (vm->vcpus[i].tid)
			r->own_tids[r->nown++] = vm->vcpus[i].tid;
	r->nsrc = throttle_sources(r->root, vm, &r->src);
}

static bool own_thread(const struct culprit_rec *r, u32 tid)
{
	u32 i;

	for (i = 0; i < r->nown; i++)
		if (r->own_tids[i] == tid)
			return true;
	return false;
}

static size_t slot_of(const u32 *t, size_t cap, u32 tid)
{
	size_t i = (tid * 2654435761U) & (cap - 1);

	while (t[i] && t[i] != tid)
		i = (i + 1) & (cap - 1);
	return i;
}

/* Insert @tid; false if it was there, or no more may be kept. */
static bool first_sight(struct culprit_rec *r, u32 tid)
{
	size_t i, cap;
	u32 *t;

	if (r->capseen && r->seen[slot_of(r->seen, r->capseen, tid)] == tid)
		return false;
	if (r->nseen >= CULPRIT_MAX_TASKS) {
		if (!r->full)
			pr_warn("more than %u host threads took the VM's pCPUs: the later ones are named by comm only",
				CULPRIT_MAX_TASKS);
		r->full = true;
		return false;
	}
	if ((r->nseen + 1) * 2 > r->capseen) {
		cap = r->capseen ? r->capseen * 2 : 256;
		t = xcalloc(cap, sizeof(u32));
		for (i = 0; i < r->capseen; i++)
			if (r->seen[i])
				t[slot_of(t, cap, r->seen[i])] = r->seen[i];
		free(r->seen);
		r->seen = t;
		r->capseen = cap;
	}
	r->seen[slot_of(r->seen, r->capseen, tid)] = tid;
	r->nseen++;
	return true;
}

void culprit_rec_note(struct culprit_rec *r, u32 pid, u32 tid,
		      const char *comm, u64 now)
{
	struct task_ident t;

	/* tid 0 is each pCPU's idle task; the VM's own vCPUs are named so */
	if (!r->on || !tid || own_thread(r, tid) || !first_sight(r, tid))
		return;
	task_identify(r->root, pid, tid, comm, &t);
	task_ident_put(&r->pending, &t, now);
}

void culprit_rec_scan(struct culprit_rec *r, const u8 *p, size_t len, u64 now)
{
	struct kvm_profile_record_header h;
	struct kvm_profile_sched_out o;
	struct kvm_profile_sample s;
	size_t off = 0;

	if (!r->on)
		return;
	while (off + sizeof(h) <= len) {
		memcpy(&h, p + off, sizeof(h));
		if (h.size < sizeof(h) || h.size > len - off)
			break;
		if (h.type == KVM_PROFILE_RECORD_SCHED_OUT &&
		    h.size >= offsetof(struct kvm_profile_sched_out, run_delay_ns)) {
			memset(&o, 0, sizeof(o));
			memcpy(&o, p + off, h.size < sizeof(o) ? h.size : sizeof(o));
			if (!(o.flags & KVM_PROFILE_S_NEXT_HIDDEN))
				culprit_rec_note(r, o.next_pid, o.next_tid,
					  o.next_comm, now);
		} else if (h.type == KVM_PROFILE_RECORD_SAMPLE &&
			   h.size >= sizeof(s)) {
			memcpy(&s, p + off, sizeof(s));
			if (s.vcpu_id == KVM_PROFILE_NO_VCPU)
				culprit_rec_note(r, s.pid, s.tid, s.comm, now);
		}
		off += h.size;
	}
}

int culprit_rec_flush(struct culprit_rec *r, struct df_writer *w)
{
	int ret = 0;

	if (r->pending.len)
		ret = df_write_chunk(w, DF_CHUNK_TASK, r->pending.data,
				     (u32)r->pending.len);
	r->pending.len = 0;
	return ret;
}

int culprit_rec_tick(struct culprit_rec *r, struct df_writer *w, u64 now)
{
	struct buf b = { 0 };
	int ret = 0;

	if (!r->on || !r->nsrc)
		return 0;
	if (throttle_read(r->root, r->src, r->nsrc, now, &b))
		ret = df_write_chunk(w, DF_CHUNK_THROTTLE, b.data, (u32)b.len);
	buf_free(&b);
	return ret;
}

void culprit_rec_free(struct culprit_rec *r)
{
	free(r->own_tids);
	free(r->seen);
	buf_free(&r->pending);
	throttle_sources_free(r->src, r->nsrc);
	memset(r, 0, sizeof(*r));
}
