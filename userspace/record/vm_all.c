// SPDX-License-Identifier: GPL-2.0
/*
 * --vm all: one collector (collector.c) per KVM VM of the host, each
 * with its own profile fd and its own data file NAME.data in the output
 * directory, polled in one loop; an index names the files.  A VM that
 * exits ends its file as a single-VM recording does ("VM exited"); the
 * host is scanned again every VM_ALL_SCAN_NS and a VM started since gets
 * a file of its own from then on.  Each file is complete on its own, as
 * a single-VM recording's is: a crash loses at most the last second of
 * each, and the index is rewritten (renamed over) at every change.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vm_all.h"

#define POLL_MS 100

static const char *const state_names[] = {
	"recording", "exited", "stopped", "failed",
};

/* A file name from the VM's name: [A-Za-z0-9._-], else pidN. */
static void part_file(const struct vm_all *va, const struct vm_info *vm,
		      char *out, size_t len)
{
	char base[128];
	size_t i, k;

	for (i = k = 0; vm->name[i] && k + 1 < sizeof(base) - 24; i++) {
		char ch = vm->name[i];
		bool keep = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
			    (ch == '.' && k);

		base[k] = keep ? ch : '_';
		k++;
	}
	base[k] = '\0';
	if (!k || !strcmp(base, VM_ALL_INDEX))
		snprintf(base, sizeof(base), "pid%d", (int)vm->pid);
	snprintf(out, len, "%s.data", base);
	for (i = 0; i < va->n; i++) {
		if (!strcmp(va->parts[i]->file, out)) {
			/* two VMs of one name (or one name again after an exit) */
			snprintf(out, len, "%s-pid%d.data", base, (int)vm->pid);
			break;
		}
	}
}

/* The index, rewritten whole and renamed over the old one. */
static int write_index(const struct vm_all *va)
{
	struct vm_index_ent *e = xcalloc(va->n ? va->n : 1, sizeof(*e));
	size_t i;
	int ret;

	for (i = 0; i < va->n; i++) {
		const struct vm_part *p = va->parts[i];

		snprintf(e[i].file, sizeof(e[i].file), "%s", p->file);
		e[i].pid = p->pid;
		e[i].start_ms = p->start_ms;
		snprintf(e[i].state, sizeof(e[i].state), "%s", state_names[p->state]);
		snprintf(e[i].name, sizeof(e[i].name), "%s", p->c.vm.name);
		snprintf(e[i].uuid, sizeof(e[i].uuid), "%s", p->c.vm.uuid);
	}
	ret = vm_index_write(va->o.output, e, va->n);
	free(e);
	return ret;
}

/* Recorded already, or could not be (not tried again: said once). */
static bool have_pid(const struct vm_all *va, pid_t pid)
{
	size_t i;

	for (i = 0; i < va->n; i++)
		if (va->parts[i]->pid == (u32)pid)
			return true;
	for (i = 0; i < va->nskipped; i++)
		if (va->skipped[i] == (u32)pid)
			return true;
	return false;
}

/* A collector for @vm; a VM that cannot be recorded is skipped, said why. */
static int add_part(struct vm_all *va, struct vm_info *vm, u64 now)
{
	struct vm_part *p = xcalloc(1, sizeof(*p));
	struct record_opts o = va->o;
	char *path;
	int ret;

	part_file(va, vm, p->file, sizeof(p->file));
	p->pid = (u32)vm->pid;
	p->start_ms = (now - va->start_ns) / NSEC_PER_MSEC;
	path = xasprintf("%s/%s", va->o.output, p->file);
	o.output = path;
	ret = collector_prepare_vm(&p->c, &o, vm);
	if (ret) {
		pr_warn("VM %s (pid %d) is not recorded: see above",
			vm->name[0] ? vm->name : "?", (int)vm->pid);
		va->skipped = xrealloc(va->skipped, (va->nskipped + 1) *
				       sizeof(*va->skipped));
		va->skipped[va->nskipped++] = (u32)vm->pid;
		vm_info_free(vm);
		free(path);
		free(p);
		return -1;
	}
	p->c.o.output = path;	/* freed with the part */
	p->active = true;
	va->parts = xrealloc(va->parts, (va->n + 1) * sizeof(*va->parts));
	va->parts[va->n++] = p;
	return 0;
}

/* VMs not recorded yet: all at the start, those started since later. */
static int scan_new(struct vm_all *va, u64 now)
{
	struct vm_info *vms;
	int denied, added = 0;
	size_t n, i;

	n = va->scan(&vms, &denied);
	for (i = 0; i < n; i++) {
		if (have_pid(va, vms[i].pid))
			continue;
		if (!add_part(va, &vms[i], now))
			added++;
	}
	vm_list_free(vms, n);
	if (!va->n && denied)
		pr_err("%d processes could not be inspected: run as root to find their VMs",
		       denied);
	va->last_scan = now;
	return added;
}

/*
 * A previous NAME.old directory of a recording: its index and data files,
 * then itself; rmdir() fails on anything else in it, a file a recording
 * did not write, which is kept, and the rename after says so.
 */
static void remove_vm_dir(const char *dir)
{
	struct dirent *de;
	size_t len;
	char *p;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d))) {
		len = strlen(de->d_name);
		if (strcmp(de->d_name, VM_ALL_INDEX) &&
		    strcmp(de->d_name, VM_ALL_INDEX ".tmp") &&
		    (len < 6 || strcmp(de->d_name + len - 5, ".data")))
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		unlink(p);
		free(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* NAME, or NAME.old kept as a single recording keeps FILE.old. */
static int make_dir(const char *dir)
{
	struct stat st;
	char *old;
	int ret = 0;

	if (!lstat(dir, &st)) {
		old = xasprintf("%s.old", dir);
		if (S_ISDIR(st.st_mode) && !lstat(old, &st) && S_ISDIR(st.st_mode))
			remove_vm_dir(old);
		if (rename(dir, old)) {
			pr_err("cannot rename %s to %s: %s; choose another -o path",
			       dir, old, strerror(errno));
			ret = -1;
		}
		free(old);
		if (ret)
			return -1;
	}
	if (mkdir(dir, 0755)) {
		pr_err("cannot create the directory %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

int vm_all_prepare(struct vm_all *va, const struct record_opts *o)
{
	size_t (*scan)(struct vm_info **, int *) = va->scan;

	memset(va, 0, sizeof(*va));
	va->o = *o;
	va->o.no_listen = true;
	va->scan = scan ? scan : vm_scan;
	va->ctl_fd = va->stop_client = -1;
	if (make_dir(o->output))
		return -1;
	va->start_ns = mono_ns();
	va->end_reason = DF_END_STOPPED;
	scan_new(va, va->start_ns);
	if (!va->n) {
		pr_err("no KVM VM to record on this host; run 'vmprofctl list'");
		rmdir(o->output);
		return -1;
	}
	return write_index(va);
}

static void end_part(struct vm_all *va, struct vm_part *p, int ret)
{
	char line[1024];

	if (ret != 1 && va->stop_client >= 0)
		p->c.stop_client = va->stop_client;	/* stopped, not signalled */
	ret = collector_finish(&p->c, ret);
	p->c.stop_client = -1;
	p->active = false;
	p->state = ret ? PART_FAILED : p->c.vm_exited ? PART_EXITED : PART_STOPPED;
	if (ret) {
		va->failed++;
		collector_result(&p->c, ret, line, sizeof(line));
		pr_warn("%s", line);
	}
}

static size_t active_parts(const struct vm_all *va)
{
	size_t i, k = 0;

	for (i = 0; i < va->n; i++)
		k += va->parts[i]->active;
	return k;
}

void vm_all_status(const struct vm_all *va, char *buf, size_t len)
{
	u64 el = mono_ns() - va->start_ns, records = 0, lost = 0, bytes = 0;
	size_t i;

	for (i = 0; i < va->n; i++) {
		records += va->parts[i]->c.records;
		lost += va->parts[i]->c.lost;
		bytes += va->parts[i]->c.bytes;
	}
	snprintf(buf, len, "vm all: %s, %zu VMs (%zu recording) for %llu.%01llu s, %llu records, %llu lost, %llu bytes",
		 va->o.output, va->n, active_parts(va),
		 (unsigned long long)(el / NSEC_PER_SEC),
		 (unsigned long long)(el / 100000000ULL % 10),
		 (unsigned long long)records, (unsigned long long)lost,
		 (unsigned long long)bytes);
}

char *vm_all_status_json(const struct vm_all *va)
{
	u64 el = mono_ns() - va->start_ns;
	char *s = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return NULL;
	for (i = 0; i < va->n; i++) {
		const struct vm_part *p = va->parts[i];

		fputs(i ? ",{\"vm\":" : "{\"vm\":", f);
		json_str(f, p->c.vm.name);
		fprintf(f, ",\"vm_pid\":%u,\"file\":", p->pid);
		json_str(f, p->c.o.output);
		fprintf(f, ",\"state\":\"%s\",\"duration_ms\":%llu,\"records\":%llu,\"lost\":%llu,\"bytes\":%llu,\"agent_bytes\":%llu}",
			state_names[p->state],
			(unsigned long long)(el / NSEC_PER_MSEC),
			(unsigned long long)p->c.records,
			(unsigned long long)p->c.lost,
			(unsigned long long)p->c.bytes,
			(unsigned long long)p->c.agent.bytes);
	}
	fputc('\n', f);
	fclose(f);
	return s;
}

static bool time_up(const struct vm_all *va, u64 now)
{
	return va->o.duration > 0 &&
	       now - va->start_ns >= (u64)(va->o.duration * 1e9);
}

int vm_all_turn(struct vm_all *va, int timeout_ms)
{
	struct pollfd *pfd = xcalloc(va->n + 1, sizeof(*pfd));
	size_t i, changed = 0;
	u64 now;
	int ret;

	for (i = 0; i < va->n; i++)
		pfd[i] = (struct pollfd){ .fd = va->parts[i]->active ?
					  va->parts[i]->c.prof_fd : -1,
					  .events = POLLIN };
	pfd[va->n] = (struct pollfd){ .fd = va->ctl_fd, .events = POLLIN };
	if (poll(pfd, (nfds_t)va->n + 1, timeout_ms) > 0 && va->ctl_fd >= 0 &&
	    pfd[va->n].revents & POLLIN)
		vm_all_control(va);
	free(pfd);
	for (i = 0; i < va->n; i++) {
		struct vm_part *p = va->parts[i];

		if (!p->active)
			continue;
		ret = collector_turn(&p->c, 0);
		if (ret) {	/* the VM exited (1), or its file failed */
			end_part(va, p, ret);
			changed++;
		}
	}
	now = mono_ns();
	if (now - va->last_scan >= VM_ALL_SCAN_NS && !collector_stop)
		changed += (size_t)scan_new(va, now);
	if (changed)
		write_index(va);
	progress_show(&va->meter, "recording %zu VMs (%zu running): %llu.%01llu s",
		      va->n, active_parts(va),
		      (unsigned long long)((now - va->start_ns) / NSEC_PER_SEC),
		      (unsigned long long)((now - va->start_ns) / 100000000ULL % 10));
	if (collector_stop)
		return 1;
	if (time_up(va, now)) {
		va->end_reason = DF_END_DURATION;
		return 1;
	}
	return 0;
}

int vm_all_finish(struct vm_all *va)
{
	size_t i;

	for (i = 0; i < va->n; i++) {
		struct vm_part *p = va->parts[i];

		if (!p->active)
			continue;
		p->c.end_reason = va->end_reason;
		end_part(va, p, 0);
	}
	progress_clear(&va->meter);
	if (write_index(va))
		return -1;
	return va->failed ? -1 : 0;
}

int vm_all_run(struct vm_all *va)
{
	va->meter = (struct progress){ .on = va->progress };
	va->end_reason = DF_END_STOPPED;
	while (!vm_all_turn(va, POLL_MS))
		;
	return vm_all_finish(va);
}

void vm_all_free(struct vm_all *va)
{
	size_t i;

	for (i = 0; i < va->n; i++) {
		free((char *)va->parts[i]->c.o.output);
		vm_info_free(&va->parts[i]->c.vm);
		free(va->parts[i]);
	}
	free(va->parts);
	free(va->skipped);
	va->parts = NULL;
	va->skipped = NULL;
	va->n = va->nskipped = 0;
}
