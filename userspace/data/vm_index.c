// SPDX-License-Identifier: GPL-2.0
/* The index of a --vm all directory (vm_index.h): written, read. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm_index.h"

static void index_field(char *out, size_t len, const char *s)
{
	size_t i;

	snprintf(out, len, "%s", s);
	for (i = 0; out[i]; i++)
		if (out[i] == '\t' || out[i] == '\n')
			out[i] = ' ';
}

int vm_index_write(const char *dir, const struct vm_index_ent *e, size_t n)
{
	char *path = xasprintf("%s/" VM_ALL_INDEX, dir);
	char *tmp = xasprintf("%s.tmp", path);
	char name[128], uuid[64];
	FILE *f = fopen(tmp, "we");
	size_t i;
	int ret = -1;

	if (f) {
		fprintf(f, VM_ALL_MAGIC "\n# file\tvmm_pid\tstart_ms\tstate\tname\tuuid\n");
		for (i = 0; i < n; i++) {
			index_field(name, sizeof(name), e[i].name);
			index_field(uuid, sizeof(uuid), e[i].uuid);
			fprintf(f, "%s\t%u\t%llu\t%s\t%s\t%s\n", e[i].file, e[i].pid,
				(unsigned long long)e[i].start_ms, e[i].state,
				name, uuid);
		}
		ret = fclose(f) ? -1 : rename(tmp, path);
	}
	if (ret)
		pr_err("cannot write %s: %s", path, strerror(errno));
	free(path);
	free(tmp);
	return ret;
}

/* One index line: file, pid, start_ms, state, name, uuid (tab-separated). */
static int parse_index_line(char *line, struct vm_index_ent *e)
{
	char *f[6], *tok;
	int k = 0;

	line[strcspn(line, "\n")] = '\0';
	if (!*line || *line == '#')
		return -1;
	memset(e, 0, sizeof(*e));
	for (tok = line; k < 6; k++) {
		f[k] = tok;
		tok = strchr(tok, '\t');
		if (!tok)
			break;
		*tok++ = '\0';
	}
	if (k < 3 || strchr(f[0], '/') || !*f[0])
		return -1;
	snprintf(e->file, sizeof(e->file), "%s", f[0]);
	e->pid = (u32)strtoul(f[1], NULL, 10);
	e->start_ms = strtoull(f[2], NULL, 10);
	snprintf(e->state, sizeof(e->state), "%s", f[3]);
	if (k >= 4)
		snprintf(e->name, sizeof(e->name), "%s", f[4]);
	if (k >= 5)
		snprintf(e->uuid, sizeof(e->uuid), "%s", f[5]);
	return 0;
}

int vm_index_read(const char *dir, struct vm_index_ent **ents, size_t *n)
{
	char *path = xasprintf("%s/" VM_ALL_INDEX, dir), line[1024];
	struct vm_index_ent e, *list = NULL;
	FILE *f = fopen(path, "re");
	size_t k = 0;

	free(path);
	if (f) {
		if (!fgets(line, sizeof(line), f) ||
		    strncmp(line, VM_ALL_MAGIC, strlen(VM_ALL_MAGIC))) {
			pr_err("%s/" VM_ALL_INDEX " is not a vmprofctl index (first line '%s' expected)",
			       dir, VM_ALL_MAGIC);
			fclose(f);
			return -1;
		}
		while (fgets(line, sizeof(line), f)) {
			if (parse_index_line(line, &e))
				continue;
			list = xrealloc(list, (k + 1) * sizeof(*list));
			list[k++] = e;
		}
		fclose(f);
	} else {
		pr_err("cannot read %s: Is a directory without an index of 'record --vm all' (%s/" VM_ALL_INDEX ": %s); report one data file with -i %s/NAME.data",
		       dir, dir, strerror(errno), dir);
		return -1;
	}
	if (!k) {
		pr_err("%s/" VM_ALL_INDEX " names no VM's data file", dir);
		free(list);
		return -1;
	}
	*ents = list;
	*n = k;
	return 0;
}
