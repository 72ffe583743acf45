// SPDX-License-Identifier: GPL-2.0
/* "vmprofctl stop": stop background collectors (daemon.c). */
#include "cli.h"

static const char stop_help[] =
"Usage: vmprofctl stop [--vm VM]\n"
"\n"
"Stop a background collector: it drains the kernel buffers, closes the\n"
"data file and prints its final counts.  Without --vm, stop all; --vm\n"
"all stops the collector of 'start --vm all' (every VM's file).  A\n"
"collector that failed (write error) is reported on stderr, exit 1.\n"
"\n"
"EXAMPLES\n"
"  vmprofctl stop --vm pid:4242\n"
"  vmprofctl stop --vm all\n"
"  vmprofctl stop\n";

int cmd_stop(int argc, char **argv)
{
	return ctl_cmd("stop", stop_help, "stop\n", argc, argv);
}
