// SPDX-License-Identifier: GPL-2.0
/*
 * The collector loop without a kernel: a non-blocking pipe has the profile
 * fd's read semantics (whole writes, EAGAIN when empty, EOF when the last
 * writer is gone, as when the VMM exits).  Checks that a stop drains every
 * buffered record, that EOF ends the recording as "VM exited", that the
 * duration ends it, and the background collector's status/stop protocol.
 */
#include <fcntl.h>
#include <linux/vm_sockets.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collector.h"
#include "test_common.h"

#define OUT "test_collector.data"

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

static void fake_collector(struct collector *c, double duration, int vm_pid)
{
	memset(c, 0, sizeof(*c));
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC))
		perror("pipe2");
	c->prof_fd = fds[0];
	c->ctl_fd = c->stop_client = -1;
	c->o.output = OUT;
	c->o.duration = duration;
	c->vm.pid = vm_pid;
	snprintf(c->vm.name, sizeof(c->vm.name), "fakevm");
	c->start_ns = mono_ns();
	agent_conns_init(&c->agent);
	df_writer_open(&c->w, OUT);
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
	ok(t >= 300 * MS && t < 2000 * MS, "duration: stopped after 0.3 s (%llu ms)",
	   (unsigned long long)(t / MS));
	check_file(10, DF_END_DURATION, "duration");
	close(fds[1]);
}

static void test_background(void)
{
	char dir[] = "/tmp/vmprofctl-test-XXXXXX", reply[700];
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
	rmdir(dir);
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

int main(void)
{
	test_stop_drains();
	test_eof();
	test_duration();
	test_background();
	test_agent_socketpair();
	test_agent_vsock();
	test_agent_cap();
	test_agent_cid();
	test_cmdline_cid();
	unlink(OUT);
	return tap_done();
}
