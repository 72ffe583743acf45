// SPDX-License-Identifier: GPL-2.0
/* "vmprofctl list": every KVM VM on the host. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "vm_find.h"

static const char list_help[] =
"Usage: vmprofctl list [-j]\n"
"\n"
"List every KVM VM on this host: VMM pid, name (QEMU -name or libvirt),\n"
"libvirt domain id, and vCPU ids with their thread ids.\n"
"\n"
"Options:\n"
"  -j, --json   JSON output\n"
"  -h, --help   this help\n"
"\n"
"EXAMPLES\n"
"  vmprofctl list\n"
"  sudo vmprofctl list --json\n";

static void print_vcpus(const struct vm_info *vm, bool json)
{
	u32 i;

	for (i = 0; i < vm->nvcpus; i++) {
		if (json)
			printf("%s{\"id\":%u,\"tid\":%u}", i ? "," : "",
			       vm->vcpus[i].id, vm->vcpus[i].tid);
		else
			printf("%s%u:%u", i ? "," : "", vm->vcpus[i].id,
			       vm->vcpus[i].tid);
	}
}

static void print_vm(const struct vm_info *vm, bool json, bool first)
{
	if (json) {
		printf("%s{\"pid\":%d,\"name\":\"%s\",\"uuid\":\"%s\",\"libvirt_id\":%d,\"vcpus\":[",
		       first ? "" : ",", (int)vm->pid, vm->name, vm->uuid,
		       vm->libvirt_id);
		print_vcpus(vm, true);
		printf("]}");
		return;
	}
	char id[16] = "-";

	if (vm->libvirt_id >= 0)
		snprintf(id, sizeof(id), "%d", vm->libvirt_id);
	printf("%-8d %-24s %-10s %-6u ", (int)vm->pid,
	       vm->name[0] ? vm->name : "-", id, vm->nvcpus);
	print_vcpus(vm, false);
	putchar('\n');
}

static int list_opt(void *json, int c, const char *arg)
{
	(void)arg;
	if (c != 'j')
		return OPT_NOT_HERE;
	*(bool *)json = true;
	return 0;
}

int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct cmd_options co = {
		"list", list_help, "jh", opts, list_opt,
	};
	struct vm_info *vms;
	bool json = false;
	int ret, denied;
	size_t n, i;

	ret = parse_options(&co, &json, argc, argv);
	if (ret)
		return ret == OPTIONS_HELP ? EXIT_OK : ret;
	n = vm_scan(&vms, &denied);
	libvirt_annotate(vms, n);
	if (json)
		printf("[");
	else
		printf("%-8s %-24s %-10s %-6s %s\n", "PID", "NAME", "LIBVIRT", "VCPUS",
		       "VCPU:TID");
	for (i = 0; i < n; i++)
		print_vm(&vms[i], json, !i);
	if (json)
		printf("]\n");
	if (denied)
		fprintf(stderr, "vmprofctl: %d processes could not be inspected; run as root to see all VMs\n",
			denied);
	if (!libvirt_available && !json)
		fprintf(stderr, "vmprofctl: built without libvirt: install libvirt-dev and rebuild to show libvirt domain ids\n");
	vm_list_free(vms, n);
	return EXIT_OK;
}
