// SPDX-License-Identifier: GPL-2.0
/*
 * cpu.stat of the vCPU threads' cgroups, read during the recording: the
 * report charges to "throttled" the part of a vCPU's wait that its
 * cgroup's throttled time covers.  A cgroup is throttled when it, or an
 * ancestor, used up its cpu.max quota for the period; each keeps its own
 * counters, so the chain up to the root is read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "task_id.h"
#include "throttle.h"

#define STAT_PATH_LEN (DF_TASK_CGROUP_MAX + 512)

static void add_src(struct throttle_src **s, size_t *n, u32 vcpu, u16 depth,
		    const char *path, size_t len)
{
	*s = xrealloc(*s, (*n + 1) * sizeof(**s));
	(*s)[*n].vcpu = vcpu;
	(*s)[*n].depth = depth;
	(*s)[*n].path = xmalloc(len + 1);
	memcpy((*s)[*n].path, path, len);
	(*s)[*n].path[len] = '\0';
	(*n)++;
}

size_t throttle_sources(const char *root, const struct vm_info *vm,
			struct throttle_src **out)
{
	char path[DF_TASK_CGROUP_MAX];
	size_t n = 0, len;
	u32 i;
	u16 depth;

	*out = NULL;
	for (i = 0; i < vm->nvcpus; i++) {
		if (!vm->vcpus[i].tid)
			continue;
		task_cgroup(root, vm->vcpus[i].tid, path, sizeof(path));
		if (path[0] != '/' || strstr(path, "/.."))
			continue;	/* not cgroup v2, or not a path to follow */
		len = strlen(path);
		/* "/a/b/c", then "/a/b", then "/a"; the root has no quota */
		for (depth = 0; len > 1 && depth < THROTTLE_MAX_DEPTH; depth++) {
			add_src(out, &n, vm->vcpus[i].id, depth, path, len);
			while (len > 1 && path[len - 1] != '/')
				len--;
			if (len > 1)
				len--;	/* the '/' before the last name */
		}
	}
	return n;
}

/* nr_periods, nr_throttled, throttled_usec; false without the last two. */
static bool read_cpu_stat(const char *root, const char *cg, struct df_throttle *t)
{
	char path[STAT_PATH_LEN], buf[2048], *p;
	int have = 0;

	snprintf(path, sizeof(path), "%s/sys/fs/cgroup%s/cpu.stat", root, cg);
	if (read_small_file(path, buf, sizeof(buf)) <= 0)
		return false;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, "nr_periods ", 11))
			t->nr_periods = strtoull(p + 11, NULL, 10);
		else if (!strncmp(p, "nr_throttled ", 13) && ++have)
			t->nr_throttled = strtoull(p + 13, NULL, 10);
		else if (!strncmp(p, "throttled_usec ", 15) && ++have)
			t->throttled_usec = strtoull(p + 15, NULL, 10);
	}
	return have == 2;
}

size_t throttle_read(const char *root, const struct throttle_src *s,
		     size_t n, u64 now, struct buf *b)
{
	struct df_throttle t;
	size_t i, got = 0;

	for (i = 0; i < n; i++) {
		memset(&t, 0, sizeof(t));
		if (!read_cpu_stat(root, s[i].path, &t))
			continue;
		t.time_ns = now;
		t.vcpu = s[i].vcpu;
		t.depth = s[i].depth;
		t.path_len = (u16)strlen(s[i].path);
		buf_append(b, &t, sizeof(t));
		buf_append(b, s[i].path, t.path_len);
		got++;
	}
	return got;
}

void throttle_sources_free(struct throttle_src *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(s[i].path);
	free(s);
}
