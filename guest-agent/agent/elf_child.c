// SPDX-License-Identifier: GPL-2.0
/*
 * The ELF reader runs in a process of its own: any guest user can map a
 * file it crafted with PROT_EXEC, and libelf (with a history of CVEs on
 * malformed input) then parses it for an agent that holds capabilities
 * to read every process's memory.  The reader may only read the file it
 * is handed, write its result to the agent, allocate memory and exit
 * (seccomp).  A file that makes it crash, spin past AGENT_ELF_WALL_MS,
 * call anything else or say more than the caller allows costs the agent
 * that file, counted, and a new reader for the next one.
 *
 * One reader serves a session, one file at a time: the agent hands it
 * each file's descriptor over a socket.  A fork per file cost 3-6 ms on
 * a paravirtualized 2-CPU machine, 2 s for a snapshot of 235 files.  A
 * file that took the reader over could misname the later files of that
 * session, no more: it holds nothing but the socket, and the agent checks
 * every record it gets back.
 *
 * A kernel without CONFIG_SECCOMP_FILTER (the test bed's) gets the reader
 * apart but unconfined, said once.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "agent.h"

/* Wall clock per file; real files take milliseconds. */
#define AGENT_ELF_WALL_MS	10000
/*
 * The reader's descriptors: the socket to the agent, and the file being
 * read, which recvmsg() installs at the lowest free number.
 */
#define SOCK_FD		3
#define FILE_FD		0

static uint64_t elf_failed;
static int said_unconfined;
static pid_t reader_pid;
static int reader_sock = -1;

uint64_t elf_child_failures(void)
{
	return elf_failed;
}

#define ARG_LO(n)	(offsetof(struct seccomp_data, args[n]))
#define ALLOW		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
#define KILL		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)
#define LD_NR		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, \
				 offsetof(struct seccomp_data, nr))
#define LD_ARG(n)	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(n))
#define JEQ(k, t, f)	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (f))
/* Jump offsets count from the next instruction: IS(nr), ALLOW pairs. */
#define IS(nr)		JEQ(nr, 0, 1)

/*
 * read/pread64/lseek/fstat/close and fcntl(F_GETFD) only on the file,
 * recvmsg/write only on the socket, anonymous non-executable mmap
 * (malloc), and what exiting takes.  x86-64 only, as the module: other
 * ABIs are killed.
 */
static int confine(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		JEQ(AUDIT_ARCH_X86_64, 1, 0),
		KILL,
		LD_NR,
		/* the x32 ABI */
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
		KILL,
		IS(__NR_brk), ALLOW,
		IS(__NR_munmap), ALLOW,
		IS(__NR_mremap), ALLOW,
		IS(__NR_madvise), ALLOW,
		IS(__NR_exit_group), ALLOW,
		IS(__NR_exit), ALLOW,
		IS(__NR_rt_sigreturn), ALLOW,
		/* mmap: anonymous (fd -1) and not executable */
		JEQ(__NR_mmap, 0, 6),
		LD_ARG(4),
		JEQ(0xffffffff, 0, 3),
		LD_ARG(2),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, PROT_EXEC, 1, 0),
		ALLOW,
		KILL,
		/* fcntl: elf_begin() checks the file with F_GETFD */
		JEQ(__NR_fcntl, 0, 6),
		LD_ARG(0),
		JEQ(FILE_FD, 0, 3),
		LD_ARG(1),
		JEQ(F_GETFD, 0, 1),
		ALLOW,
		KILL,
		/* write, recvmsg: the socket only */
		JEQ(__NR_write, 1, 0),
		JEQ(__NR_recvmsg, 0, 4),
		LD_ARG(0),
		JEQ(SOCK_FD, 0, 1),
		ALLOW,
		KILL,
		/* read, pread64, lseek, fstat, newfstatat, close: the file only */
		JEQ(__NR_read, 5, 0),
		JEQ(__NR_pread64, 4, 0),
		JEQ(__NR_lseek, 3, 0),
		JEQ(__NR_fstat, 2, 0),
		JEQ(__NR_newfstatat, 1, 0),
		JEQ(__NR_close, 0, 3),
		LD_ARG(0),
		JEQ(FILE_FD, 0, 1),
		ALLOW,
		KILL,
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

static int write_all(int fd, const void *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p = (const uint8_t *)p + k;
		n -= (size_t)k;
	}
	return 0;
}

/* A frame: u32 length, then that many bytes; length 0 ends a reply. */
int elf_out_flush(struct elf_out *o)
{
	uint32_t n = (uint32_t)o->len;

	if (!n)
		return 0;
	o->len = 0;
	return write_all(o->fd, &n, sizeof(n)) || write_all(o->fd, o->buf, n);
}

int elf_out_put(struct elf_out *o, const void *p, size_t n)
{
	while (n) {
		size_t k = sizeof(o->buf) - o->len;

		if (!k) {
			if (elf_out_flush(o))
				return -1;
			k = sizeof(o->buf);
		}
		if (k > n)
			k = n;
		memcpy(o->buf + o->len, p, k);
		o->len += k;
		p = (const uint8_t *)p + k;
		n -= k;
	}
	return 0;
}

/* A reader that breaks, for tests/test_elf.c only: by the file's name. */
static void test_hook(const char *path)
{
#ifdef AGENT_TEST_ELF_HOOK
	volatile int *null = NULL;

	if (strstr(path, "crash-syscall"))
		syscall(SYS_getppid);
	if (strstr(path, "crash-segv"))
		*null = 1;
#else
	(void)path;
#endif
}

/* A job: u8 kind, the path (for messages and the test hook), the file. */
static int recv_job(uint8_t *kind, char *path, size_t size)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov[2] = { { kind, 1 }, { path, size - 1 } };
	struct msghdr mh = {
		.msg_iov = iov, .msg_iovlen = 2,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	ssize_t n;

	do
		n = recvmsg(SOCK_FD, &mh, 0);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;
	path[n - 1] = '\0';
	return 0;
}

static void reader(int sock)
{
	static struct elf_out o;
	char path[VP_PATH_MAX + 1];
	uint8_t kind, confined;
	uint32_t end = 0;
	int fd;

	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	/* Nothing open but the socket: the file it gets is then FILE_FD. */
	if (dup2(sock, SOCK_FD) < 0)
		_exit(1);
	for (fd = 0; fd < 1024; fd++)
		if (fd != SOCK_FD)
			close(fd);
	confined = !confine();
	o.fd = SOCK_FD;
	while (!recv_job(&kind, path, sizeof(path))) {
		test_hook(path);
		o.len = 0;
		if ((kind ? elf_job_symbols : elf_job_build_id)(FILE_FD, &o) ||
		    elf_out_flush(&o) || write_all(SOCK_FD, &end, sizeof(end)) ||
		    write_all(SOCK_FD, &confined, 1))
			_exit(1);
		close(FILE_FD);
	}
	/* The agent closed the socket: its session ended. */
	_exit(0);
}

static int reader_start(void)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -1;
	fflush(stderr);
	pid = fork();
	if (!pid) {
		close(sv[0]);
		reader(sv[1]);
	}
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return -1;
	}
	reader_pid = pid;
	reader_sock = sv[0];
	return 0;
}

/* The reader failed: it goes, its status for the message. */
static int reader_stop(void)
{
	int status = 0;

	kill(reader_pid, SIGKILL);
	while (waitpid(reader_pid, &status, 0) < 0 && errno == EINTR)
		;
	close(reader_sock);
	reader_sock = -1;
	reader_pid = 0;
	return status;
}

static int send_job(int fd, enum elf_job kind, const char *path)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	uint8_t k = (uint8_t)kind;
	struct iovec iov[2] = {
		{ &k, 1 }, { (void *)path, strnlen(path, VP_PATH_MAX) },
	};
	struct msghdr mh = {
		.msg_iov = iov, .msg_iovlen = 2,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	ssize_t n;

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	do
		n = sendmsg(reader_sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)(1 + iov[1].iov_len) ? 0 : -1;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* @n bytes from the reader before @end (CLOCK_MONOTONIC ns). */
static int read_full(void *p, size_t n, uint64_t end)
{
	while (n) {
		struct pollfd pfd = { .fd = reader_sock, .events = POLLIN };
		uint64_t now = mono_ns();
		ssize_t k;

		if (now >= end)
			return -1;
		if (poll(&pfd, 1, (int)((end - now) / 1000000 + 1)) <= 0)
			continue;
		k = read(reader_sock, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p = (uint8_t *)p + k;
		n -= (size_t)k;
	}
	return 0;
}

/* The reply's frames, at most @max bytes, then the confined flag. */
static int read_reply(size_t max, uint8_t **res, size_t *len,
		      uint8_t *confined)
{
	uint64_t end = mono_ns() + AGENT_ELF_WALL_MS * 1000000ull;
	uint32_t n;
	uint8_t *nr;

	for (;;) {
		if (read_full(&n, sizeof(n), end))
			return -1;
		if (!n)
			return read_full(confined, 1, end);
		if (n > max - *len)
			return -1;	/* more than a reader may say */
		nr = realloc(*res, *len + n);
		if (!nr)
			return -1;
		*res = nr;
		if (read_full(*res + *len, n, end))
			return -1;
		*len += n;
	}
}

int elf_child_run(int fd, const char *path, enum elf_job kind, size_t max,
		  uint8_t **res, size_t *len)
{
	uint8_t confined = 0;
	int status;

	*res = NULL;
	*len = 0;
	if (!reader_pid && reader_start())
		return -1;
	/* A reader gone since its last file (the OOM killer): not this one's. */
	if (send_job(fd, kind, path)) {
		reader_stop();
		if (reader_start() || send_job(fd, kind, path)) {
			if (reader_pid)
				reader_stop();
			return -1;
		}
	}
	if (!read_reply(max, res, len, &confined)) {
		if (!confined && !said_unconfined++)
			agent_log("no seccomp in this kernel: ELF files are read in a process apart, unconfined");
		return 0;
	}
	status = reader_stop();
	elf_failed++;
	/* Once always, then with -v: a guest user could fill a log. */
	if (elf_failed == 1 || agent_verbose)
		agent_log("%s: the ELF reader %s %d: file skipped", path,
			  WIFSIGNALED(status) ? "was killed by signal" :
			  "stopped, status", WIFSIGNALED(status) ?
			  WTERMSIG(status) : WEXITSTATUS(status));
	free(*res);
	*res = NULL;
	*len = 0;
	return -1;
}
