// SPDX-License-Identifier: GPL-2.0
/*
 * What vmprofctl top collects in a window's pass besides what struct
 * analysis holds: a vCPU's host samples split into exit handling (host
 * kernel) and the VMM (host user space), which the analysis counts as one;
 * and the guest samples by process, which it keeps by function only.
 */
#include <stdlib.h>
#include <string.h>

#include "../include/uapi/kvm_profile.h"
#include "top.h"

static enum top_sampled sampled_state(const struct kvm_profile_sample *s,
				      u32 cat)
{
	switch (cat) {
	case CAT_GUEST_USER:
		return TOP_USER;
	case CAT_GUEST_OS:
		return TOP_KERNEL;
	case CAT_GUEST_PROT:
		return TOP_NSAMPLED;	/* no guest state: neither mode */
	}
	return s->flags & KVM_PROFILE_S_HOST_USER ? TOP_VMM : TOP_EXIT;
}

static void top_sample(struct analysis *a, const struct kvm_profile_sample *s,
		       u32 owner)
{
	struct top_data *t = a->view;
	u32 cat = analysis_sample_cat(s);
	enum top_sampled st = sampled_state(s, cat);
	struct agg_key k = { .b = cat };
	u32 n;

	if (owner & OWNER_COMM || owner >= MAX_VCPUS)
		return;	/* another host task: it shows as a culprit */
	if (owner >= t->nvcpus) {
		n = owner + 1;
		t->vcpus = xrealloc(t->vcpus, n * sizeof(*t->vcpus));
		memset(t->vcpus + t->nvcpus, 0,
		       (n - t->nvcpus) * sizeof(*t->vcpus));
		t->nvcpus = n;
	}
	if (st != TOP_NSAMPLED)
		t->vcpus[owner][st] += sample_weight(s);
	if (cat != CAT_GUEST_USER && cat != CAT_GUEST_OS)
		return;
	/* In kernel mode too: the process on whose behalf the kernel ran. */
	k.c = agent_sample_ctx(a, s->guest_cr3, s->hdr.time_ns);
	agg_get_over(&t->procs, &k)->v1 += sample_weight(s);
}

static void top_free(struct analysis *a)
{
	struct top_data *t = a->view;

	if (!t)
		return;
	free(t->vcpus);
	agg_free(&t->procs);
	free(t);
	a->view = NULL;
}

static const struct analysis_hooks top_hooks = {
	.sample = top_sample,
	.free = top_free,
};

void top_attach(struct analysis *a)
{
	struct top_data *t = xcalloc(1, sizeof(*t));

	agg_init(&t->procs, 0);
	a->hooks = &top_hooks;
	a->view = t;
}
