// SPDX-License-Identifier: GPL-2.0
/*
 * vmprof_guest - tell the host which guest process owns which CR3.
 *
 * A host-side profiler samples the guest's CR3 but only the guest knows
 * which process owns that page-table root.  Expose, through the misc
 * device /dev/vmprof_guest, one record per thread group with an mm (tgid,
 * pid, comm, and the page-table root as CR3 holds it), then fork/exec/exit
 * events so that short-lived processes are not missed.  The record layout
 * is in vmprof_guest.h.
 *
 * The sched_process_{fork,exec,exit} tracepoints are not exported to
 * modules in 6.12, but tracepoint_probe_register() and
 * for_each_kernel_tracepoint() are: look the tracepoints up by name, as
 * LTTng does.  Unlike a kprobe this needs no symbol that may be inlined,
 * and unlike polling it sees processes that live a few microseconds.
 *
 * The probes run in tracepoint context, with preemption disabled: they
 * take only a raw spinlock, never a task lock, and leave the reader's
 * wakeup to an irq_work, so that PREEMPT_RT (where spinlock_t and wait
 * queue locks sleep) is served too.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/irq_work.h>
#include <linux/mem_encrypt.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mm_types.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/tracepoint.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <trace/events/sched.h>

#include "vmprof_guest.h"

#ifndef CONFIG_X86_64
#error "vmprof_guest reports x86-64 CR3 values"
#endif

/* Events kept for slow readers; a power of two. 4096 * 48 = 192 KiB. */
#define VG_RING_SIZE	4096
#define VG_RING_MASK	(VG_RING_SIZE - 1)
/* Records copied per lock hold in read(). */
#define VG_BATCH	64
/*
 * Processes whose EXIT was reported last, to report it once: more threads
 * than the last one see signal->live at 0 (exit_group() on several CPUs).
 * A group's threads pass the exit tracepoint within moments of each
 * other, far fewer than this many other exits apart.
 */
#define VG_EXITED	64
/* Tries at a snapshot whose process count grew under the walk. */
#define VG_SNAP_TRIES	8

static struct vmprof_guest_rec *vg_ring;
static u64 vg_head;		/* sequence number of the next event */
static DEFINE_RAW_SPINLOCK(vg_lock);
static DECLARE_WAIT_QUEUE_HEAD(vg_wait);

/* tgid and start time name a process: a pid is reused, not both. */
struct vg_exited {
	u64 start;
	u32 tgid;
};

static struct vg_exited vg_exited[VG_EXITED];	/* under vg_lock */
static u32 vg_exited_next;

/* Out of tracepoint context: the wait queue's lock sleeps on PREEMPT_RT. */
static void vg_wake(struct irq_work *work)
{
	wake_up_interruptible(&vg_wait);
}

static struct irq_work vg_wake_work = IRQ_WORK_INIT(vg_wake);

struct vg_reader {
	struct vmprof_guest_rec *snap;	/* snapshot + SNAPSHOT_END */
	u32 nr_snap;
	u32 snap_pos;
	u64 seq;			/* next event to return */
	struct mutex lock;		/* serializes read() on this file */
	struct vmprof_guest_rec batch[VG_BATCH];
};

/*
 * What CR3 holds for @mm (build_cr3() without PCID and LAM): __sme_pa()
 * keeps the encryption bit that an SEV guest's (and an SME host's) CR3
 * carries, which __pa() dropped, so that no root of such a guest matched.
 */
static u64 vg_root(struct mm_struct *mm)
{
	return mm ? __sme_pa(mm->pgd) : 0;
}

/* Fill @r from @p but its root; the caller holds rcu_read_lock(). */
static void vg_fill(struct vmprof_guest_rec *r, struct task_struct *p,
		    u8 event)
{
	memset(r, 0, sizeof(*r));
	r->time_ns = ktime_get_ns();
	r->tgid = task_tgid_nr(p);
	r->pid = task_pid_nr(p);
	r->ppid = task_tgid_nr(rcu_dereference(p->real_parent));
	r->event = event;
	/* comm[15] is always NUL; a racing rename can only mix two names. */
	strscpy_pad(r->comm, p->comm, sizeof(r->comm));
}

/* True if @p's EXIT was reported already, else remember it; vg_lock held. */
static bool vg_exit_seen(struct task_struct *p)
{
	struct vg_exited e = { p->start_time, task_tgid_nr(p) };
	u32 i;

	for (i = 0; i < VG_EXITED; i++)
		if (vg_exited[i].tgid == e.tgid && vg_exited[i].start == e.start)
			return true;
	vg_exited[vg_exited_next++ % VG_EXITED] = e;
	return false;
}

/*
 * @mm is @p's, read without task_lock(): a forked child has not run yet,
 * so nothing changes its mm, and exec's task is current.
 */
static void vg_push(struct task_struct *p, struct mm_struct *mm, u8 event)
{
	struct vmprof_guest_rec rec;
	unsigned long flags;

	rcu_read_lock();
	vg_fill(&rec, p, event);
	rcu_read_unlock();
	rec.cr3 = vg_root(mm);
	if (event != VMPROF_GUEST_EXIT && !rec.cr3)
		return;
	raw_spin_lock_irqsave(&vg_lock, flags);
	if (event == VMPROF_GUEST_EXIT && vg_exit_seen(p)) {
		raw_spin_unlock_irqrestore(&vg_lock, flags);
		return;
	}
	vg_ring[vg_head & VG_RING_MASK] = rec;
	vg_head++;
	raw_spin_unlock_irqrestore(&vg_lock, flags);
	irq_work_queue(&vg_wake_work);
}

static void vg_probe_fork(void *data, struct task_struct *parent,
			  struct task_struct *child)
{
	/* A new thread shares its group's mm: only new groups matter. */
	if ((child->flags & PF_KTHREAD) || !thread_group_leader(child))
		return;
	vg_push(child, child->mm, VMPROF_GUEST_FORK);
}

static void vg_probe_exec(void *data, struct task_struct *p, pid_t old_pid,
			  struct linux_binprm *bprm)
{
	vg_push(p, p->mm, VMPROF_GUEST_EXEC);
}

static void vg_probe_exit(void *data, struct task_struct *p)
{
	/* signal->live drops to 0 when the last thread of the group exits. */
	if ((p->flags & PF_KTHREAD) || atomic_read(&p->signal->live))
		return;
	/*
	 * The last thread need not be the leader: report the process (the
	 * leader's pid and comm, which the host keeps as the process name;
	 * a zombie leader is not released before its last thread), once.
	 */
	vg_push(p->group_leader, NULL, VMPROF_GUEST_EXIT);
}

struct vg_tp {
	const char *name;
	void *probe;
	struct tracepoint *tp;
};

static struct vg_tp vg_tps[] = {
	{ "sched_process_fork", vg_probe_fork },
	{ "sched_process_exec", vg_probe_exec },
	{ "sched_process_exit", vg_probe_exit },
};

/*
 * The probes are registered through void *, found by name: have the
 * compiler check them against the tracepoints' prototypes, so that a
 * kernel that changes one (sched_process_exit later gained an argument)
 * fails the build instead of faulting under kCFI at the first call.
 */
static void __maybe_unused vg_check_probe_types(void)
{
	check_trace_callback_type_sched_process_fork(vg_probe_fork);
	check_trace_callback_type_sched_process_exec(vg_probe_exec);
	check_trace_callback_type_sched_process_exit(vg_probe_exit);
}

static void vg_find_tp(struct tracepoint *tp, void *priv)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(vg_tps); i++)
		if (!strcmp(tp->name, vg_tps[i].name))
			vg_tps[i].tp = tp;
}

static void vg_unregister_tps(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(vg_tps); i++)
		if (vg_tps[i].tp)
			tracepoint_probe_unregister(vg_tps[i].tp,
						    vg_tps[i].probe, NULL);
	/* No probe may still run once the module text goes away. */
	tracepoint_synchronize_unregister();
}

static int vg_register_tps(void)
{
	int i, ret;

	for_each_kernel_tracepoint(vg_find_tp, NULL);
	for (i = 0; i < ARRAY_SIZE(vg_tps); i++) {
		if (!vg_tps[i].tp) {
			pr_err("tracepoint %s not found (kernel built without CONFIG_TRACEPOINTS?)\n",
			       vg_tps[i].name);
			ret = -EOPNOTSUPP;
			goto err;
		}
		ret = tracepoint_probe_register(vg_tps[i].tp, vg_tps[i].probe,
						NULL);
		if (ret) {
			pr_err("cannot attach to %s: %d\n", vg_tps[i].name,
			       ret);
			vg_tps[i].tp = NULL;
			goto err;
		}
	}
	return 0;
err:
	vg_unregister_tps();
	return ret;
}

static u32 vg_count_processes(void)
{
	struct task_struct *p;
	u32 n = 0;

	rcu_read_lock();
	for_each_process(p)
		n++;
	rcu_read_unlock();
	return n;
}

/*
 * The root of @p's group, from any of its threads that still has an mm:
 * the leader has none once it exited (main() called pthread_exit()) while
 * the other threads run on.  find_lock_task_mm() does this but is not
 * exported.  The caller holds rcu_read_lock().
 */
static u64 vg_group_root(struct task_struct *p)
{
	struct task_struct *t;
	u64 root;

	for_each_thread(p, t) {
		/* task_lock() keeps mm from being freed while pgd is read. */
		task_lock(t);
		root = vg_root(t->mm);
		task_unlock(t);
		if (root)
			return root;
	}
	return 0;
}

/*
 * Snapshot every user thread group into @recs, at most @cap of them.
 * Returns how many there are, which is above @cap when more were forked
 * since the count: the caller tries again, larger.
 */
static u32 vg_walk(struct vmprof_guest_rec *recs, u32 cap)
{
	struct task_struct *p;
	u32 n = 0;
	u64 root;

	rcu_read_lock();
	for_each_process(p) {
		if (p->flags & PF_KTHREAD)
			continue;
		root = vg_group_root(p);
		if (!root)
			continue;
		if (n < cap) {
			vg_fill(&recs[n], p, VMPROF_GUEST_SNAPSHOT);
			recs[n].cr3 = root;
		}
		n++;
	}
	rcu_read_unlock();
	return n;
}

static int vg_snapshot(struct vg_reader *r)
{
	/* Slack for processes forked between counting and walking. */
	u32 cap = vg_count_processes() + 256, n, tries;
	struct vmprof_guest_rec *end;

	for (tries = 0; tries < VG_SNAP_TRIES; tries++) {
		r->snap = kvmalloc_array(cap + 1, sizeof(*r->snap), GFP_KERNEL);
		if (!r->snap)
			return -ENOMEM;
		n = vg_walk(r->snap, cap);
		if (n <= cap)
			break;
		/* A truncated snapshot would hide processes: walk again. */
		kvfree(r->snap);
		r->snap = NULL;
		cap = n + n / 4 + 256;
	}
	if (!r->snap)
		return -EAGAIN;
	r->nr_snap = n;
	end = &r->snap[r->nr_snap++];
	memset(end, 0, sizeof(*end));
	end->event = VMPROF_GUEST_SNAPSHOT_END;
	end->time_ns = ktime_get_ns();
	return 0;
}

static int vg_open(struct inode *inode, struct file *file)
{
	struct vg_reader *r;
	int ret;

	r = kvzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	mutex_init(&r->lock);
	/*
	 * Start the event cursor before the walk: an event racing with the
	 * walk is then delivered after the snapshot, and replaying it is
	 * harmless (fork/exec replace, exit removes).
	 */
	raw_spin_lock_irq(&vg_lock);
	r->seq = vg_head;
	raw_spin_unlock_irq(&vg_lock);
	ret = vg_snapshot(r);
	if (ret) {
		kvfree(r);
		return ret;
	}
	file->private_data = r;
	return stream_open(inode, file);
}

static int vg_release(struct inode *inode, struct file *file)
{
	struct vg_reader *r = file->private_data;

	kvfree(r->snap);
	kvfree(r);
	return 0;
}

static bool vg_pending(struct vg_reader *r)
{
	return READ_ONCE(vg_head) != r->seq;
}

/* Copy up to @max events into r->batch; a LOST record if r fell behind. */
static u32 vg_take_events(struct vg_reader *r, u32 max)
{
	u32 n = 0;

	raw_spin_lock_irq(&vg_lock);
	if (vg_head - r->seq > VG_RING_SIZE) {
		struct vmprof_guest_rec *lost = &r->batch[n++];

		memset(lost, 0, sizeof(*lost));
		lost->event = VMPROF_GUEST_LOST;
		lost->time_ns = ktime_get_ns();
		lost->tgid = min_t(u64, vg_head - r->seq - VG_RING_SIZE,
				   U32_MAX);
		r->seq = vg_head - VG_RING_SIZE;
	}
	while (n < max && r->seq != vg_head)
		r->batch[n++] = vg_ring[r->seq++ & VG_RING_MASK];
	raw_spin_unlock_irq(&vg_lock);
	return n;
}

static ssize_t vg_read_snapshot(struct vg_reader *r, char __user *buf,
				u32 max)
{
	u32 n = min(max, r->nr_snap - r->snap_pos);

	if (copy_to_user(buf, &r->snap[r->snap_pos], n * sizeof(*r->snap)))
		return -EFAULT;
	r->snap_pos += n;
	return n * sizeof(*r->snap);
}

static ssize_t vg_read_events(struct vg_reader *r, struct file *file,
			      char __user *buf, u32 max)
{
	u32 n;

	while (!vg_pending(r)) {
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		if (wait_event_interruptible(vg_wait, vg_pending(r)))
			return -ERESTARTSYS;
	}
	n = vg_take_events(r, min_t(u32, max, VG_BATCH));
	if (copy_to_user(buf, r->batch, n * sizeof(*r->batch)))
		return -EFAULT;
	return n * sizeof(*r->batch);
}

static ssize_t vg_read(struct file *file, char __user *buf, size_t count,
		       loff_t *ppos)
{
	struct vg_reader *r = file->private_data;
	u32 max = min_t(size_t, count / sizeof(struct vmprof_guest_rec),
			U32_MAX);
	ssize_t ret;

	if (!max)
		return -EINVAL;
	if (mutex_lock_interruptible(&r->lock))
		return -ERESTARTSYS;
	if (r->snap_pos < r->nr_snap)
		ret = vg_read_snapshot(r, buf, max);
	else
		ret = vg_read_events(r, file, buf, max);
	mutex_unlock(&r->lock);
	return ret;
}

static __poll_t vg_poll(struct file *file, poll_table *wait)
{
	struct vg_reader *r = file->private_data;

	poll_wait(file, &vg_wait, wait);
	if (r->snap_pos < r->nr_snap || vg_pending(r))
		return EPOLLIN | EPOLLRDNORM;
	return 0;
}

static const struct file_operations vg_fops = {
	.owner = THIS_MODULE,
	.open = vg_open,
	.release = vg_release,
	.read = vg_read,
	.poll = vg_poll,
};

static struct miscdevice vg_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "vmprof_guest",
	.fops = &vg_fops,
	.mode = 0600,
};

static int __init vg_init(void)
{
	int ret;

	BUILD_BUG_ON(sizeof(struct vmprof_guest_rec) != 48);
	vg_ring = vmalloc_array(VG_RING_SIZE, sizeof(*vg_ring));
	if (!vg_ring)
		return -ENOMEM;
	ret = vg_register_tps();
	if (ret)
		goto err_ring;
	ret = misc_register(&vg_misc);
	if (ret)
		goto err_tps;
	return 0;
err_tps:
	vg_unregister_tps();
	irq_work_sync(&vg_wake_work);
err_ring:
	vfree(vg_ring);
	return ret;
}

static void __exit vg_exit(void)
{
	misc_deregister(&vg_misc);
	vg_unregister_tps();
	/* A wakeup queued by the last probe must not run in freed text. */
	irq_work_sync(&vg_wake_work);
	vfree(vg_ring);
}

module_init(vg_init);
module_exit(vg_exit);

MODULE_DESCRIPTION("Guest CR3 to process map for host-side KVM profiling");
MODULE_LICENSE("GPL");
