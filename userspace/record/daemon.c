// SPDX-License-Identifier: GPL-2.0
/*
 * Background collectors: "start" forks one per VM with a pid file and a
 * unix control socket in the runtime directory; "status" and "stop" talk
 * to it.  Protocol: one line "status\n", "status-json\n", "file\n" or
 * "stop\n", one line back ("file": the data file's absolute path, which
 * vmprofctl top follows).
 * A collector that fails leaves vm-PID.failed with the reason (its stderr
 * is /dev/null): "status" reports it until "stop" has.  The commands are
 * cmd_start.c, cmd_stop.c and cmd_status.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "collector.h"
#include "vm_all.h"

#define STOP_TIMEOUT_MS 30000



static void run_dir(char *buf, size_t len)
{
	const char *x = getenv("XDG_RUNTIME_DIR");

	if (x && *x)
		snprintf(buf, len, "%s/vmprofctl", x);
	else
		snprintf(buf, len, "/run/vmprofctl");
}

static void sock_path(char *buf, size_t len, int pid, const char *ext)
{
	char dir[200];

	run_dir(dir, sizeof(dir));
	snprintf(buf, len, "%.80s/vm-%d.%.6s", dir, pid, ext);
}

static int listen_ctl(int pid)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[200];
	int fd;

	run_dir(dir, sizeof(dir));
	if (mkdir(dir, 0700) && errno != EEXIST) {
		pr_err("cannot create %s: %s; set XDG_RUNTIME_DIR to a writable directory",
		       dir, strerror(errno));
		return -1;
	}
	sock_path(sa.sun_path, sizeof(sa.sun_path), pid, "sock");
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		if (pid)
			pr_err("a collector is already running for VM pid %d; see 'vmprofctl status'",
			       pid);
		else
			pr_err("a collector of every VM (--vm all) is already running; see 'vmprofctl status'");
		close(fd);
		return -1;
	}
	unlink(sa.sun_path);
	sock_path(dir, sizeof(dir), pid, "failed");
	unlink(dir);		/* a new collector: the old failure was seen */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 4)) {
		pr_err("cannot listen on %s: %s", sa.sun_path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* The status as one JSON object, for "status --json". */
static char *status_json(const struct collector *c)
{
	u64 el = mono_ns() - c->start_ns;
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return NULL;
	fputs("{\"vm\":", f);
	json_str(f, c->vm.name);
	fprintf(f, ",\"vm_pid\":%d,\"file\":", (int)c->vm.pid);
	json_str(f, c->o.output);
	fprintf(f, ",\"duration_ms\":%llu,\"records\":%llu,\"lost\":%llu,\"bytes\":%llu,\"agent_bytes\":%llu}\n",
		(unsigned long long)(el / NSEC_PER_MSEC),
		(unsigned long long)c->records, (unsigned long long)c->lost,
		(unsigned long long)c->bytes, (unsigned long long)c->agent.bytes);
	fclose(f);
	return s;
}

/*
 * "file": the path the collector writes, absolute, for a reader in
 * another directory (the collector keeps the cwd of 'start').
 */
static void reply_file(const struct collector *c, int fd)
{
	char *abs = realpath(c->o.output, NULL);
	char *line = xasprintf("file %s\n", abs ? abs : c->o.output);

	if (send(fd, line, strlen(line), MSG_NOSIGNAL) < 0)
		pr_warn("file reply failed");
	free(line);
	free(abs);
}

/*
 * Take one command from a control socket.  "stop" is handled here: the
 * client is kept, to be told when the collector has finished.  Returns
 * the client to answer, or -1 when there is none to answer now.
 */
static int control_accept(int ctl_fd, int *stop_client, char *cmd,
			  size_t len)
{
	ssize_t n;
	int fd;

	fd = accept4(ctl_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return -1;
	n = recv(fd, cmd, len - 1, 0);
	cmd[n > 0 ? n : 0] = '\0';
	if (!strncmp(cmd, "stop", 4)) {
		collector_stop = 1;
		if (*stop_client >= 0)
			close(*stop_client);
		*stop_client = fd;
		return -1;
	}
	return fd;
}

void collector_control(struct collector *c)
{
	char cmd[64], line[600], *js;
	int fd;

	fd = control_accept(c->ctl_fd, &c->stop_client, cmd, sizeof(cmd));
	if (fd < 0)
		return;
	if (!strncmp(cmd, "file", 4)) {
		reply_file(c, fd);
		close(fd);
		return;
	}
	if (!strncmp(cmd, "status-json", 11) && (js = status_json(c))) {
		if (send(fd, js, strlen(js), MSG_NOSIGNAL) < 0)
			pr_warn("status reply failed");
		free(js);
		close(fd);
		return;
	}
	collector_status(c, line, sizeof(line));
	strcat(line, "\n");
	if (send(fd, line, strlen(line), MSG_NOSIGNAL) < 0)
		pr_warn("status reply failed");
	close(fd);
}

static void write_failed_file(int vm_pid, const char *line)
{
	char path[256];
	FILE *f;

	sock_path(path, sizeof(path), vm_pid, "failed");
	f = fopen(path, "we");
	if (f) {
		fprintf(f, "%s\n", line);
		fclose(f);
	}
}

/*
 * The failure a dead collector left for vm_pid, printed on stderr; stop
 * removes it.  Returns 1 if there was one, else 0.
 */
static int report_failed(int vm_pid, bool remove)
{
	char path[256], line[1024];

	sock_path(path, sizeof(path), vm_pid, "failed");
	if (read_small_file(path, line, sizeof(line)) <= 0)
		return 0;
	if (vm_pid)
		fprintf(stderr, "vmprofctl: collector for VM pid %d %s", vm_pid,
			line);
	else
		fprintf(stderr, "vmprofctl: collector of --vm all %s", line);
	if (remove)
		unlink(path);
	return 1;
}

static void daemon_child(struct collector *c)
{
	char line[1024], path[256];
	int fd = open("/dev/null", O_RDWR);
	int ret;

	setsid();
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	switch_rec_remap(&c->switches);
	ret = collector_run(c);
	if (ret) {
		collector_result(c, ret, line, sizeof(line));
		write_failed_file((int)c->vm.pid, line);
	} else {
		strcpy(line, "stopped: ");
		collector_status(c, line + 9, sizeof(line) - 9);
	}
	if (c->stop_client >= 0) {
		dprintf(c->stop_client, "%s\n", line);
		close(c->stop_client);
	}
	sock_path(path, sizeof(path), (int)c->vm.pid, "sock");
	unlink(path);
	sock_path(path, sizeof(path), (int)c->vm.pid, "pid");
	unlink(path);
	_exit(ret ? EXIT_FAIL : EXIT_OK);
}

static int write_pid_file(int vm_pid, pid_t pid)
{
	char path[256];
	FILE *f;

	sock_path(path, sizeof(path), vm_pid, "pid");
	f = fopen(path, "we");
	if (!f)
		return -1;
	fprintf(f, "%d\n", (int)pid);
	return fclose(f);
}

/*
 * fork() for a background collector, stdio flushed first so that the
 * child does not write the parent's buffers again; the child gets the
 * collector's signal handlers.  0 in the child, -1 (printed) on failure.
 */
static pid_t fork_collector(void)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		pr_err("fork failed: %s", strerror(errno));
	else if (pid == 0)
		collector_install_signals();
	return pid;
}

pid_t collector_background(struct collector *c)
{
	pid_t pid;

	c->ctl_fd = listen_ctl((int)c->vm.pid);
	if (c->ctl_fd < 0 || fflush(c->w.f)) {
		close(c->prof_fd);
		df_writer_close(&c->w, NULL);
		return -1;
	}
	pid = fork_collector();
	if (pid < 0)
		return -1;
	if (pid == 0)
		daemon_child(c);
	close(c->ctl_fd);
	close(c->prof_fd);
	fclose(c->w.f);	/* flushed before fork: writes nothing */
	c->w.f = NULL;
	buf_free(&c->w.records);
	write_pid_file((int)c->vm.pid, pid);
	return pid;
}

int collector_request(int vm_pid, const char *cmd, char *reply, size_t len,
		      bool quiet_missing)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct pollfd pfd;
	ssize_t n;
	int fd;

	sock_path(sa.sun_path, sizeof(sa.sun_path), vm_pid, "sock");
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		if (!quiet_missing)
			pr_err("no collector is running for VM pid %d; start one with 'vmprofctl start'",
			       vm_pid);
		close(fd);
		if (errno == ECONNREFUSED) {
			unlink(sa.sun_path);
			sock_path(sa.sun_path, sizeof(sa.sun_path), vm_pid, "pid");
			unlink(sa.sun_path);
		}
		return -1;
	}
	if (send(fd, cmd, strlen(cmd), MSG_NOSIGNAL) < 0) {
		close(fd);
		return -1;
	}
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&pfd, 1, STOP_TIMEOUT_MS) <= 0) {
		pr_err("collector for VM pid %d did not answer in %d s", vm_pid,
		       STOP_TIMEOUT_MS / 1000);
		close(fd);
		return -1;
	}
	n = recv(fd, reply, len - 1, MSG_WAITALL);
	close(fd);
	reply[n > 0 ? n : 0] = '\0';
	return n > 0 ? 0 : -1;
}

int collector_file(int vm_pid, char *path, size_t len)
{
	char reply[PATH_MAX + 8];
	size_t n;

	if (collector_request(vm_pid, "file\n", reply, sizeof(reply), true))
		return 0;
	n = strlen(reply);
	if (strncmp(reply, "file ", 5) || n < 7 || reply[n - 1] != '\n' ||
	    n - 6 >= len) {
		pr_err("the collector of VM pid %d did not name its data file (an older vmprofctl?); pass the file 'vmprofctl status' shows with -i",
		       vm_pid);
		return -1;
	}
	reply[n - 1] = '\0';
	memcpy(path, reply + 5, n - 5);
	return 1;
}

/*
 * Send cmd to the collector of vm_pid; print its reply.  0 ok, -1 error:
 * no collector, or it failed (its reply or its vm-PID.failed says why).
 */
static int ctl_request(int vm_pid, const char *cmd, bool quiet_missing,
		       int *shown)
{
	bool stop = !strcmp(cmd, "stop\n");
	char reply[16384];
	int ret;

	if (report_failed(vm_pid, stop))
		return -1;
	ret = collector_request(vm_pid, cmd, reply, sizeof(reply), quiet_missing);
	if (ret)
		return ret;
	if (!strncmp(reply, "failed:", 7)) {
		if (vm_pid)
			fprintf(stderr, "vmprofctl: collector for VM pid %d %s",
				vm_pid, reply);
		else
			fprintf(stderr, "vmprofctl: collector of --vm all %s", reply);
		if (stop) {	/* written before the reply, and now reported */
			sock_path(reply, sizeof(reply), vm_pid, "failed");
			unlink(reply);
		}
		return -1;
	}
	if (!strcmp(cmd, "status-json\n")) {
		reply[strcspn(reply, "\n")] = '\0';	/* one array element */
		fputs(*shown ? "," : "", stdout);
	}
	fputs(reply, stdout);
	++*shown;
	return 0;
}

static int request_all_collectors(const char *cmd, int *n)
{
	char dir[200];
	struct dirent *de;
	int fails = 0, pid, end;
	DIR *d;

	run_dir(dir, sizeof(dir));
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		/* vm-PID.sock only: sscanf alone also matches vm-PID.pid */
		end = 0;
		if (sscanf(de->d_name, "vm-%d.failed%n", &pid, &end) == 1 && end &&
		    !de->d_name[end]) {
			fails += report_failed(pid, !strcmp(cmd, "stop\n"));
			continue;
		}
		end = 0;
		if (sscanf(de->d_name, "vm-%d.sock%n", &pid, &end) != 1 || !end ||
		    de->d_name[end])
			continue;
		if (ctl_request(pid, cmd, true, n))
			fails++;
	}
	if (d)
		closedir(d);
	if (!*n && !fails && strcmp(cmd, "status-json\n"))
		printf("no collectors running\n");
	return fails ? EXIT_FAIL : EXIT_OK;
}

int collector_command(int vm_pid, const char *cmd)
{
	bool json = !strcmp(cmd, "status-json\n");
	int ret, shown = 0;

	if (json)
		fputc('[', stdout);
	if (vm_pid < 0)
		ret = request_all_collectors(cmd, &shown);
	else
		ret = ctl_request(vm_pid, cmd, false, &shown) ? EXIT_FAIL : EXIT_OK;
	if (json)
		fputs("]\n", stdout);
	return ret;
}

/*
 * --vm all: one background process for every VM, its socket and pid file
 * those of "VM pid 0" (vm-0.sock), which 'stop --vm all' names.  Its
 * replies: a status line for the whole and one per VM; status-json one
 * object per VM, joined by commas (an array's elements).
 */
void vm_all_control(struct vm_all *va)
{
	char cmd[64], line[600], *js, *abs;
	struct buf b = { 0 };
	size_t i;
	int fd;

	fd = control_accept(va->ctl_fd, &va->stop_client, cmd, sizeof(cmd));
	if (fd < 0)
		return;
	if (!strncmp(cmd, "file", 4)) {
		abs = realpath(va->o.output, NULL);
		js = xasprintf("file %s\n", abs ? abs : va->o.output);
		buf_append(&b, js, strlen(js));
		free(js);
		free(abs);
	} else if (!strncmp(cmd, "status-json", 11)) {
		js = vm_all_status_json(va);
		if (js)
			buf_append(&b, js, strlen(js));
		free(js);
	} else {
		vm_all_status(va, line, sizeof(line));
		buf_append(&b, line, strlen(line));
		for (i = 0; i < va->n; i++) {
			buf_append(&b, "\n  ", 3);
			collector_status(&va->parts[i]->c, line, sizeof(line));
			buf_append(&b, line, strlen(line));
		}
		buf_append(&b, "\n", 1);
	}
	if (b.len && send(fd, b.data, b.len, MSG_NOSIGNAL) < 0)
		pr_warn("status reply failed");
	buf_free(&b);
	close(fd);
}

static void vm_all_child(struct vm_all *va)
{
	char line[1024], path[256];
	size_t i;
	int fd = open("/dev/null", O_RDWR);
	int ret;

	setsid();
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	for (i = 0; i < va->n; i++)
		switch_rec_remap(&va->parts[i]->c.switches);
	ret = vm_all_run(va);
	strcpy(line, ret ? "failed: " : "stopped: ");
	vm_all_status(va, line + strlen(line), sizeof(line) - strlen(line));
	if (ret)
		write_failed_file(0, line);
	if (va->stop_client >= 0) {
		dprintf(va->stop_client, "%s\n", line);
		close(va->stop_client);
	}
	sock_path(path, sizeof(path), 0, "sock");
	unlink(path);
	sock_path(path, sizeof(path), 0, "pid");
	unlink(path);
	_exit(ret ? EXIT_FAIL : EXIT_OK);
}

pid_t vm_all_background(struct vm_all *va)
{
	pid_t pid;
	size_t i;

	va->ctl_fd = listen_ctl(0);
	/* every part's file flushed (each is tried), or no background */
	for (i = 0; i < va->n; i++) {
		if (!va->parts[i]->c.w.f || !fflush(va->parts[i]->c.w.f) ||
		    va->ctl_fd < 0)
			continue;
		close(va->ctl_fd);
		va->ctl_fd = -1;
	}
	if (va->ctl_fd < 0)
		return -1;
	pid = fork_collector();
	if (pid < 0)
		return -1;
	if (pid == 0)
		vm_all_child(va);
	/* the parent's copies: the child owns the fds, files and buffers */
	close(va->ctl_fd);
	va->ctl_fd = -1;
	for (i = 0; i < va->n; i++) {
		struct collector *c = &va->parts[i]->c;

		close(c->prof_fd);
		c->prof_fd = -1;
		fclose(c->w.f);	/* flushed before fork: writes nothing */
		c->w.f = NULL;
		buf_free(&c->w.records);
		kvm_stats_free(&c->kstats);
		culprit_rec_free(&c->culprits);
		switch_rec_close(&c->switches);
		agent_conns_close(&c->agent);
		va->parts[i]->active = false;
	}
	write_pid_file(0, pid);
	return pid;
}
