// SPDX-License-Identifier: GPL-2.0
/* Symbol tables (sorted arrays) for host kallsyms and guest symbols. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symbols.h"

/* A symbol covers at most this much past its start when it is the last one. */
#define SYM_MAX_TAIL (1ULL << 20)

void symtab_init(struct symtab *t)
{
	memset(t, 0, sizeof(*t));
	buf_append(&t->strs, "", 1);
}

void symtab_free(struct symtab *t)
{
	free(t->syms);
	buf_free(&t->strs);
	memset(t, 0, sizeof(*t));
}

static u32 symtab_intern(struct symtab *t, const char *s, size_t len)
{
	u32 off;

	if (!len)
		return 0;
	off = (u32)t->strs.len;
	buf_append(&t->strs, s, len);
	buf_append(&t->strs, "", 1);
	return off;
}

static void symtab_push(struct symtab *t, u64 addr, const char *name,
			size_t nlen, const char *mod, size_t mlen)
{
	struct sym *s;

	if (!t->strs.len)
		buf_append(&t->strs, "", 1);
	GROW_ARRAY(t->syms, t->n + 1, t->cap, 1024);
	s = &t->syms[t->n++];
	s->addr = addr;
	s->name = symtab_intern(t, name, nlen);
	s->module = symtab_intern(t, mod, mlen);
	t->sorted = false;
}

void symtab_add(struct symtab *t, u64 addr, const char *name,
		const char *module)
{
	symtab_push(t, addr, name, strlen(name), module ? module : "",
		    module ? strlen(module) : 0);
}

static int sym_cmp(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return 0;
}

static void symtab_sort(struct symtab *t)
{
	if (t->n)
		qsort(t->syms, t->n, sizeof(*t->syms), sym_cmp);
	t->sorted = true;
}

static bool is_text_type(char c)
{
	return c == 't' || c == 'T' || c == 'w' || c == 'W';
}

static size_t parse_kallsyms_line(struct symtab *t, const char *p,
				  const char *end)
{
	const char *name, *mod = NULL, *q;
	size_t nlen, mlen = 0;
	unsigned long long addr = 0;
	int digits = 0;
	char type;

	for (q = p; q < end && *q != ' '; q++, digits++) {
		int v = (*q >= '0' && *q <= '9') ? *q - '0' :
			(*q >= 'a' && *q <= 'f') ? *q - 'a' + 10 :
			(*q >= 'A' && *q <= 'F') ? *q - 'A' + 10 : -1;

		if (v < 0 || digits >= 16)
			return 0;
		addr = addr << 4 | (unsigned int)v;
	}
	if (!digits || q + 3 >= end || q[2] != ' ')
		return 0;
	type = q[1];
	name = q + 3;
	for (q = name; q < end && *q != ' ' && *q != '\t'; q++)
		;
	nlen = (size_t)(q - name);
	if (q < end && (q[0] == '\t' || q[0] == ' ')) {
		while (q < end && (*q == '\t' || *q == ' '))
			q++;
		if (q < end && *q == '[') {
			mod = q;
			while (q < end && *q != ']')
				q++;
			if (q < end)
				mlen = (size_t)(q - mod + 1);
		}
	}
	if (!addr || !nlen || nlen > 512 || !is_text_type(type))
		return 0;
	symtab_push(t, addr, name, nlen, mod ? mod : "[kernel.kallsyms]",
		    mod ? mlen : strlen("[kernel.kallsyms]"));
	return 1;
}

size_t symtab_load_kallsyms(struct symtab *t, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl;
	size_t n = 0;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		n += parse_kallsyms_line(t, p, nl);
		p = nl + 1;
	}
	return n;
}

const struct sym *symtab_find(struct symtab *t, u64 addr)
{
	size_t lo = 0, hi = t->n;

	if (!t->n)
		return NULL;
	if (!t->sorted)
		symtab_sort(t);
	if (addr < t->syms[0].addr)
		return NULL;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (lo + 1 == t->n && addr - t->syms[lo].addr > SYM_MAX_TAIL)
		return NULL;
	return &t->syms[lo];
}

const char *symtab_str(const struct symtab *t, u32 off)
{
	if (off >= t->strs.len)
		return "";
	return (const char *)t->strs.data + off;
}

void guest_info_init(struct guest_info *g)
{
	symtab_init(&g->kernel);
}

void guest_info_free(struct guest_info *g)
{
	symtab_free(&g->kernel);
}
