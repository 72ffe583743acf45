// SPDX-License-Identifier: GPL-2.0
/*
 * Culprits at record time, against a fake root (a directory shaped like
 * /proc, /sys/kernel/debug and /sys/fs/cgroup), so that nothing depends on
 * the machine running the test: another VM's vCPU thread by KVM's debugfs
 * and by QEMU's thread name, a kernel thread, a task and its cgroup, a
 * comm holding ") ", a thread gone; the cgroups whose cpu.stat is read
 * for throttling; and the collector storing all of it ahead of the
 * records, looked up once per thread, so that the report names each
 * class.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collector.h"
#include "task_id.h"
#include "test_common.h"
#include "throttle.h"

#define OUT "test_task_id.data"

static char root[256];

/* Write @len bytes at root/@rel, making its directories. */
static void put(const char *rel, const char *data, size_t len)
{
	char path[512], *p;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			perror(path);
		*p = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		perror(path);
	close(fd);
}

static void put_str(const char *rel, const char *s)
{
	put(rel, s, strlen(s));
}

/* /proc/TID/{stat,status,cgroup} of a thread of process @pid. */
static void thread(u32 pid, u32 tid, const char *comm, unsigned long flags,
		   const char *cgroup)
{
	char rel[64], buf[512];

	snprintf(buf, sizeof(buf), "%u (%s) S 1 %u %u 0 -1 %lu 0 0 0 0\n",
		 tid, comm, pid, pid, flags);
	snprintf(rel, sizeof(rel), "proc/%u/stat", tid);
	put_str(rel, buf);
	snprintf(buf, sizeof(buf), "Name:\t%s\nUmask:\t0022\nState:\tS\nTgid:\t%u\nPid:\t%u\n",
		 comm, pid, tid);
	snprintf(rel, sizeof(rel), "proc/%u/status", tid);
	put_str(rel, buf);
	if (cgroup) {
		snprintf(rel, sizeof(rel), "proc/%u/cgroup", tid);
		put_str(rel, cgroup);
	}
}

static void fake_root(void)
{
	static const char cmdline[] = "qemu-system-x86_64\0-name\0guest=web1,debug-threads=on\0-m\0512";

	snprintf(root, sizeof(root), "%s/test_task_id.root.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(root))
		perror("mkdtemp");
	/* web1: QEMU 200, vCPU 0 on thread 201, debugfs says so */
	put("proc/200/cmdline", cmdline, sizeof(cmdline));
	thread(200, 201, "CPU 0/KVM", 0x40, "0::/machine.slice/web1.scope\n");
	put_str("sys/kernel/debug/kvm/200-12/vcpu0/pid", "201\n");
	put_str("sys/kernel/debug/kvm/200-12/vcpu1/pid", "209\n");
	/* a VMM without -name, its thread not "CPU N/KVM": debugfs only */
	put_str("proc/400/cmdline", "cloud-vmm");
	thread(400, 402, "vcpu-thread", 0x40, "0::/vmm.slice\n");
	put_str("sys/kernel/debug/kvm/400-7/vcpu3/pid", "402\n");
	/* QEMU 500 with debugfs unreadable: its thread's name */
	put_str("proc/500/cmdline", "qemu");
	thread(500, 503, "CPU 2/KVM", 0x40, "0::/\n");
	/* a host task in a v1+v2 hybrid, a kernel thread, a comm with ") " */
	thread(300, 301, "hostburn", 0x400040,
	       "12:cpu,cpuacct:/x\n0::/system.slice/hog.service\n");
	thread(2, 401, "kworker/0:1", 0x4208060, NULL);
	thread(600, 601, "a) b", 0x40, "0::/user.slice/evil\x1b</script>\n");
	/* the recorded VM: vCPU 0 on thread 101, its cgroup quota'd */
	thread(100, 101, "CPU 0/KVM", 0x40, "0::/machine.slice/vm1/vcpu0\n");
	put_str("sys/fs/cgroup/machine.slice/vm1/vcpu0/cpu.stat",
		"usage_usec 900\nuser_usec 800\nsystem_usec 100\nnr_periods 20\nnr_throttled 4\nthrottled_usec 31000\n");
	put_str("sys/fs/cgroup/machine.slice/vm1/cpu.stat",
		"usage_usec 900\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n");
	/* no cpu controller here: no throttling counters */
	put_str("sys/fs/cgroup/machine.slice/cpu.stat", "usage_usec 900\n");
}

static void test_identify(void)
{
	struct task_ident t;

	task_identify(root, 200, 201, "CPU 0/KVM", &t);
	is_u64(t.klass, DF_TASK_VM_VCPU, "debugfs: another VM's vCPU thread");
	is_u64(t.vcpu, 0, "debugfs: vcpu0/pid names the thread");
	is_str(t.vm, "web1", "the VM by QEMU's -name guest= (libvirt's domain name)");
	task_identify(root, 0, 402, "vcpu-thread", &t);
	ok(t.klass == DF_TASK_VM_VCPU && t.vcpu == 3 && t.pid == 400,
	   "debugfs alone, pid from /proc/TID/status: vcpu3 of VMM 400");
	is_str(t.vm, "pid:400", "a VMM without -name: pid:N, as --vm takes it");
	task_identify(root, 500, 503, "CPU 2/KVM", &t);
	ok(t.klass == DF_TASK_VM_VCPU && t.vcpu == 2,
	   "no debugfs entry: QEMU's thread name CPU 2/KVM");
	task_identify(root, 300, 301, "hostburn", &t);
	is_u64(t.klass, DF_TASK_TASK, "a host task");
	is_str(t.cgroup, "/system.slice/hog.service", "its cgroup v2 path, not v1's");
	task_identify(root, 2, 401, "kworker/0:1", &t);
	is_u64(t.klass, DF_TASK_KTHREAD, "PF_KTHREAD in /proc/TID/stat: a kernel thread");
	task_identify(root, 600, 601, "x", &t);
	is_str(t.comm, "a) b", "a comm holding \") \" read whole");
	is_str(t.cgroup, "/user.slice/evil\x1b</script>", "a hostile cgroup kept as read");
	task_identify(root, 700, 701, "gone", &t);
	ok(t.klass == DF_TASK_GONE && !strcmp(t.comm, "gone"),
	   "a thread /proc no longer has: gone, by the record's comm");
}

static void test_throttle_sources(void)
{
	struct vcpu_thread v = { .id = 0, .tid = 101 };
	struct vm_info vm = { .pid = 100, .vcpus = &v, .nvcpus = 1 };
	struct throttle_src *s;
	struct df_throttle e;
	struct buf b = { 0 };
	size_t n;

	n = throttle_sources(root, &vm, &s);
	is_u64(n, 3, "the vCPU's cgroup and its two ancestors below the root");
	ok(n == 3 && !strcmp(s[0].path, "/machine.slice/vm1/vcpu0") &&
	   !strcmp(s[1].path, "/machine.slice/vm1") &&
	   !strcmp(s[2].path, "/machine.slice") && s[2].depth == 2,
	   "deepest first, by depth");
	is_u64(throttle_read(root, s, n, 5, &b), 2,
	   "cpu.stat read where it has the throttling counters");
	memcpy(&e, b.data, sizeof(e));
	ok(e.nr_throttled == 4 && e.throttled_usec == 31000 && e.vcpu == 0 &&
	   e.time_ns == 5, "nr_throttled and throttled_usec as the file says");
	buf_free(&b);
	throttle_sources_free(s, n);
}

static int fds[2];

static void sched_out(u64 ms, u32 next_pid, u32 next_tid, const char *comm)
{
	struct kvm_profile_sched_out o;
	struct kvm_profile_sched_in in;

	memset(&o, 0, sizeof(o));
	o.hdr = (struct kvm_profile_record_header){
		.type = KVM_PROFILE_RECORD_SCHED_OUT, .size = sizeof(o),
		.time_ns = T0 + ms * MS,
	};
	o.reason = KVM_PROFILE_SCHED_PREEMPTED;
	o.pid = 100;
	o.tid = 101;
	o.next_pid = next_pid;
	o.next_tid = next_tid;
	memcpy(o.next_comm, comm, strnlen(comm, 15));
	memset(&in, 0, sizeof(in));
	in.hdr = (struct kvm_profile_record_header){
		.type = KVM_PROFILE_RECORD_SCHED_IN, .size = sizeof(in),
		.time_ns = T0 + (ms + 10) * MS,
	};
	in.pid = 100;
	in.tid = 101;
	if (write(fds[1], &o, sizeof(o)) != sizeof(o) ||
	    write(fds[1], &in, sizeof(in)) != sizeof(in))
		perror("write");
}

static void test_collector(void)
{
	struct vcpu_thread v = { .id = 0, .tid = 101 };
	struct doc d = { 0 };
	struct analysis a;
	struct collector c;
	struct table *t;

	memset(&c, 0, sizeof(c));
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC))
		perror("pipe2");
	c.prof_fd = fds[0];
	c.ctl_fd = c.input_fd = c.stop_client = -1;
	c.o.output = OUT;
	c.vm.pid = 100;
	c.vm.vcpus = &v;
	c.vm.nvcpus = 1;
	c.start_ns = mono_ns();
	agent_conns_init(&c.agent);
	df_writer_open(&c.w, OUT);
	culprit_rec_init(&c.culprits, root, &c.vm);
	culprit_rec_tick(&c.culprits, &c.w, c.start_ns);
	sched_out(100, 200, 201, "CPU 0/KVM");
	sched_out(200, 300, 301, "hostburn");
	sched_out(300, 300, 301, "hostburn");
	sched_out(400, 2, 401, "kworker/0:1");
	sched_out(500, 0, 0, "swapper/0");
	sched_out(600, 700, 701, "gone");
	collector_stop = 1;
	ok(collector_run(&c) == 0, "collector: records drained");
	collector_stop = 0;
	close(fds[1]);
	c.vm.vcpus = NULL;

	analysis_init(&a, NULL);
	analysis_load(&a, OUT);
	is_u64(a.cul.tasks.n, 4, "collector: each host thread looked up once, not the idle task");
	is_u64(a.cul.nthr, 4, "collector: cpu.stat read at the start and at the end");
	report_steal(&a, &d);
	t = find_table(&d, "vcpu0");
	is_str(row_str(t, find_row2(t, 0, "[steal] (vm web1 vcpu0)", -1, NULL), 2),
	       "10.000", "report: web1's vCPU");
	is_str(row_str(t, find_row2(t, 0, "[steal] (task hostburn (cgroup /system.slice/hog.service))",
				    -1, NULL), 2),
	       "20.000", "report: the task and its cgroup");
	ok(find_row2(t, 0, "[steal] (kthread kworker/0:1)", -1, NULL) >= 0,
	   "report: the kernel thread");
	ok(find_row2(t, 0, "[steal] (task gone (exited before it was looked up))",
		     -1, NULL) >= 0, "report: the thread gone, by its comm");
	ok(find_row2(t, 0, "[steal] (unknown (pCPU idle))", -1, NULL) >= 0,
	   "report: the idle pCPU unknown");
	doc_free(&d);
	analysis_free(&a);
	unlink(OUT);
}

int main(void)
{
	char cmd[300];

	fake_root();
	test_identify();
	test_throttle_sources();
	test_collector();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		perror("rm");
	return tap_done();
}
