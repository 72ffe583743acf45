/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_VM_FIND_H
#define VMPROF_VM_FIND_H

#include <sys/types.h>

#include "util.h"

struct vcpu_thread {
	u32 id;
	u32 tid;	/* 0 when unknown (thread not named "CPU N/KVM") */
	/* "anon_inode:kvm-vcpu-stats:N": a stats fd the VMM holds (kvm_stats.c) */
	u32 stats_fd;
	bool has_stats_fd;
};

struct vm_info {
	pid_t pid;
	int vm_fd;		/* fd number inside the VMM */
	char name[128];		/* QEMU -name, or libvirt domain name */
	char uuid[64];
	int libvirt_id;		/* -1 when libvirt does not know the VM */
	u32 guest_cid;		/* vhost-vsock guest-cid=, 0 if none */
	struct vcpu_thread *vcpus;
	u32 nvcpus;
};

/* All KVM VMs on the host; *denied counts processes we could not inspect. */
size_t vm_scan(struct vm_info **vms, int *denied);
int vm_inspect(pid_t pid, struct vm_info *vm);
/* Name, UUID and vsock guest CID from the whole command line of @pid. */
void vm_scan_cmdline(pid_t pid, struct vm_info *vm);
/* The same under @root (tests: a directory shaped like /). */
void vm_scan_cmdline_at(const char *root, pid_t pid, struct vm_info *vm);
/* Resolve --vm SPEC; prints one actionable line and returns -1 on failure. */
int vm_resolve(const char *spec, struct vm_info *vm);
void vm_info_free(struct vm_info *vm);
void vm_list_free(struct vm_info *vms, size_t n);

/* libvirt, compiled in with HAVE_LIBVIRT (vm_libvirt.c). */
extern const bool libvirt_available;
/* Fill name/uuid of the domain named by spec (id, name or UUID); 0 on success. */
int libvirt_lookup(const char *spec, char *name, size_t nlen, char *uuid,
		   size_t ulen);
/* Set libvirt_id (and name) of scanned VMs that libvirt knows. */
void libvirt_annotate(struct vm_info *vms, size_t n);

/*
 * Executable file mappings of pid, as the META VMM_MAPS text that
 * host_maps_parse() reads at report time; caller frees.
 */
char *host_maps_snapshot(int pid, size_t *len);

#endif
