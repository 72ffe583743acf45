// SPDX-License-Identifier: GPL-2.0
/*
 * attach.t, run inside the patched kernel (test bed): a child process
 * creates a minimal KVM VM (one vCPU spinning on "jmp $" at 0x1000 in real
 * mode, in a thread named like QEMU's "CPU 0/KVM"); the parent, a foreign
 * process, records it with "vmprofctl record --vm pid:CHILD" (the
 * pidfd_getfd() path) and checks the data file holds in-guest samples of
 * vCPU 0 at the loop.  Also checks the door and the lock from outside:
 * a second KVM_PROFILE is EBUSY and another VM ioctl is EIO, that a rate
 * above kernel.perf_event_max_sample_rate is refused with a message that
 * names it, and that recording ends cleanly when the VM exits mid-way.
 *
 * The test bed always has the series, so a missing KVM_CAP_PROFILE is a
 * failure, not a skip.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../include/uapi/kvm_profile.h"
#include "datafile.h"
#include "tap.h"

#define GUEST_MEM 0x10000
#define GUEST_CODE 0x1000

struct child_vm {
	int kvm, vm, vcpu;
	struct kvm_run *run;
};

static void *vcpu_thread(void *arg)
{
	struct child_vm *c = arg;

	prctl(PR_SET_NAME, "CPU 0/KVM");
	for (;;)
		if (ioctl(c->vcpu, KVM_RUN, 0) < 0 && errno != EINTR)
			_exit(3);
	return NULL;
}

static int setup_vcpu(struct child_vm *c)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int size;

	c->vcpu = ioctl(c->vm, KVM_CREATE_VCPU, 0);
	size = ioctl(c->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (c->vcpu < 0 || size <= 0)
		return -1;
	c->run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, c->vcpu, 0);
	if (c->run == MAP_FAILED || ioctl(c->vcpu, KVM_GET_SREGS, &sregs))
		return -1;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(c->vcpu, KVM_SET_SREGS, &sregs))
		return -1;
	memset(&regs, 0, sizeof(regs));
	regs.rip = GUEST_CODE;
	regs.rflags = 2;
	return ioctl(c->vcpu, KVM_SET_REGS, &regs);
}

/* Child: build the VM, start the vCPU thread, say ready, wait to be killed. */
static void child(int ready_fd)
{
	struct kvm_userspace_memory_region mr = { 0 };
	struct child_vm c;
	pthread_t th;
	u8 *mem;

	c.kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	c.vm = ioctl(c.kvm, KVM_CREATE_VM, 0);
	if (c.vm < 0)
		_exit(2);
	ioctl(c.vm, KVM_SET_TSS_ADDR, 0xfffbd000UL);
	mem = mmap(NULL, GUEST_MEM, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mem[GUEST_CODE] = 0xeb;		/* jmp $ */
	mem[GUEST_CODE + 1] = 0xfe;
	mr.memory_size = GUEST_MEM;
	mr.userspace_addr = (u64)(uintptr_t)mem;
	if (ioctl(c.vm, KVM_SET_USER_MEMORY_REGION, &mr) || setup_vcpu(&c))
		_exit(2);
	if (pthread_create(&th, NULL, vcpu_thread, &c))
		_exit(2);
	if (write(ready_fd, &c.vm, sizeof(c.vm)) != sizeof(c.vm))
		_exit(2);
	for (;;)
		pause();
}

static pid_t start_child(int *vm_fdnum)
{
	struct pollfd pfd;
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		child(p[1]);
	}
	close(p[1]);
	pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	if (pid < 0 || poll(&pfd, 1, 10000) != 1 ||
	    read(p[0], vm_fdnum, sizeof(*vm_fdnum)) != sizeof(*vm_fdnum)) {
		close(p[0]);
		return -1;
	}
	close(p[0]);
	usleep(200000);		/* let the vCPU enter the guest */
	return pid;
}

static const char *vmprofctl_path(const char *argv0)
{
	static char buf[4096];
	struct stat st;
	const char *e = getenv("VMPROFCTL");
	const char *slash;

	if (e)
		return e;
	if (!stat("/usr/bin/vmprofctl", &st))
		return "/usr/bin/vmprofctl";
	slash = strrchr(argv0, '/');
	snprintf(buf, sizeof(buf), "%.*s/vmprofctl",
		 slash ? (int)(slash - argv0) : 1, slash ? argv0 : ".");
	return buf;
}

/* Run vmprofctl record against pid; returns its exit status or -1. */
static int run_record(const char *prog, pid_t pid, const char *secs,
		      const char *out, pid_t *runner)
{
	char vm[32];
	int status;
	pid_t r;

	snprintf(vm, sizeof(vm), "pid:%d", (int)pid);
	r = fork();
	if (r == 0) {
		execl(prog, prog, "record", "--vm", vm, "--duration", secs,
		      "-o", out, (char *)NULL);
		_exit(127);
	}
	if (runner) {
		*runner = r;
		return 0;
	}
	if (r < 0 || waitpid(r, &status, 0) != r)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct counts {
	u64 records, samples, in_guest_vcpu0, at_loop, chunks;
	u32 end_reason;
	bool have_end;
};

static void count_chunk(struct counts *n, const struct df_chunk *c)
{
	struct kvm_profile_sample s;
	struct kvm_profile_record_header h;
	size_t off = 0;

	if (c->type == DF_CHUNK_END && c->length >= sizeof(struct df_end)) {
		n->have_end = true;
		n->end_reason = ((const struct df_end *)c->data)->reason;
	}
	if (c->type != DF_CHUNK_RECORDS)
		return;
	while (off + sizeof(h) <= c->length) {
		memcpy(&h, c->data + off, sizeof(h));
		if (h.size < sizeof(h) || h.size > c->length - off)
			break;
		n->records++;
		if (h.type == KVM_PROFILE_RECORD_SAMPLE && h.size >= sizeof(s)) {
			memcpy(&s, c->data + off, sizeof(s));
			n->samples++;
			if (s.vcpu_id == 0 && s.flags & KVM_PROFILE_S_IN_GUEST &&
			    s.flags & KVM_PROFILE_S_GUEST_VALID) {
				n->in_guest_vcpu0++;
				if (s.guest_rip >= GUEST_CODE && s.guest_rip < GUEST_CODE + 2)
					n->at_loop++;
			}
		}
		off += h.size;
	}
}

static int count_file(const char *path, struct counts *n)
{
	struct df_reader r;
	struct df_chunk c;

	memset(n, 0, sizeof(*n));
	if (df_reader_open(&r, path))
		return -1;
	while (df_next_chunk(&r, &c) > 0) {
		n->chunks++;
		count_chunk(n, &c);
	}
	df_reader_close(&r);
	return 0;
}

static void door_and_lock(pid_t pid, int vm_fdnum)
{
	struct kvm_profile_config cfg = {
		.flags = KVM_PROFILE_F_SAMPLES, .event = KVM_PROFILE_EVENT_CPU_CLOCK,
		.sample_freq = 1000, .buffer_pages = 8,
	};
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), vmfd, p1, p2;

	vmfd = (int)syscall(SYS_pidfd_getfd, pidfd, vm_fdnum, 0);
	ok(vmfd >= 0, "pidfd_getfd takes the child's VM fd (errno %d)", vmfd < 0 ? errno : 0);
	p1 = ioctl(vmfd, KVM_PROFILE, &cfg);
	ok(p1 >= 0, "KVM_PROFILE from a foreign process (errno %d)", p1 < 0 ? errno : 0);
	p2 = ioctl(vmfd, KVM_PROFILE, &cfg);
	ok(p2 < 0 && errno == EBUSY, "second KVM_PROFILE is EBUSY");
	errno = 0;
	ok(ioctl(vmfd, KVM_CHECK_EXTENSION, KVM_CAP_PROFILE) < 0 && errno == EIO,
	   "other VM ioctls from a foreign process stay EIO");
	if (p1 >= 0)
		close(p1);
	if (p2 >= 0)
		close(p2);
	close(vmfd);
	close(pidfd);
}

/* Wait up to ms for pid; returns its wait status, or -1 (then kills it). */
static int wait_for(pid_t pid, int ms)
{
	int status, i;

	for (i = 0; i < ms / 50; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(50000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

/* Wait until vmprofctl has attached: the data file has its metadata. */
static bool wait_attached(const char *path, int ms)
{
	struct stat st;
	int i;

	for (i = 0; i < ms / 50; i++) {
		if (!stat(path, &st) && st.st_size > (off_t)sizeof(struct df_file_header))
			return true;
		usleep(50000);
	}
	return false;
}

static void vm_exits_midway(const char *prog, const char *out)
{
	struct counts n;
	pid_t pid, runner;
	int vm_fdnum, status;

	pid = start_child(&vm_fdnum);
	ok(pid > 0, "second child VM running");
	if (pid <= 0)
		return;
	unlink(out);
	run_record(prog, pid, "30", out, &runner);
	ok(wait_attached(out, 10000), "vmprofctl attached to the second VM");
	usleep(500000);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	/* vmprofctl must notice the VM is gone long before its 30 s. */
	status = wait_for(runner, 10000);
	ok(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "record ends with exit 0 within 10 s when the VM exits mid-way");
	ok(!count_file(out, &n) && n.have_end && n.end_reason == DF_END_VM_EXITED,
	   "data file closed with end reason 'VM exited'");
}

#define MAX_RATE_SYSCTL "/proc/sys/kernel/perf_event_max_sample_rate"

static int read_int_file(const char *path)
{
	FILE *f = fopen(path, "re");
	int val = -1;

	if (f) {
		if (fscanf(f, "%d", &val) != 1)
			val = -1;
		fclose(f);
	}
	return val;
}

static bool write_int_file(const char *path, int val)
{
	FILE *f = fopen(path, "we");
	bool written;

	if (!f)
		return false;
	written = fprintf(f, "%d\n", val) > 0;
	return !fclose(f) && written;
}

/*
 * The kernel refuses a rate above kernel.perf_event_max_sample_rate, as
 * perf_event_open() does: vmprofctl must say which limit it hit, not a
 * bare EINVAL.  The sysctl is put back before anything is checked.
 */
static void freq_above_perf_limit(const char *prog, pid_t pid, const char *err)
{
	int saved = read_int_file(MAX_RATE_SYSCTL), status = -1, fd;
	char vm[32], text[4096] = "";
	bool lowered;
	ssize_t n;
	pid_t r;

	snprintf(vm, sizeof(vm), "pid:%d", (int)pid);
	lowered = saved > 0 && write_int_file(MAX_RATE_SYSCTL, 500);
	r = lowered ? fork() : -1;
	if (r == 0) {
		fd = open(err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || dup2(fd, 2) < 0)
			_exit(126);
		execl(prog, prog, "record", "--vm", vm, "--duration", "1",
		      "--freq", "1000", "-o", "/dev/null", (char *)NULL);
		_exit(127);
	}
	if (r > 0 && waitpid(r, &status, 0) != r)
		status = -1;
	if (saved > 0)
		write_int_file(MAX_RATE_SYSCTL, saved);

	fd = open(err, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, text, sizeof(text) - 1) : -1;
	if (n > 0)
		text[n] = '\0';
	/* One TAP line: the message is quoted in it. */
	for (char *p = text; *p; p++)
		if (*p == '\n')
			*p = ' ';
	if (fd >= 0)
		close(fd);
	unlink(err);
	ok(lowered, "lower kernel.perf_event_max_sample_rate from %d to 500",
	   saved);
	ok(WIFEXITED(status) && WEXITSTATUS(status) != 0,
	   "record --freq 1000 over a max rate of 500 fails (status %#x)",
	   status);
	ok(strstr(text, "--freq 1000 is above kernel.perf_event_max_sample_rate (500)") != NULL,
	   "and names the sysctl and its value: %s", text);
	ok(read_int_file(MAX_RATE_SYSCTL) == saved,
	   "kernel.perf_event_max_sample_rate is back at %d", saved);
}

static const char *tmp_dir(void)
{
	static const char *const dirs[] = { "/tmp", "/dev/shm", "/run", "." };
	const char *e = getenv("TMPDIR");
	size_t i;

	if (e && !access(e, W_OK))
		return e;
	for (i = 0; i < ARRAY_SIZE(dirs); i++)
		if (!access(dirs[i], W_OK))
			return dirs[i];
	return ".";
}

int main(int argc, char **argv)
{
	const char *prog = vmprofctl_path(argc > 0 ? argv[0] : "./attach.t");
	const char *tmp = tmp_dir();
	char out[512], out2[512], err[512];
	struct counts n;
	int kvm, cap, vm_fdnum, rc;
	pid_t pid;

	snprintf(out, sizeof(out), "%s/attach-%d.data", tmp, (int)getpid());
	snprintf(out2, sizeof(out2), "%s/attach-exit-%d.data", tmp, (int)getpid());
	snprintf(err, sizeof(err), "%s/attach-err-%d.txt", tmp, (int)getpid());
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	ok(kvm >= 0, "open /dev/kvm");
	cap = kvm >= 0 ? ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_PROFILE) : -1;
	if (!ok(cap > 0, "kernel has KVM_CAP_PROFILE"))
		return tap_done();
	pid = start_child(&vm_fdnum);
	if (!ok(pid > 0, "child VM running (vCPU thread in KVM_RUN)"))
		return tap_done();
	unlink(out);
	rc = run_record(prog, pid, "2", out, NULL);
	ok(rc == 0, "%s record --vm pid:%d --duration 2 exits 0 (got %d)", prog, (int)pid, rc);
	ok(!count_file(out, &n), "data file readable");
	printf("# %llu records, %llu samples, %llu in guest on vcpu0, %llu at the loop\n",
	       (unsigned long long)n.records, (unsigned long long)n.samples,
	       (unsigned long long)n.in_guest_vcpu0, (unsigned long long)n.at_loop);
	ok(n.in_guest_vcpu0 > 0, "samples with IN_GUEST|GUEST_VALID and vcpu_id 0");
	ok(n.at_loop > 0 && n.at_loop * 10 >= n.in_guest_vcpu0 * 9,
	   "guest RIP of (at least 90%% of) those samples is the jmp $ at 0x1000");
	ok(n.have_end && n.end_reason == DF_END_DURATION, "end marker: duration reached");
	door_and_lock(pid, vm_fdnum);
	freq_above_perf_limit(prog, pid, err);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	vm_exits_midway(prog, out2);
	unlink(out);
	unlink(out2);
	return tap_done();
}
