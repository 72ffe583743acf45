// SPDX-License-Identifier: GPL-2.0
/*
 * record --vm all without a kernel: the host's VMs are fakes (a scan that
 * names child processes whose threads are called "CPU 0/KVM", as QEMU's
 * vCPU threads are) and each profile fd is a non-blocking pipe, which has
 * its read semantics (test_collector.c).  alpha's vCPU waits 60 ms for
 * beta's vCPU thread, beta's 30 ms for alpha's and 10 ms for a host task;
 * beta exits mid-way, gamma starts after the first scan.  Checks the
 * directory (a file per VM, complete on its own, the index through the
 * changes), the vms view's rows and the steal matrix's cells (beta's
 * culprit, named pid:N by the recorder, is mapped to the recorded VM).
 *   test_vmall                 the TAP tests
 *   test_vmall --record DIR    only the recording, for tests/vmall.sh
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "report.h"
#include "vm_all.h"
#include "test_common.h"

#define NVMS 3
static const char *const names[NVMS] = { "alpha", "beta", "gamma" };
static pid_t kids[NVMS];
static int wfd[NVMS] = { -1, -1, -1 };
static size_t nscan = 2;	/* VMs the scan finds: gamma starts later */
static bool tap = true;

static void check(bool cond, const char *what)
{
	if (tap)
		ok(cond, "%s", what);
}

/* A process whose only thread is named as QEMU names vCPU 0's. */
static pid_t vcpu_child(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_NAME, "CPU 0/KVM");
		for (;;)
			pause();
	}
	return pid;
}

static size_t fake_scan(struct vm_info **vms, int *denied)
{
	struct vm_info *l = xcalloc(nscan, sizeof(*l));
	size_t i;

	for (i = 0; i < nscan; i++) {
		l[i].pid = kids[i];
		l[i].vm_fd = 10;
		l[i].libvirt_id = -1;
		snprintf(l[i].name, sizeof(l[i].name), "%s", names[i]);
		l[i].vcpus = xcalloc(1, sizeof(*l[i].vcpus));
		l[i].vcpus[0].tid = (u32)kids[i];
		l[i].nvcpus = 1;
	}
	*vms = l;
	*denied = 0;
	return nscan;
}

static int fake_open(struct collector *c, const struct kvm_profile_config *cfg)
{
	int p[2], i;

	(void)cfg;
	if (pipe2(p, O_NONBLOCK | O_CLOEXEC))
		return -1;
	for (i = 0; i < NVMS; i++)
		if (kids[i] == c->vm.pid)
			wfd[i] = p[1];
	c->prof_fd = p[0];
	return 0;
}

static void put(int vm, const void *r, size_t len)
{
	if (write(wfd[vm], r, len) != (ssize_t)len)
		perror("write");
}

static void samples(int vm, u64 t0, int n)
{
	struct kvm_profile_sample s;
	int i;

	memset(&s, 0, sizeof(s));
	s.hdr.type = KVM_PROFILE_RECORD_SAMPLE;
	s.hdr.size = sizeof(s);
	s.flags = KVM_PROFILE_S_IN_GUEST | KVM_PROFILE_S_GUEST_VALID;
	s.pid = s.tid = (u32)kids[vm];
	for (i = 0; i < n; i++) {
		s.hdr.time_ns = t0 + (u64)i * MS;
		put(vm, &s, sizeof(s));
	}
}

/* Samples in the host kernel (exit handling) at one address. */
static void host_samples(int vm, u64 t0, int n)
{
	struct kvm_profile_sample s;
	int i;

	memset(&s, 0, sizeof(s));
	s.hdr.type = KVM_PROFILE_RECORD_SAMPLE;
	s.hdr.size = sizeof(s);
	s.host_ip = 0xffffffff81000100ULL;
	s.pid = s.tid = (u32)kids[vm];
	memcpy(s.comm, "CPU 0/KVM", 9);
	for (i = 0; i < n; i++) {
		s.hdr.time_ns = t0 + (u64)i * MS + MS / 2;
		put(vm, &s, sizeof(s));
	}
}

/* vCPU 0 of @vm preempted on pCPU 0 at @t for @ms by thread @next. */
static void steal(int vm, u64 t, u64 ms, u32 next, const char *comm)
{
	struct kvm_profile_sched_out o;
	struct kvm_profile_sched_in in;

	memset(&o, 0, sizeof(o));
	o.hdr = (struct kvm_profile_record_header){
		.type = KVM_PROFILE_RECORD_SCHED_OUT, .size = sizeof(o),
		.time_ns = t };
	o.reason = KVM_PROFILE_SCHED_PREEMPTED;
	o.pid = o.tid = (u32)kids[vm];
	o.next_pid = o.next_tid = next;
	memcpy(o.next_comm, comm, strnlen(comm, 15));
	put(vm, &o, sizeof(o));
	memset(&in, 0, sizeof(in));
	in.hdr = (struct kvm_profile_record_header){
		.type = KVM_PROFILE_RECORD_SCHED_IN, .size = sizeof(in),
		.time_ns = t + ms * MS };
	in.reason = KVM_PROFILE_SCHED_IN_SCHEDULED;
	in.pid = in.tid = (u32)kids[vm];
	put(vm, &in, sizeof(in));
}

static void turns(struct vm_all *va, int n)
{
	while (n--)
		vm_all_turn(va, 0);
}

static char *slurp(const char *path)
{
	static char buf[4096];

	if (read_small_file(path, buf, sizeof(buf)) < 0)
		buf[0] = '\0';
	return buf;
}

static bool index_has(const char *dir, const char *line)
{
	char *p = xasprintf("%s/index", dir);
	bool yes = strstr(slurp(p), line) != NULL;

	free(p);
	return yes;
}

static bool exists(const char *dir, const char *file)
{
	char *p = xasprintf("%s/%s", dir, file);
	struct stat st;
	bool yes = !stat(p, &st) && S_ISREG(st.st_mode) && st.st_size > 0;

	free(p);
	return yes;
}

/* The recording: three fake VMs, one exits, one starts late. */
static int record(const char *dir)
{
	struct record_opts o;
	struct vm_all va = { .scan = fake_scan };
	char line[128];
	u64 t;
	int i, ret;

	for (i = 0; i < NVMS; i++)
		kids[i] = vcpu_child();
	collector_open_profile = fake_open;
	record_opts_init(&o);
	o.vm_spec = "all";
	o.all = true;
	o.output = dir;
	o.no_agent = true;
	ret = vm_all_prepare(&va, &o);
	check(ret == 0, "prepare: every VM the scan finds");
	check(va.n == 2, "prepare: a collector for each of the 2 VMs");
	check(exists(dir, "alpha.data") && exists(dir, "beta.data"),
	      "prepare: alpha.data and beta.data in the directory");
	snprintf(line, sizeof(line), "beta.data\t%d\t0\trecording\tbeta\t\n",
		 (int)kids[1]);
	check(index_has(dir, VM_ALL_MAGIC "\n") && index_has(dir, line),
	      "prepare: the index names both, recording");
	if (ret)
		return -1;
	t = mono_ns();
	samples(0, t, 100);
	samples(1, t, 50);
	host_samples(0, t, 10);
	host_samples(1, t, 5);
	steal(0, t + 10 * MS, 60, (u32)kids[1], "CPU 0/KVM");
	steal(1, t + 100 * MS, 30, (u32)kids[0], "CPU 0/KVM");
	steal(1, t + 200 * MS, 10, (u32)getpid(), "test_vmall");
	turns(&va, 2);
	close(wfd[1]);		/* beta's VMM exits */
	wfd[1] = -1;
	turns(&va, 1);
	check(!va.parts[1]->active && va.parts[1]->state == PART_EXITED,
	      "beta's exit ends its part");
	snprintf(line, sizeof(line), "beta.data\t%d\t0\texited\tbeta\t\n",
		 (int)kids[1]);
	check(index_has(dir, line), "the index says beta exited");
	nscan = 3;		/* gamma starts */
	va.last_scan = 0;
	turns(&va, 1);
	check(va.n == 3 && exists(dir, "gamma.data"),
	      "a VM started during the recording gets its own file");
	check(index_has(dir, "gamma.data\t"), "the index names gamma");
	samples(2, mono_ns(), 20);
	usleep(300000);		/* the records lie inside the recording */
	turns(&va, 1);
	collector_stop = 1;
	check(vm_all_turn(&va, 0) == 1, "a stop ends the turns");
	ret = vm_all_finish(&va);
	check(ret == 0, "finish: every part ends cleanly");
	check(index_has(dir, "alpha.data\t") && !index_has(dir, "\trecording\t"),
	      "finish: no part is left recording in the index");
	collector_stop = 0;
	vm_all_free(&va);
	for (i = 0; i < NVMS; i++) {
		if (wfd[i] >= 0)
			close(wfd[i]);
		wfd[i] = -1;
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	return ret;
}

static void check_file(const char *dir, const char *file, u64 n, u32 reason)
{
	char *p = xasprintf("%s/%s", dir, file);
	struct analysis a;

	analysis_init(&a, NULL);
	ok(analysis_load(&a, p) == 0, "%s: an ordinary data file", file);
	ok(a.samples_total == n, "%s: its %llu samples (got %llu)", file,
	   (unsigned long long)n, (unsigned long long)a.samples_total);
	ok(a.have_end && a.end_reason == reason, "%s: end reason %u (got %u)",
	   file, reason, a.end_reason);
	analysis_free(&a);
	free(p);
}

static void test_report(const char *dir)
{
	const struct table *v, *m;
	struct doc d = { 0 };
	struct filter f = { .vcpu = -1, .pid = -1 };
	long r;

	ok(report_vms_dir(dir, &f, &d) == 0, "the vms view reads the directory");
	v = find_table(&d, "VMs and host functions");
	m = find_table(&d, "steal matrix");
	ok(v && m, "the vms view has the vms and steal_matrix tables");
	r = find_row2(v, 2, "vm", 3, "alpha");
	ok(r >= 0 && !strcmp(cellv(v, (size_t)r, 0), "100"),
	   "vms: alpha is one row of its 100 guest samples");
	r = find_row2(v, 2, "vm", 3, "beta");
	ok(r >= 0 && !strcmp(cellv(v, (size_t)r, 0), "50"),
	   "vms: beta is one row of its 50 guest samples");
	r = find_row2(v, 2, "vm", 3, "gamma");
	ok(r >= 0 && !strcmp(cellv(v, (size_t)r, 0), "20"),
	   "vms: gamma, started late, is one row of its 20");
	r = find_row2(v, 2, "host", 0, NULL);
	ok(r >= 0 && !strcmp(cellv(v, (size_t)r, 0), "15"),
	   "vms: a host function is one row of both VMs' samples (10 + 5)");
	ok(v && v->nrows == 4, "vms: 3 VMs and 1 host function (%zu rows)",
	   v ? v->nrows : 0);
	r = find_row2(m, 0, "alpha", 1, "beta");
	ok(r >= 0 && !strcmp(cellv(m, (size_t)r, 2), "vm") &&
	   !strcmp(cellv(m, (size_t)r, 3), "60.000") &&
	   !strcmp(cellv(m, (size_t)r, 6), "yes"),
	   "matrix: alpha lost 60 ms to beta, a recorded VM (pid:N mapped to its name)");
	r = find_row2(m, 0, "beta", 1, "alpha");
	ok(r >= 0 && !strcmp(cellv(m, (size_t)r, 3), "30.000"),
	   "matrix: beta lost 30 ms to alpha");
	r = find_row2(m, 0, "beta", 1, "task");
	ok(r >= 0 && !strcmp(cellv(m, (size_t)r, 2), "task") &&
	   !strcmp(cellv(m, (size_t)r, 3), "10.000") &&
	   !strcmp(cellv(m, (size_t)r, 6), "no"),
	   "matrix: beta lost 10 ms to a host task, its class the column");
	ok(find_row2(m, 0, "gamma", 1, "alpha") < 0 && m && m->nrows == 3,
	   "matrix: nothing else (gamma lost nothing)");
	ok(m && m->summary && strstr(m->summary, "victim") &&
	   strstr(m->summary, "gamma"), "matrix: the text grid has a row per VM");
	doc_free(&d);
}

/* start --vm all: one background process, status and stop --vm all. */
static void test_background(void)
{
	char rdir[] = "/tmp/vmprofctl-test-XXXXXX", reply[4096], *sub;
	const char *dir = "test_vmall_bg.vms";
	struct vm_all va = { .scan = fake_scan };
	struct record_opts o;
	int status = -1, i;
	pid_t pid;

	ok(mkdtemp(rdir) != NULL, "bg: runtime dir");
	setenv("XDG_RUNTIME_DIR", rdir, 1);
	nscan = 2;
	for (i = 0; i < NVMS; i++)
		kids[i] = vcpu_child();
	record_opts_init(&o);
	o.vm_spec = "all";
	o.all = true;
	o.output = dir;
	o.no_agent = true;
	ok(vm_all_prepare(&va, &o) == 0, "bg: prepare two VMs");
	pid = vm_all_background(&va);
	ok(pid > 0, "bg: one background collector for every VM");
	samples(0, mono_ns(), 30);
	samples(1, mono_ns(), 20);
	for (i = 0; i < 50; i++) {
		usleep(100000);
		if (!collector_request(0, "status\n", reply, sizeof(reply), false) &&
		    strstr(reply, " 30 records") && strstr(reply, " 20 records"))
			break;
	}
	ok(strstr(reply, "vm all: test_vmall_bg.vms, 2 VMs (2 recording)") &&
	   strstr(reply, "\n  vm alpha pid") && strstr(reply, "\n  vm beta pid"),
	   "bg: status --vm all: a line for the whole, one per VM");
	printf("# %s", reply);
	ok(!collector_request(0, "status-json\n", reply, sizeof(reply), false) &&
	   strstr(reply, "{\"vm\":\"alpha\",") &&
	   strstr(reply, "},{\"vm\":\"beta\",") &&
	   strstr(reply, "\"state\":\"recording\""),
	   "bg: status -j: one object per VM, with its state");
	ok(collector_request(0, "stop\n", reply, sizeof(reply), false) == 0 &&
	   strstr(reply, "stopped: vm all:") && strstr(reply, "50 records"),
	   "bg: stop --vm all drains every VM and reports 50 records");
	printf("# %s", reply);
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "bg: the collector exits 0");
	check_file(dir, "alpha.data", 30, DF_END_STOPPED);
	check_file(dir, "beta.data", 20, DF_END_STOPPED);
	ok(index_has(dir, "alpha.data\t") && !index_has(dir, "\trecording\t"),
	   "bg: the index says both stopped");
	ok(collector_request(0, "status\n", reply, sizeof(reply), true) != 0,
	   "bg: socket removed after stop");
	vm_all_free(&va);
	for (i = 0; i < NVMS; i++) {
		if (wfd[i] >= 0)
			close(wfd[i]);
		wfd[i] = -1;
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	sub = xasprintf("%s/vmprofctl", rdir);
	rmdir(sub);
	rmdir(rdir);
	free(sub);
}

static void test_usage(void)
{
	char *argv[] = { (char *)"record", (char *)"--vm", (char *)"all",
			 (char *)"--agent-port", (char *)"6000", NULL };
	char *argv2[] = { (char *)"record", (char *)"--vm", (char *)"all",
			  (char *)"-o", (char *)"x.vms", NULL };
	char *argv3[] = { (char *)"record", (char *)"--vm", (char *)"pid:1",
			  NULL };
	struct record_opts o;
	int fd = dup(2), null = open("/dev/null", O_WRONLY);

	dup2(null, 2);
	ok(parse_record_args("record", "", 5, argv, &o) == EXIT_USAGE,
	   "usage: --vm all --agent-port is refused (exit 2)");
	dup2(fd, 2);
	close(fd);
	close(null);
	ok(parse_record_args("record", "", 5, argv2, &o) == 0 && o.all &&
	   !strcmp(o.output, "x.vms"), "--vm all -o DIR parses");
	ok(parse_record_args("record", "", 3, argv3, &o) == 0 && !o.all &&
	   !strcmp(o.output, "vmprof.data"),
	   "--vm pid:1: a single-VM recording, a file as before");
}

int main(int argc, char **argv)
{
	const char *dir = "test_vmall.vms";

	if (argc == 3 && !strcmp(argv[1], "--record")) {
		tap = false;
		return record(argv[2]) ? 1 : 0;
	}
	record(dir);
	check_file(dir, "alpha.data", 110, DF_END_SIGNAL);
	check_file(dir, "beta.data", 55, DF_END_VM_EXITED);
	check_file(dir, "gamma.data", 20, DF_END_SIGNAL);
	test_report(dir);
	test_background();
	test_usage();
	return tap_done();
}
