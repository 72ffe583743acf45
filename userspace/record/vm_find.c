// SPDX-License-Identifier: GPL-2.0
/*
 * Find KVM VMs: a VMM holds an fd linked to "anon_inode:kvm-vm", one per
 * vCPU linked to "anon_inode:kvm-vcpu:N"; QEMU names vCPU threads
 * "CPU N/KVM" and carries -name and -uuid on its command line.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "vm_find.h"

#define PROC_PATH_MAX 320

static struct vcpu_thread *add_vcpu(struct vm_info *vm, u32 id)
{
	u32 i;

	for (i = 0; i < vm->nvcpus; i++)
		if (vm->vcpus[i].id == id)
			return &vm->vcpus[i];
	vm->vcpus = xrealloc(vm->vcpus, (vm->nvcpus + 1) * sizeof(*vm->vcpus));
	memset(&vm->vcpus[vm->nvcpus], 0, sizeof(*vm->vcpus));
	vm->vcpus[vm->nvcpus].id = id;
	return &vm->vcpus[vm->nvcpus++];
}

/* A vCPU's stats fd: kvm_stats.c reads it, KVM_GET_STATS_FD being the VMM's alone. */
static void add_stats_fd(struct vm_info *vm, u32 id, int fd)
{
	struct vcpu_thread *v = add_vcpu(vm, id);

	v->stats_fd = (u32)fd;
	v->has_stats_fd = true;
}

static int scan_fds(pid_t pid, struct vm_info *vm)
{
	char path[PROC_PATH_MAX + 32], link[128];
	struct dirent *de;
	ssize_t n;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd/%s", (int)pid, de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (!strcmp(link, "anon_inode:kvm-vm") && vm->vm_fd < 0)
			vm->vm_fd = atoi(de->d_name);
		else if (!strncmp(link, "anon_inode:kvm-vcpu:", 20))
			add_vcpu(vm, (u32)strtoul(link + 20, NULL, 10));
		else if (!strncmp(link, "anon_inode:kvm-vcpu-stats:", 26))
			add_stats_fd(vm, (u32)strtoul(link + 26, NULL, 10),
				     atoi(de->d_name));
	}
	closedir(d);
	return 0;
}

static void scan_threads(pid_t pid, struct vm_info *vm)
{
	char path[PROC_PATH_MAX + 300], comm[64];
	struct dirent *de;
	unsigned int id;
	u32 i;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/comm", (int)pid,
			 de->d_name);
		if (read_small_file(path, comm, sizeof(comm)) <= 0 ||
		    sscanf(comm, "CPU %u/KVM", &id) != 1)
			continue;
		for (i = 0; i < vm->nvcpus; i++)
			if (vm->vcpus[i].id == id)
				vm->vcpus[i].tid = (u32)atoi(de->d_name);
	}
	closedir(d);
}

/* -name guest=foo,debug-threads=on  or  -name foo */
static void parse_opt_value(const char *v, char *out, size_t len)
{
	size_t n;

	if (!strncmp(v, "guest=", 6))
		v += 6;
	n = strcspn(v, ",");
	if (n >= len)
		n = len - 1;
	memcpy(out, v, n);
	out[n] = '\0';
}

/* vhost-vsock-pci,guest-cid=3  or  {"driver":"vhost-vsock-pci","guest-cid":3} */
static void parse_guest_cid(const char *arg, struct vm_info *vm)
{
	const char *p = strstr(arg, "guest-cid");

	if (!p)
		return;
	p += strlen("guest-cid");
	p += strspn(p, "\"=: ");
	vm->guest_cid = (u32)strtoul(p, NULL, 0);
}

/*
 * The whole command line, NUL-separated, NUL-terminated; NULL if
 * unreadable.  libvirt's command lines pass 8 KiB, and the vsock device
 * comes late in them.  At most CMDLINE_MAX (a kernel's ARG_MAX is 2 MiB
 * with the default stack limit).
 */
#define CMDLINE_MAX (4U << 20)

static char *read_cmdline(const char *root, pid_t pid, size_t *lenp)
{
	char path[PROC_PATH_MAX + 4096];
	size_t len = 0, cap = 8192;
	char *buf = xmalloc(cap + 1);
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/proc/%d/cmdline", root, (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len)) > 0 || (n < 0 && errno == EINTR)) {
		if (n < 0)
			continue;
		len += (size_t)n;
		if (len == cap && cap < CMDLINE_MAX) {
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		} else if (len == cap) {
			break;
		}
	}
	close(fd);
	buf[len] = '\0';
	*lenp = len;
	return buf;
}

void vm_scan_cmdline_at(const char *root, pid_t pid, struct vm_info *vm)
{
	size_t len = 0, i;
	char *buf = read_cmdline(root, pid, &len);

	for (i = 0; buf && i < len;) {
		const char *arg = buf + i;
		size_t next = i + strlen(arg) + 1;

		if (next < len && !strcmp(arg, "-name"))
			parse_opt_value(buf + next, vm->name, sizeof(vm->name));
		if (next < len && !strcmp(arg, "-uuid"))
			parse_opt_value(buf + next, vm->uuid, sizeof(vm->uuid));
		parse_guest_cid(arg, vm);
		i = next;
	}
	free(buf);
}

void vm_scan_cmdline(pid_t pid, struct vm_info *vm)
{
	vm_scan_cmdline_at("", pid, vm);
}

static int vcpu_cmp(const void *x, const void *y)
{
	const struct vcpu_thread *a = x, *b = y;

	return a->id < b->id ? -1 : a->id > b->id;
}

/* Returns 0 for a VMM, -ENOENT for another process, -errno if unreadable. */
int vm_inspect(pid_t pid, struct vm_info *vm)
{
	int ret;

	memset(vm, 0, sizeof(*vm));
	vm->pid = pid;
	vm->vm_fd = -1;
	vm->libvirt_id = -1;
	ret = scan_fds(pid, vm);
	if (!ret && vm->vm_fd < 0)
		ret = -ENOENT;
	if (ret) {
		vm_info_free(vm);
		return ret;
	}
	if (vm->nvcpus)
		qsort(vm->vcpus, vm->nvcpus, sizeof(*vm->vcpus), vcpu_cmp);
	scan_threads(pid, vm);
	vm_scan_cmdline(pid, vm);
	return 0;
}

size_t vm_scan(struct vm_info **vms, int *denied)
{
	struct vm_info vm, *list = NULL;
	struct dirent *de;
	size_t n = 0;
	int ret;
	DIR *d;

	*denied = 0;
	d = opendir("/proc");
	if (!d) {
		*vms = NULL;
		return 0;
	}
	while ((de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		ret = vm_inspect((pid_t)atoi(de->d_name), &vm);
		if (ret == -EACCES || ret == -EPERM)
			(*denied)++;
		if (ret)
			continue;
		list = xrealloc(list, (n + 1) * sizeof(*list));
		list[n++] = vm;
	}
	closedir(d);
	*vms = list;
	return n;
}

void vm_info_free(struct vm_info *vm)
{
	free(vm->vcpus);
	vm->vcpus = NULL;
	vm->nvcpus = 0;
}

void vm_list_free(struct vm_info *vms, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		vm_info_free(&vms[i]);
	free(vms);
}

static int resolve_pid(const char *arg, struct vm_info *vm)
{
	u64 pid;
	int ret;

	if (parse_u64(arg, &pid) || !pid || pid > 0x3fffffff) {
		pr_err("bad --vm pid:'%s'; give a process id, e.g. --vm pid:1234", arg);
		return -1;
	}
	ret = vm_inspect((pid_t)pid, vm);
	if (ret == -EACCES || ret == -EPERM) {
		pr_err("no permission to inspect process %llu: run as root or as the VMM's user",
		       (unsigned long long)pid);
		return -1;
	}
	if (ret) {
		pr_err("no such VM: process %llu %s; run 'vmprofctl list'",
		       (unsigned long long)pid,
		       ret == -ENOENT ? "holds no KVM VM" : "does not exist");
		return -1;
	}
	return 0;
}

static int match_scanned(const char *name, const char *uuid, struct vm_info *vm)
{
	struct vm_info *vms;
	int denied, found = -1;
	size_t n, i;

	n = vm_scan(&vms, &denied);
	for (i = 0; i < n && found < 0; i++) {
		if ((name && *name && !strcmp(vms[i].name, name)) ||
		    (uuid && *uuid && !strcasecmp(vms[i].uuid, uuid)))
			found = (int)i;
	}
	if (found >= 0) {
		*vm = vms[found];
		vms[found].vcpus = NULL;
	}
	vm_list_free(vms, n);
	return found >= 0 ? 0 : -1;
}

int vm_resolve(const char *spec, struct vm_info *vm)
{
	char name[128] = "", uuid[64] = "";

	if (!strncmp(spec, "pid:", 4))
		return resolve_pid(spec + 4, vm);
	/*
	 * libvirt first, when it answers: it owns domain ids, names and
	 * UUIDs (an id "3" could also be some QEMU's -name).  Without it,
	 * the QEMU command lines' -name and -uuid.
	 */
	if (libvirt_available && !libvirt_lookup(spec, name, sizeof(name),
						 uuid, sizeof(uuid))) {
		if (!match_scanned(name, uuid, vm)) {
			snprintf(vm->name, sizeof(vm->name), "%s", name);
			return 0;
		}
		pr_err("libvirt domain '%s' is not running here as a KVM VM; start it or use --vm pid:N",
		       spec);
		return -1;
	}
	if (!match_scanned(spec, spec, vm))
		return 0;
	if (!libvirt_available)
		pr_err("no such VM '%s' (matched QEMU -name/-uuid only; libvirt ids need vmprofctl built with libvirt: install libvirt-dev and rebuild); run 'vmprofctl list' or use --vm pid:N",
		       spec);
	else
		pr_err("no such VM '%s'; run 'vmprofctl list' or use --vm pid:N", spec);
	return -1;
}

char *host_maps_snapshot(int pid, size_t *len)
{
	unsigned long long s, e, off;
	char fn[64], line[1024], perms[8], path[512];
	struct buf b = { 0 };
	FILE *f;

	snprintf(fn, sizeof(fn), "/proc/%d/maps", pid);
	f = fopen(fn, "re");
	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %511s", &s, &e, perms,
			   &off, path) != 5 || perms[2] != 'x' || path[0] != '/')
			continue;
		snprintf(line, sizeof(line), "%llx-%llx %llx %s\n", s, e, off, path);
		buf_append(&b, line, strlen(line));
	}
	fclose(f);
	buf_append(&b, "", 1);
	*len = b.len - 1;
	return (char *)b.data;
}
