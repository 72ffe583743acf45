// SPDX-License-Identifier: GPL-2.0
/*
 * The agent starts as root but needs only a few capabilities: reading
 * other users' /proc/PID/maps (CAP_SYS_PTRACE), opening the mapped files
 * through /proc/PID/map_files (CAP_CHECKPOINT_RESTORE) or by path
 * whatever their permissions (CAP_DAC_READ_SEARCH), and the addresses of
 * /proc/kallsyms (CAP_SYSLOG).  The module's device is root's and opened
 * as its owner.  Everything else is dropped for good before any guest
 * data is read, since the agent parses files any guest user can craft.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "agent.h"

#ifndef CAP_CHECKPOINT_RESTORE
#define CAP_CHECKPOINT_RESTORE	40
#endif

static const int agent_caps[] = {
	CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE, CAP_SYSLOG, CAP_CHECKPOINT_RESTORE,
};

static int last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int last = CAP_LAST_CAP;

	if (f) {
		if (fscanf(f, "%d", &last) != 1 || last < 0 || last > 63)
			last = CAP_LAST_CAP;
		fclose(f);
	}
	return last;
}

uint64_t agent_cap_mask(void)
{
	int last = last_cap();
	uint64_t m = 0;
	size_t i;

	for (i = 0; i < sizeof(agent_caps) / sizeof(agent_caps[0]); i++)
		if (agent_caps[i] <= last)
			m |= 1ull << agent_caps[i];
	return m;
}

int drop_privileges(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];
	uint64_t have, keep;
	int cap, last = last_cap();

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d))
		goto fail;
	have = d[0].permitted | (uint64_t)d[1].permitted << 32;
	keep = agent_cap_mask() & have;
	/*
	 * Only with CAP_SETPCAP (root, not a unit that bounded it already):
	 * uid 0 would get every capability back at an execve(), and the
	 * bounding set is what a later exploit could raise caps up to.
	 */
	if (have & (1ull << CAP_SETPCAP)) {
		if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED,
			  0, 0, 0))
			goto fail;
		for (cap = 0; cap <= last; cap++)
			if (!(keep >> cap & 1) &&
			    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EINVAL)
				goto fail;
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	memset(d, 0, sizeof(d));
	d[0].effective = d[0].permitted = (uint32_t)keep;
	d[1].effective = d[1].permitted = (uint32_t)(keep >> 32);
	if (syscall(SYS_capset, &h, d))
		goto fail;
	/* No setuid or file capabilities for anything it could run. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		goto fail;
	if (agent_verbose)
		agent_log("capabilities now 0x%llx", (unsigned long long)keep);
	return 0;
fail:
	fprintf(stderr, PROG ": cannot drop privileges: %s\n", strerror(errno));
	return -1;
}
