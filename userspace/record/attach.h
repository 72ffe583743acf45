/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_ATTACH_H
#define VMPROF_ATTACH_H

#include "../../include/uapi/kvm_profile.h"
#include "vm_find.h"

/* 1: KVM_CAP_PROFILE present; 0: absent; -1: no /dev/kvm (message printed). */
int kvm_profile_supported(void);
/* Duplicate the VMM's VM fd with pidfd_getfd(); -1 with a message. */
int attach_vm_fd(const struct vm_info *vm);
/* KVM_PROFILE on vm_fd; returns the profile fd or -1 with a message. */
int profile_open(int vm_fd, const struct kvm_profile_config *cfg);

#endif
