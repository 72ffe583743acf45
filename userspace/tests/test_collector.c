// SPDX-License-Identifier: GPL-2.0
/*
 * The collector loop without a kernel: a non-blocking pipe has the profile
 * fd's read semantics (whole writes, EAGAIN when empty, EOF when the last
 * writer is gone, as when the VMM exits).  Checks that a stop drains every
 * buffered record, that EOF ends the recording as "VM exited", that the
 * duration ends it, and the background collector's status/stop protocol.
 */
#include <fcntl.h>
#include <limits.h>
#include <linux/kvm.h>
#include <linux/vm_sockets.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../proto/agent_proto.h"
#include "cli.h"
#include "collector.h"
#include "test_common.h"

#define OUT "test_collector.data"
#define OUT2 "test_collector2.data"

static int fds[2];

static void feed(int n)
{
	struct kvm_profile_sample s;
	int i;

	memset(&s, 0, sizeof(s));
	s.hdr.type = KVM_PROFILE_RECORD_SAMPLE;
	s.hdr.size = sizeof(s);
	s.flags = KVM_PROFILE_S_IN_GUEST | KVM_PROFILE_S_GUEST_VALID;
	for (i = 0; i < n; i++) {
		s.hdr.time_ns = T0 + (u64)i * MS;
		if (write(fds[1], &s, sizeof(s)) != sizeof(s))
			perror("write");
	}
}

static void lost(u64 n)
{
	struct kvm_profile_lost l = { .hdr = { .type = KVM_PROFILE_RECORD_LOST,
					       .size = sizeof(l), .cpu = 1 },
				      .lost = n };

	if (write(fds[1], &l, sizeof(l)) != sizeof(l))
		perror("write");
}

static void fake_collector_to(struct collector *c, double duration, int vm_pid,
			      const char *out)
{
	memset(c, 0, sizeof(*c));
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC))
		perror("pipe2");
	c->prof_fd = fds[0];
	c->ctl_fd = c->input_fd = c->stop_client = -1;
	c->o.output = out;
	c->o.duration = duration;
	c->vm.pid = vm_pid;
	snprintf(c->vm.name, sizeof(c->vm.name), "fakevm");
	c->start_ns = mono_ns();
	agent_conns_init(&c->agent);
	df_writer_open(&c->w, out);
}

static void fake_collector(struct collector *c, double duration, int vm_pid)
{
	fake_collector_to(c, duration, vm_pid, OUT);
}

static void check_file(u64 samples, u32 reason, const char *what)
{
	struct analysis a;
	char name[128];

	analysis_init(&a, NULL);
	analysis_load(&a, OUT);
	snprintf(name, sizeof(name), "%s: %llu samples in the file", what,
		 (unsigned long long)samples);
	is_u64(a.samples_total, samples, name);
	snprintf(name, sizeof(name), "%s: end reason %u", what, reason);
	ok(a.have_end && a.end_reason == reason, "%s", name);
	analysis_free(&a);
}

static void test_stop_drains(void)
{
	struct collector c;

	fake_collector(&c, 0, 1);
	feed(300);
	lost(4);
	collector_stop = 1;	/* as if SIGINT arrived before the first poll */
	ok(collector_run(&c) == 0, "stop: collector_run succeeds");
	is_u64(c.records, 301, "stop: every buffered record drained");
	is_u64(c.lost, 4, "stop: LOST records summed");
	check_file(300, DF_END_SIGNAL, "stop");
	close(fds[1]);
	collector_stop = 0;
}

/* F10: Ctrl-C ends record with a complete file, then kills it with SIGINT. */
static void test_sigint_exit(void)
{
	struct collector c;
	int status = -1;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		collector_install_signals();
		fake_collector(&c, 0, 1);
		feed(100);
		raise(SIGINT);
		_exit(collector_exit_code(collector_run(&c)) + 10);
	}
	waitpid(pid, &status, 0);
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT,
	   "SIGINT: record dies of SIGINT after writing the file (shell: 130)");
	check_file(100, DF_END_SIGNAL, "SIGINT");
}

/* F11: the previous recording is kept as FILE.old, as perf does. */
static void test_backup_old(void)
{
	char buf[16];
	FILE *f = fopen(OUT, "w");

	if (f) {
		fputs("previous", f);
		fclose(f);
	}
	unlink(OUT ".old");
	ok(df_backup_old(OUT) == 0, "backup: an existing output file is renamed");
	ok(read_small_file(OUT ".old", buf, sizeof(buf)) == 8 &&
	   !strcmp(buf, "previous"), "backup: FILE.old holds the previous recording");
	ok(access(OUT, F_OK) != 0, "backup: FILE itself is gone, to be written anew");
	ok(df_backup_old("/dev/null") == 0 && access("/dev/null.old", F_OK) != 0,
	   "backup: a device is left alone");
	unlink(OUT ".old");
}

/* vmprofctl top's loop: turns that wake for its keyboard, then the end. */
static void test_turns(void)
{
	struct collector c;
	int keys[2];
	u64 t;

	fake_collector(&c, 0, 1);
	ok(!pipe(keys), "a pipe for the keyboard");
	c.input_fd = keys[0];
	feed(20);
	ok(collector_turn(&c, 0) == 0, "turn: no error");
	is_u64(c.records, 20, "turn: reads what is there");
	t = mono_ns();
	ok(write(keys[1], "q", 1) == 1 && collector_turn(&c, 5000) == 0 &&
	   mono_ns() - t < NSEC_PER_SEC, "turn: returns when a key comes");
	ok(collector_finish(&c, 0) == 0, "turns: collector_finish ends the file");
	check_file(20, DF_END_STOPPED, "turns");
	close(keys[0]);
	close(keys[1]);
	close(fds[1]);
}

static void test_eof(void)
{
	struct collector c;

	fake_collector(&c, 0, 1);
	feed(200);
	close(fds[1]);		/* the VMM is gone */
	ok(collector_run(&c) == 0, "EOF: collector_run succeeds");
	ok(c.vm_exited, "EOF: noticed the VM exit");
	check_file(200, DF_END_VM_EXITED, "EOF");
}

static void test_duration(void)
{
	struct collector c;
	u64 t = mono_ns();

	fake_collector(&c, 0.3, 1);
	feed(10);
	ok(collector_run(&c) == 0, "duration: collector_run succeeds");
	t = mono_ns() - t;
	/* No upper bound: a loaded machine may run it late, never early. */
	ok(t >= 300 * MS, "duration: stopped after 0.3 s or more (%llu ms)",
	   (unsigned long long)(t / MS));
	check_file(10, DF_END_DURATION, "duration");
	close(fds[1]);
}

/* F3: a full disk; the counts read from the kernel are not what was written. */
static void test_full_disk(void)
{
	struct collector c;
	char line[1024];
	int ret;

	fake_collector_to(&c, 0, 1, "/dev/full");
	feed(300);
	collector_stop = 1;
	ret = collector_run(&c);
	ok(ret != 0, "full disk: collector_run fails");
	collector_result(&c, ret, line, sizeof(line));
	printf("# %s\n", line);
	ok(!strncmp(line, "failed: cannot write /dev/full: No space left on device;", 56),
	   "full disk: the result says why");
	ok(strstr(line, "/dev/full holds 0 of the 300 records read (0 bytes)") != NULL,
	   "full disk: the result says the file holds none of the records");
	ok(!strstr(line, "recorded"), "full disk: not reported as recorded");
	close(fds[1]);
	collector_stop = 0;
}

/* Run a command function with stdout and stderr in out; its exit code. */
static int run_cmd(int (*fn)(int, char **), const char *a1, const char *a2,
		   char *out, size_t len)
{
	char *argv[] = { (char *)"cmd", (char *)a1, (char *)a2, NULL };
	int argc = a2 ? 3 : a1 ? 2 : 1, so, se, fd, ret;

	fflush(stdout);
	fflush(stderr);
	so = dup(1);
	se = dup(2);
	fd = open("test_collector.out", O_RDWR | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 1);
	dup2(fd, 2);
	ret = fn(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	close(fd);
	if (read_small_file("test_collector.out", out, len) < 0)
		out[0] = '\0';
	unlink("test_collector.out");
	return ret;
}

/* The runtime dir and the vmprofctl/ the collectors made in it. */
static void rm_runtime_dir(const char *dir)
{
	char sub[128];

	snprintf(sub, sizeof(sub), "%s/vmprofctl", dir);
	rmdir(sub);
	rmdir(dir);
}

static void test_background(void)
{
	char dir[] = "/tmp/vmprofctl-test-XXXXXX", reply[700], json[1024];
	char cwd[PATH_MAX + 32], path[PATH_MAX + 32] = "";
	struct collector c;
	int status = -1, i;
	pid_t pid;

	ok(mkdtemp(dir) != NULL, "runtime dir");
	setenv("XDG_RUNTIME_DIR", dir, 1);
	fake_collector(&c, 0, 424242);
	pid = collector_background(&c);
	ok(pid > 0, "background collector forked");
	feed(50);
	for (i = 0; i < 50; i++) {
		usleep(100000);
		if (!collector_request(424242, "status\n", reply, sizeof(reply), false) &&
		    strstr(reply, " 50 records"))
			break;
	}
	ok(strstr(reply, "vm fakevm pid 424242") && strstr(reply, " 50 records"),
	   "status reports the VM and 50 records");
	printf("# %s", reply);
	ok(run_cmd(cmd_status, "-j", NULL, json, sizeof(json)) == EXIT_OK &&
	   strstr(json, "[{\"vm\":\"fakevm\",\"vm_pid\":424242,\"file\":\"test_collector.data\",") &&
	   strstr(json, ",\"records\":50,\"lost\":0,") && strstr(json, "}]\n"),
	   "status -j: a JSON array of the collector's fields");
	printf("# %s", json);
	ok(getcwd(cwd, sizeof(cwd)) && collector_file(424242, path, sizeof(path)) == 1 &&
	   !strcmp(path, strcat(cwd, "/" OUT)),
	   "file: the data file, absolute, for vmprofctl top (%s)", path);
	ok(collector_file(424243, path, sizeof(path)) == 0,
	   "file: no collector for another VM");
	feed(25);
	ok(collector_request(424242, "stop\n", reply, sizeof(reply), false) == 0 &&
	   strstr(reply, "stopped:") && strstr(reply, "75 records"),
	   "stop drains and reports 75 records");
	printf("# %s", reply);
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "collector exits 0");
	check_file(75, DF_END_STOPPED, "background");
	ok(collector_request(424242, "status\n", reply, sizeof(reply), true) != 0,
	   "socket removed after stop");
	close(fds[1]);
	rm_runtime_dir(dir);
}

/*
 * Fork a background collector whose file may hold 4 KiB (RLIMIT_FSIZE):
 * the header and the start are written, the records are not (EFBIG, the
 * same path as ENOSPC on a full disk).  The records are written raw, as
 * VMPROFCTL_RAW_RECORDS=1 asks: 50 of these pack into less than 4 KiB.
 */
static pid_t background_small_file(struct collector *c, int vm_pid)
{
	struct rlimit old, small = { 4096, 4096 };
	pid_t pid;

	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	small.rlim_max = old.rlim_max;
	setrlimit(RLIMIT_FSIZE, &small);
	/* raw: 50 records are 4800 bytes; packed, they would fit in 4 KiB */
	setenv("VMPROFCTL_RAW_RECORDS", "1", 1);
	fake_collector_to(c, 0, vm_pid, OUT);
	unsetenv("VMPROFCTL_RAW_RECORDS");
	pid = collector_background(c);
	setrlimit(RLIMIT_FSIZE, &old);
	return pid;
}

/* F2: a background collector that cannot write does not vanish silently. */
static void test_background_fails(void)
{
	char dir[] = "/tmp/vmprofctl-test-XXXXXX", out[2048], fail[64];
	struct collector c;
	int status = -1;
	pid_t pid;

	ok(mkdtemp(dir) != NULL, "bg failure: runtime dir");
	setenv("XDG_RUNTIME_DIR", dir, 1);
	pid = background_small_file(&c, 424243);
	ok(pid > 0, "bg failure: collector forked, its file limited to 4 KiB");
	feed(50);
	/* its first flush fails; it exits by itself */
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 1, "bg failure: collector exits 1");
	ok(run_cmd(cmd_status, NULL, NULL, out, sizeof(out)) == EXIT_FAIL,
	   "bg failure: status exits 1");
	printf("# %s", out);
	ok(strstr(out, "424243") && strstr(out, "File too large") &&
	   !strstr(out, "no collectors running"),
	   "bg failure: status names the failed collector and the reason");
	snprintf(fail, sizeof(fail), "pid:%d", 424243);
	ok(run_cmd(cmd_status, "--vm", fail, out, sizeof(out)) == EXIT_FAIL &&
	   strstr(out, "File too large"),
	   "bg failure: status --vm exits 1 with the reason");
	ok(run_cmd(cmd_stop, "--vm", fail, out, sizeof(out)) == EXIT_FAIL &&
	   strstr(out, "File too large"),
	   "bg failure: stop --vm exits 1 with the reason");
	ok(run_cmd(cmd_status, NULL, NULL, out, sizeof(out)) == EXIT_OK &&
	   strstr(out, "no collectors running"),
	   "bg failure: after stop the failure is cleared");
	close(fds[1]);

	/* A stop before the first flush: the final drain fails. */
	pid = background_small_file(&c, 424244);
	feed(50);
	snprintf(fail, sizeof(fail), "pid:%d", 424244);
	ok(run_cmd(cmd_stop, "--vm", fail, out, sizeof(out)) == EXIT_FAIL &&
	   strstr(out, "File too large"),
	   "bg failure in the final drain: stop exits 1 with the reason");
	printf("# %s", out);
	waitpid(pid, &status, 0);
	close(fds[1]);
	rm_runtime_dir(dir);
}

static void check_agent(u64 chunks, u64 bytes, const char *what)
{
	struct analysis a;

	analysis_init(&a, NULL);
	analysis_load(&a, OUT);
	ok(a.st.agent_chunks == chunks && a.st.agent_bytes == bytes,
	   "%s: %llu agent chunks, %llu bytes (got %llu, %llu)", what,
	   (unsigned long long)chunks, (unsigned long long)bytes,
	   (unsigned long long)a.st.agent_chunks,
	   (unsigned long long)a.st.agent_bytes);
	analysis_free(&a);
}

static void test_agent_socketpair(void)
{
	struct collector c;
	int sp[2];

	fake_collector(&c, 0, 1);
	ok(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sp) == 0, "socketpair");
	agent_add_conn(&c.agent, sp[0]);
	ok(write(sp[1], "VPAG-not-really", 15) == 15, "agent writes 15 bytes");
	close(sp[1]);
	feed(5);
	collector_stop = 1;
	ok(collector_run(&c) == 0, "agent: collector_run succeeds");
	is_u64(c.agent.bytes, 15, "agent: 15 bytes received");
	is_u64(c.agent.n, 0, "agent: connection closed at EOF");
	check_agent(1, 15, "agent");
	close(fds[1]);
	collector_stop = 0;
}

/* A guest that sends more than the cap: kept up to it, then cut off. */
static void test_agent_cap(void)
{
	static char junk[1000];
	struct collector c;
	int sp[2];

	fake_collector(&c, 0, 1);
	c.agent.max_bytes = 100;
	ok(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sp) == 0, "socketpair");
	agent_add_conn(&c.agent, sp[0]);
	ok(write(sp[1], junk, sizeof(junk)) == (ssize_t)sizeof(junk),
	   "agent writes 1000 bytes");
	feed(5);
	collector_stop = 1;
	ok(collector_run(&c) == 0, "cap: collector_run succeeds");
	is_u64(c.agent.bytes, 100, "cap: 100 of 1000 bytes kept");
	is_u64(c.agent.n, 0, "cap: the connection is closed at the cap");
	check_agent(1, 100, "cap");
	close(sp[1]);
	close(fds[1]);
	collector_stop = 0;
}

/* Which vsock peers the collector takes. */
static void test_agent_cid(void)
{
	struct agent_conns ac;

	agent_conns_init(&ac);
	agent_conns_set_cid(&ac, 7);
	ok(agent_peer_ok(&ac, 7) && !agent_peer_ok(&ac, 8) && !agent_peer_ok(&ac, 1),
	   "cid: a VM with CID 7 takes only CID 7");
	agent_conns_set_cid(&ac, 0);
	ok(agent_peer_ok(&ac, 1) && !agent_peer_ok(&ac, 3),
	   "cid: a VM without a CID takes host-local peers, no other guest");
}

/*
 * The vsock CID past 8 KiB of a command line (libvirt's are that long) is
 * found: a process with a 9000-byte argument before the device.
 */
static void test_cmdline_cid(void)
{
	static char filler[9000];
	char *argv[] = { "sh", "-c", "read x", filler,
			 "vhost-vsock-pci,id=vsock0,guest-cid=7", NULL };
	struct vm_info vm;
	int in[2], tries;
	pid_t pid;

	memset(filler, 'x', sizeof(filler) - 1);
	if (pipe(in))
		perror("pipe");
	pid = fork();
	if (!pid) {
		dup2(in[0], 0);
		close(in[1]);	/* sh reads EOF once the test closes it */
		execv("/bin/sh", argv);
		_exit(127);
	}
	close(in[0]);
	memset(&vm, 0, sizeof(vm));
	/* Until the child has exec'ed sh: bounded by tries, not by time. */
	for (tries = 0; !vm.guest_cid && tries < 5000; tries++) {
		vm_scan_cmdline(pid, &vm);
		if (!vm.guest_cid)
			usleep(1000);
	}
	is_u64(vm.guest_cid, 7, "cmdline: guest-cid found past 8 KiB");
	close(in[1]);
	waitpid(pid, NULL, 0);
}

static void test_agent_vsock(void)
{
	struct sockaddr_vm sa = { .svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_LOCAL };
	struct collector c;
	int fd, i;

	fake_collector(&c, 0.5, 1);
	sa.svm_port = 40000 + (u32)getpid() % 20000;
	fd = socket(AF_VSOCK, SOCK_STREAM, 0);
	if (fd < 0 || agent_listen(&c.agent, sa.svm_port, AGENT_ANY_CID) ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		ok(1, "# skip vsock loopback unavailable here");
		if (fd >= 0)
			close(fd);
		agent_conns_close(&c.agent);
		collector_stop = 1;
		collector_run(&c);
		collector_stop = 0;
		close(fds[1]);
		return;
	}
	for (i = 0; i < 3; i++)
		ok(write(fd, "0123456789", 10) == 10, "vsock agent write %d", i);
	ok(collector_run(&c) == 0, "vsock: collector_run succeeds");
	is_u64(c.agent.bytes, 30, "vsock: 30 bytes received");
	close(fd);
	close(fds[1]);
}

/*
 * On a terminal, record shows elapsed time, records and MiB on one line,
 * rewritten in place a few times a second, and erases it at the end: the
 * result line then starts clean.  Off, it writes nothing.  stderr goes to
 * a file for the test: the collector is told it is a terminal.
 */
static void progress_run(bool on, char *out, size_t len)
{
	int saved = dup(STDERR_FILENO), fd;
	struct collector c;
	ssize_t n;

	fflush(stderr);
	fd = open("test_collector.err", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	dup2(fd, STDERR_FILENO);
	fake_collector(&c, 1.1, 1);
	c.progress = on;
	feed(50);
	collector_run(&c);
	close(fds[1]);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, out, len - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink("test_collector.err");
}

static void test_progress(void)
{
	const char *line = "\r\033[Krecording fakevm: ", *p;
	char out[4096];
	int shown = 0;

	progress_run(true, out, sizeof(out));
	for (p = out; (p = strstr(p, line)); p++)
		shown++;
	/* 1.1 s at most every 0.25 s: 5 lines, 6 if the first is early */
	ok(shown >= 2 && shown <= 6,
	   "progress: the line is rewritten a few times a second (%d times in 1.1 s)",
	   shown);
	ok(strstr(out, " records, 0 lost, ") && strstr(out, " MiB"),
	   "progress: elapsed time, records and MiB");
	ok(!strchr(out, '\n'), "progress: one line, rewritten in place ('\\r')");
	p = strrchr(out, '\r');
	ok(p && !strcmp(p, "\r\033[K"), "progress: erased at the end");
	progress_run(false, out, sizeof(out));
	ok(!*out, "progress: off, nothing on stderr (%zu bytes)", strlen(out));
}

/* Read the OFFER a new agent connection starts with, from its far end. */
static bool got_offer(int fd)
{
	u8 buf[VP_HDR_SIZE + VP_OFFER_MAX_PAYLOAD];
	struct vp_offer o;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, 1000) != 1)
		return false;
	n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	return n > 0 && vp_offer_decode(buf, (size_t)n, &o) == n &&
	       o.min_version == VP_VERSION_MIN && o.max_version == VP_VERSION;
}

static void test_agent_offer(void)
{
	struct agent_conns ac;
	int sp[2];

	agent_conns_init(&ac);
	socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp);
	agent_add_conn(&ac, sp[0]);
	ok(got_offer(sp[1]),
	   "offer: a new agent connection first gets the host's OFFER of versions 1..2");
	agent_conns_close(&ac);
	close(sp[1]);
}

/* Poll and service @ac for @ms, as collector_run()'s loop does. */
static void pump(struct agent_conns *ac, struct df_writer *w, int ms)
{
	u64 end = mono_ns() + (u64)ms * 1000000;
	struct pollfd p[AGENT_MAX_POLLFDS];

	while (mono_ns() < end) {
		int n = agent_pollfds(ac, p);

		if (poll(p, (nfds_t)n, 20) > 0)
			agent_service(ac, p, w);
	}
}

static int accept_within(int lfd, int ms)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };

	if (poll(&p, 1, ms) != 1)
		return -1;
	return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
}

/*
 * Two recordings of one guest, each connecting to the agent (a unix
 * socket here, the VM's vsock CID in the product): each gets its own
 * connection and OFFER, and stores only what its connection carried.
 * When the agent ends a connection, its recording connects again.
 */
static void test_agent_dial(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct collector c1, c2;
	int lfd, a1, a2, a3;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "test_collector.%d.sock",
		 (int)getpid());
	unlink(sa.sun_path);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 4))
		perror("listen");
	fake_collector_to(&c1, 1, 1, OUT);
	close(fds[1]);
	close(c1.prof_fd);
	fake_collector_to(&c2, 1, 1, OUT2);
	close(fds[1]);
	close(c2.prof_fd);
	agent_dial(&c1.agent, (struct sockaddr *)&sa, sizeof(sa));
	agent_dial(&c2.agent, (struct sockaddr *)&sa, sizeof(sa));
	pump(&c1.agent, &c1.w, 50);
	a1 = accept_within(lfd, 1000);
	pump(&c2.agent, &c2.w, 50);
	a2 = accept_within(lfd, 1000);
	ok(a1 >= 0 && a2 >= 0, "dial: both recordings connected to the agent");
	ok(got_offer(a1) && got_offer(a2), "dial: each connection got its OFFER");
	ok(write(a1, "recording1", 10) == 10 && write(a2, "rec2abc", 7) == 7,
	   "dial: the agent sends each its own stream");
	pump(&c1.agent, &c1.w, 100);
	pump(&c2.agent, &c2.w, 100);
	ok(c1.agent.bytes == 10 && c2.agent.bytes == 7,
	   "dial: each recording stored only its own stream (%llu, %llu bytes)",
	   (unsigned long long)c1.agent.bytes,
	   (unsigned long long)c2.agent.bytes);
	close(a1);
	pump(&c1.agent, &c1.w, 100);
	is_u64(c1.agent.n, 0, "dial: a closed session is dropped");
	pump(&c1.agent, &c1.w, 1100);
	a3 = accept_within(lfd, 1000);
	ok(a3 >= 0 && got_offer(a3),
	   "dial: the recording connects again a second later, with an OFFER");
	pump(&c2.agent, &c2.w, 50);
	is_u64(c2.agent.n, 1, "dial: the other recording keeps its one connection");
	agent_conns_close(&c1.agent);
	agent_conns_close(&c2.agent);
	df_writer_close(&c1.w, NULL);
	df_writer_close(&c2.w, NULL);
	close(a2);
	if (a3 >= 0)
		close(a3);
	close(lfd);
	unlink(sa.sun_path);
	unlink(OUT2);
}

/*
 * A vCPU's binary stats fd as KVM_GET_STATS_FD's format has it (api.rst):
 * header, id, descriptors, data; in a memfd, which pread() reads alike.
 */
#define KS_NAME 48
#define KS_NDESC 3
struct ks_blob {
	struct kvm_stats_header h;
	char id[KS_NAME];
	struct {
		struct kvm_stats_desc d;
		char name[KS_NAME];
	} desc[KS_NDESC];
	u64 data[4];
};

static void ks_blob(struct ks_blob *b)
{
	static const char *const names[KS_NDESC] = {
		"halt_successful_poll", "halt_wait_ns", "blocking",
	};
	int i;

	memset(b, 0, sizeof(*b));
	b->h = (struct kvm_stats_header){
		.name_size = KS_NAME, .num_desc = KS_NDESC,
		.id_offset = offsetof(struct ks_blob, id),
		.desc_offset = offsetof(struct ks_blob, desc),
		.data_offset = offsetof(struct ks_blob, data),
	};
	snprintf(b->id, sizeof(b->id), "kvm-4242/vcpu-2");
	for (i = 0; i < KS_NDESC; i++) {
		b->desc[i].d.size = 1;
		b->desc[i].d.offset = (u32)i * 8;
		snprintf(b->desc[i].name, KS_NAME, "%s", names[i]);
	}
	b->desc[1].d.flags = KVM_STATS_TYPE_CUMULATIVE | KVM_STATS_UNIT_SECONDS |
			     KVM_STATS_BASE_POW10;
	b->desc[1].d.exponent = -9;
	b->data[1] = 123456789;
}

/* The value the parser reads from @b, cut to @len bytes; -1 refused. */
static long long ks_read(const struct ks_blob *b, size_t len, u32 vcpu,
			 const char **why)
{
	int fd = memfd_create("kvm-vcpu-stats", MFD_CLOEXEC);
	long long ret = -1;
	u64 v;

	if (fd < 0 || write(fd, b, len) != (ssize_t)len)
		perror("memfd");
	if (!kvm_stats_fd_value(fd, "halt_wait_ns", vcpu, &v, why))
		ret = (long long)v;
	close(fd);
	return ret;
}

static void test_kvm_stats_fd(void)
{
	const char *why = "";
	struct ks_blob b;

	ks_blob(&b);
	ok(ks_read(&b, sizeof(b), 2, &why) == 123456789,
	   "stats fd: halt_wait_ns found by name, read at data_offset + offset");
	ok(ks_read(&b, sizeof(b), 3, &why) < 0 && strstr(why, "another vCPU"),
	   "stats fd: an id of another vCPU is refused (%s)", why);
	ok(ks_read(&b, sizeof(b) - 20, 2, &why) < 0 && strstr(why, "past the end"),
	   "stats fd: a value past the fd's end is refused (%s)", why);
	ks_blob(&b);
	b.desc[1].d.offset = 0xfffffff0U;
	ok(ks_read(&b, sizeof(b), 2, &why) < 0 && strstr(why, "past the end"),
	   "stats fd: an offset far past the fd is refused (%s)", why);
	ks_blob(&b);
	b.h.name_size = 1U << 20;
	ok(ks_read(&b, sizeof(b), 2, &why) < 0 && strstr(why, "out of bounds"),
	   "stats fd: a name size past 256 is refused (%s)", why);
	ks_blob(&b);
	b.h.num_desc = 100;
	ok(ks_read(&b, sizeof(b), 2, &why) < 0 && strstr(why, "run past"),
	   "stats fd: descriptors past the fd are refused (%s)", why);
	ks_blob(&b);
	memset(b.desc[1].name, 'x', KS_NAME);
	ok(ks_read(&b, sizeof(b), 2, &why) < 0 && strstr(why, "no halt_wait_ns"),
	   "stats fd: a name without its NUL matches nothing (%s)", why);
	ks_blob(&b);
	b.desc[1].d.exponent = -6;
	ok(ks_read(&b, sizeof(b), 2, &why) < 0 && strstr(why, "nanoseconds"),
	   "stats fd: halt_wait_ns in other units is refused (%s)", why);
	ks_blob(&b);
	ok(ks_read(&b, 10, 2, &why) < 0 && strstr(why, "header"),
	   "stats fd: a short header is refused (%s)", why);
}

/* Without a stats fd of the VMM's: KVM's debugfs, the VM's value. */
static void test_kvm_stats_debugfs(void)
{
	struct vm_info vm = { .pid = getpid(), .vm_fd = 7 };
	char root[] = "/tmp/test_kvm_stats.XXXXXX", path[256];
	struct df_chunk c = { 0 };
	struct df_kvm_stat e;
	struct df_writer w;
	struct df_reader r;
	struct kvm_stats k;
	int got = 0;
	FILE *f;

	if (!mkdtemp(root))
		perror("mkdtemp");
	snprintf(path, sizeof(path), "mkdir -p %s/sys/kernel/debug/kvm/%d-7",
		 root, (int)vm.pid);
	ok(system(path) == 0, "a fake debugfs");
	snprintf(path, sizeof(path), "%s/sys/kernel/debug/kvm/%d-7/halt_wait_ns",
		 root, (int)vm.pid);
	f = fopen(path, "w");
	fputs("987654321\n", f);
	fclose(f);
	df_writer_open(&w, OUT);
	kvm_stats_init(&k, root, &vm);
	ok(!kvm_stats_tick(&k, &w, T0), "debugfs: read");
	kvm_stats_free(&k);
	df_writer_close(&w, NULL);
	df_reader_open(&r, OUT);
	while (df_next_chunk(&r, &c) > 0)
		if (c.type == DF_CHUNK_KVM_STAT && c.length == sizeof(e)) {
			memcpy(&e, c.data, sizeof(e));
			got = e.vcpu_id == DF_KVM_STAT_VM && e.value == 987654321 &&
			      e.time_ns == T0 && e.stat == DF_KVM_STAT_HALT_WAIT_NS;
		}
	df_reader_close(&r);
	ok(got, "debugfs: one KVM_STAT entry, the VM's 987654321 ns at the read's time");
	snprintf(path, sizeof(path), "rm -rf %s", root);
	ok(system(path) == 0, "fake debugfs removed");

	/* nothing to read: warned once, no chunk, no failure */
	df_writer_open(&w, OUT);
	kvm_stats_init(&k, root, &vm);
	ok(!kvm_stats_tick(&k, &w, T0) && !kvm_stats_tick(&k, &w, T0 + MS) &&
	   k.warned && w.bytes == sizeof(struct df_file_header),
	   "no source: not an error, warned, nothing written");
	kvm_stats_free(&k);
	df_writer_close(&w, NULL);
}

/*
 * The start follows the profile's open, and the context-switch events are
 * open before it: what the recorder opened between the two (once 2.3 s in
 * a busy emulated host) fell before the start, outside the window.
 */
static u64 opened_ns;
static bool switches_first;

static int slow_open(struct collector *c, const struct kvm_profile_config *cfg)
{
	(void)cfg;
	switches_first = c->switches.on || c->switches.err;
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC))
		return -1;
	c->prof_fd = fds[0];
	usleep(20000);
	opened_ns = mono_ns();
	return 0;
}

static void test_start_after_open(void)
{
	int (*open_profile)(struct collector *, const struct kvm_profile_config *) =
		collector_open_profile;
	struct vm_info vm = { .pid = getpid(), .libvirt_id = -1 };
	struct record_opts o;
	struct collector c;
	struct analysis a;
	bool quiet = pr_warn_quiet;

	snprintf(vm.name, sizeof(vm.name), "startvm");
	vm.vcpus = xcalloc(1, sizeof(*vm.vcpus));
	vm.vcpus[0].tid = (u32)getpid();
	vm.nvcpus = 1;
	record_opts_init(&o);
	o.output = OUT;
	o.no_agent = true;
	collector_open_profile = slow_open;
	pr_warn_quiet = true;
	ok(collector_prepare_vm(&c, &o, &vm) == 0, "start: the collector prepares");
	pr_warn_quiet = quiet;
	collector_open_profile = open_profile;
	ok(switches_first, "start: the context-switch events are opened before the profile");
	close(fds[1]);
	collector_finish(&c, 0);
	vm_info_free(&c.vm);
	analysis_init(&a, NULL);
	ok(analysis_load(&a, OUT) == 0, "start: the file loads");
	ok(a.have_start && a.start_ns >= opened_ns,
	   "start: START_NS is taken after the profile opened (%llu ns after)",
	   (unsigned long long)(a.start_ns - opened_ns));
	analysis_free(&a);
}

int main(void)
{
	test_start_after_open();
	test_stop_drains();
	test_sigint_exit();
	test_backup_old();
	test_eof();
	test_turns();
	test_duration();
	test_progress();
	test_full_disk();
	test_background();
	test_background_fails();
	test_agent_socketpair();
	test_agent_vsock();
	test_agent_cap();
	test_agent_cid();
	test_agent_offer();
	test_agent_dial();
	test_cmdline_cid();
	test_kvm_stats_fd();
	test_kvm_stats_debugfs();
	unlink(OUT);
	return tap_done();
}
