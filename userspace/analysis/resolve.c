// SPDX-License-Identifier: GPL-2.0
/*
 * Names of an aggregated address: guest kernel and user symbols (agent or
 * --guest-kallsyms), host kallsyms and the VMM's ELF symbols, the folded
 * names of a full table; "[unknown] 0xADDR" with its module otherwise.
 * agg_fold.c names addresses with it while the file is read.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "analysis.h"

/* Canonical addresses of the upper half: the host kernel's. */
#define HOST_KERNEL_START 0xffff800000000000ULL

static void unknown(char *func, size_t flen, u64 addr)
{
	snprintf(func, flen, "[unknown] 0x%" PRIx64, addr);
}

static void resolve_guest_kernel(struct analysis *a, u64 addr, char *func,
				 size_t flen, char *module, size_t mlen)
{
	const struct sym *s = symtab_find(&a->guest.kernel, addr);
	const char *mod;

	if (agent_resolve(a, false, 0, addr, func, flen, module, mlen))
		return;
	snprintf(module, mlen, "[guest.kernel]");
	if (!s) {
		unknown(func, flen, addr);
		return;
	}
	snprintf(func, flen, "%s", symtab_str(&a->guest.kernel, s->name));
	mod = symtab_str(&a->guest.kernel, s->module);
	if (*mod && strcmp(mod, "[kernel.kallsyms]"))
		snprintf(module, mlen, "[guest.kernel] %s", mod);
}

static void resolve_guest_user(struct analysis *a, u64 addr, u64 cr3,
			       char *func, size_t flen, char *module,
			       size_t mlen)
{
	if (agent_resolve(a, true, cr3, addr, func, flen, module, mlen))
		return;
	snprintf(module, mlen, "[guest.user]");
	unknown(func, flen, addr);
}

static void resolve_host(struct analysis *a, u64 addr, u64 ctx, char *func,
			 size_t flen, char *module, size_t mlen)
{
	const struct sym *s = NULL;

	if (addr < HOST_KERNEL_START && ctx & CTX_VMM &&
	    host_maps_resolve(&a->vmm_maps, addr, func, flen, module, mlen))
		return;
	if (addr >= HOST_KERNEL_START)
		s = symtab_find(&a->host_syms, addr);
	if (s) {
		snprintf(func, flen, "%s", symtab_str(&a->host_syms, s->name));
		snprintf(module, mlen, "%s",
			 symtab_str(&a->host_syms, s->module));
		return;
	}
	unknown(func, flen, addr);
	if (addr >= HOST_KERNEL_START)
		snprintf(module, mlen, "[kernel.kallsyms]");
	else
		snprintf(module, mlen, "[host:%s]",
			 ctx & ~CTX_IRQ_MASK ? analysis_comm(a, (u32)ctx) :
			 "vmm");
}

void resolve_addr(struct analysis *a, u32 cat, u64 addr, u64 ctx,
		  char *func, size_t flen, char *module, size_t mlen)
{
	switch (cat) {
	case CAT_GUEST_OS:
		resolve_guest_kernel(a, addr, func, flen, module, mlen);
		break;
	case CAT_GUEST_USER:
		resolve_guest_user(a, addr, ctx, func, flen, module, mlen);
		break;
	case CAT_GUEST_PROT:
		snprintf(func, flen, "[protected]");
		snprintf(module, mlen, "[guest]");
		break;
	case CAT_HOST:
		resolve_host(a, addr, ctx, func, flen, module, mlen);
		break;
	case CAT_VM:
		snprintf(func, flen, "[%s]", a->vm_name[0] ? a->vm_name : "guest");
		snprintf(module, mlen, "(VM)");
		break;
	case CAT_NAMED: {
		const char *name = addr < a->nnames ? a->names[addr] : "?\x1f?";
		const char *sep = strchr(name, '\x1f');

		snprintf(func, flen, "%.*s", (int)(sep - name), name);
		snprintf(module, mlen, "%s", sep + 1);
		break;
	}
	default:
		snprintf(func, flen, "[unknown]");
		snprintf(module, mlen, "(too many distinct addresses)");
		break;
	}
}
