// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_STAT chunks: KVM's own statistics of each vCPU, read by the
 * recorder about once a second, kept as a series of reads per vCPU (and
 * one for the VM, from KVM's debugfs) for the breakdown's cross-check
 * (docs/breakdown.md).  Read in the first pass over the file, with the
 * agent streams, so the sched walk knows the reads that bracket the
 * window before it meets the intervals between them.
 */
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

/*
 * One read a second per vCPU: a day of a 12-vCPU VM.  Past it, a read
 * replaces its series' last one: the first and last reads of each series
 * stay, what a window inside the recording brackets gets coarser.
 */
#define KSTAT_MAX_READS (1U << 20)

static struct kstat_series *series(struct analysis *a, u32 vcpu)
{
	u32 n;

	if (vcpu == DF_KVM_STAT_VM)
		return &a->kstat_vm;
	if (vcpu >= DF_KVM_STAT_MAX_VCPU || vcpu >= MAX_VCPUS)
		return NULL;
	if (vcpu >= a->nkstat) {
		n = vcpu + 1;
		a->kstat = xrealloc(a->kstat, n * sizeof(*a->kstat));
		memset(a->kstat + a->nkstat, 0,
		       (n - a->nkstat) * sizeof(*a->kstat));
		a->nkstat = n;
	}
	return &a->kstat[vcpu];
}

void kvm_stat_chunk(struct analysis *a, const u8 *p, size_t len)
{
	struct kstat_series *s;
	struct df_kvm_stat e;
	size_t off;

	if (len % sizeof(e))
		a->st.malformed++;	/* the whole entries before it are read */
	for (off = 0; off + sizeof(e) <= len; off += sizeof(e)) {
		memcpy(&e, p + off, sizeof(e));
		if (e.stat != DF_KVM_STAT_HALT_WAIT_NS)
			continue;	/* a statistic of a later recorder */
		s = series(a, e.vcpu_id);
		/* a series goes forward in time: else damaged, left out */
		if (!s || (s->n && e.time_ns < s->r[s->n - 1].time)) {
			a->st.malformed++;
			continue;
		}
		if (a->kstat_reads >= KSTAT_MAX_READS && s->n >= 2) {
			s->r[s->n - 1] = (struct kstat_read){ e.time_ns, e.value };
			continue;
		}
		GROW_ARRAY(s->r, s->n + 1, s->cap, 64);
		s->r[s->n++] = (struct kstat_read){ e.time_ns, e.value };
		a->kstat_reads++;
	}
}

const struct kstat_series *kvm_stat_series(const struct analysis *a, u32 vcpu)
{
	const struct kstat_series *s = NULL;

	if (vcpu == DF_KVM_STAT_VM)
		s = &a->kstat_vm;
	else if (vcpu < a->nkstat)
		s = &a->kstat[vcpu];
	return s && s->n ? s : NULL;
}

int kvm_stat_bracket(const struct analysis *a, const struct kstat_series *s,
		     struct kstat_read *first, struct kstat_read *last)
{
	u64 lo = analysis_window_begin_ns(a), hi = analysis_window_to_ns(a);
	size_t i, f = SIZE_MAX, l = SIZE_MAX;

	if (!s || !s->n)
		return 0;
	for (i = 0; i < s->n; i++) {
		if (s->r[i].time < lo || s->r[i].time > hi)
			continue;
		if (f == SIZE_MAX)
			f = i;
		l = i;
	}
	if (f == SIZE_MAX || f == l)
		return 1;
	*first = s->r[f];
	*last = s->r[l];
	return 2;
}

void kvm_stat_free(struct analysis *a)
{
	u32 i;

	for (i = 0; i < a->nkstat; i++)
		free(a->kstat[i].r);
	free(a->kstat);
	free(a->kstat_vm.r);
	a->kstat = NULL;
	a->nkstat = 0;
	memset(&a->kstat_vm, 0, sizeof(a->kstat_vm));
	a->kstat_reads = 0;
}
