// SPDX-License-Identifier: GPL-2.0
/* "vmprofctl status": what background collectors record (daemon.c). */
#include "cli.h"

static const char status_help[] =
"Usage: vmprofctl status [--vm VM] [-j]\n"
"\n"
"Show what each background collector records: VM, file, duration,\n"
"records, lost records and bytes.  A collector that failed (write error)\n"
"is reported on stderr with its reason, exit 1, until 'stop' clears it.\n"
"The collector of 'start --vm all' (--vm all) shows a line for the whole\n"
"and one per VM; in JSON one element per VM, with its state (recording,\n"
"exited, stopped, failed).\n"
"  -j, --json    a JSON array: vm, vm_pid, file, duration_ms, records,\n"
"                lost, bytes, agent_bytes per collector\n"
"\n"
"EXAMPLES\n"
"  vmprofctl status\n"
"  vmprofctl status --vm web1\n"
"  vmprofctl status -j\n";

int cmd_status(int argc, char **argv)
{
	return ctl_cmd("status", status_help, "status\n", argc, argv);
}
