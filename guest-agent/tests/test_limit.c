// SPDX-License-Identifier: GPL-2.0
/*
 * More guest processes than the host keeps (H7): the agent tells the host
 * of at most its max_procs live ones and sends maps only for those, so
 * that the host drops nothing and fails nothing.  The agent sent a FULL
 * of the first max_procs and then the maps of every process, and the
 * host failed the whole stream on "maps for unknown tgid".
 *
 * Runs vmprof-agent-fakedev with VMPROF_TEST_MAX_PROCS=4 (the host's
 * 65,536 in the agent) on a snapshot of this program and 6 children, and
 * parses its stream with max_procs 4:
 *
 *   - the snapshot names 4 processes and maps only those;
 *   - a fork while 4 are live is not sent, nor are its maps;
 *   - after one of the 4 exits, a process left out execs: it is sent
 *     then, with its maps;
 *   - after another exits, a process left out that does nothing is sent
 *     at the agent's next wakeup, as a fork, with its maps.
 *
 * Usage: test_limit AGENT   (AGENT: the fakedev build)
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "agent_proto.h"
#include "fakedev.h"
#include "tests.h"
#include "../../proto/tests/tap.h"

#define LIMIT		4
#define NR_KIDS		6
#define ROOT(i)		(0x30000000ULL + (uint64_t)(i) * 0x2000)

static pid_t sleeper(void)
{
	pid_t pid = fork();

	if (!pid) {
		pause();
		_exit(0);
	}
	return pid;
}

static void reap(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

int main(int argc, char **argv)
{
	const struct vp_limits lim = { .max_procs = LIMIT };
	struct vmprof_guest_rec snap[NR_KIDS + 2];
	pid_t kids[NR_KIDS], left = 0, known = 0, late, agent, known2 = 0;
	pid_t all[NR_KIDS + 2], out[NR_KIDS + 2];
	int others_left = 0, others_named = 0, nr_out = 0;
	struct vmprof_guest_rec ev[3];
	struct fakedev dev;
	struct vp_parser *p;
	int i, status;

	if (argc != 2) {
		fprintf(stderr, "usage: test_limit AGENT\n");
		return 2;
	}
	if (fakedev_open(&dev))
		return tap_done();
	fakedev_rec(&snap[0], VMPROF_GUEST_SNAPSHOT, getpid(), ROOT(0), "test_limit");
	for (i = 0; i < NR_KIDS; i++) {
		kids[i] = sleeper();
		fakedev_rec(&snap[i + 1], VMPROF_GUEST_SNAPSHOT, kids[i],
			    ROOT(i + 1), "kid");
	}
	fakedev_rec(&snap[NR_KIDS + 1], VMPROF_GUEST_SNAPSHOT_END, 0, 0, "");
	fakedev_put(&dev, snap, NR_KIDS + 2);
	agent = fakedev_agent(&dev, argv[1], "VMPROF_TEST_MAX_PROCS=4");
	tap_ok(!wait_for(dev.err, "sent snapshot of 7 processes", 30),
	       "limit: the agent took a snapshot of 7 processes");

	/* Which children the snapshot named, as the host saw it. */
	p = parse_file_lim(dev.out, &lim);
	for (i = 0; p && i < NR_KIDS; i++) {
		if (!vp_lookup_tgid(p, (uint32_t)kids[i]))
			left = left ? left : kids[i];
		else if (!known)
			known = kids[i];
		else
			known2 = known2 ? known2 : kids[i];
	}
	tap_ok(p && !vp_parser_error(p)[0] && vp_state_nr_procs(p) == LIMIT &&
	       !vp_parser_dropped(p) && known && left,
	       "limit: the snapshot names 4 of 7 and sends no maps of the others");
	vp_parser_free(p);

	/*
	 * Four live: a fork is not sent.  Then one of the four exits and one
	 * left out execs, in one read of the agent's, before it has room
	 * for any other.
	 */
	late = sleeper();
	reap(known);
	fakedev_rec(&ev[0], VMPROF_GUEST_FORK, late, ROOT(NR_KIDS + 1), "late");
	fakedev_rec(&ev[1], VMPROF_GUEST_EXIT, known, 0, "kid");
	fakedev_rec(&ev[2], VMPROF_GUEST_EXEC, left, ROOT(NR_KIDS + 2), "left");
	fakedev_put(&dev, ev, 3);
	fakedev_drain(&dev);
	usleep(300000);		/* the read 200 ms after the exec */

	p = parse_file_lim(dev.out, &lim);
	tap_ok(p && !vp_parser_error(p)[0], "limit: the agent's stream parses");
	printf("# host dropped %llu process entries or maps\n",
	       p ? (unsigned long long)vp_parser_dropped(p) : 0ULL);
	tap_ok(p && !vp_parser_dropped(p) && !vp_lookup_tgid(p, (uint32_t)late),
	       "limit: a fork while 4 are live is not sent, nor its maps");
	tap_ok(p && vp_lookup_tgid(p, (uint32_t)left) &&
	       vp_lookup_tgid(p, (uint32_t)left)->nr_maps &&
	       !strcmp(vp_lookup_tgid(p, (uint32_t)left)->ent.comm, "left"),
	       "limit: a process left out is sent at its exec once one exited, with its maps");
	/*
	 * Those still left out: this program, children, the late one (the
	 * exited one is forgotten here, max_procs being 4).
	 */
	all[0] = getpid();
	memcpy(all + 1, kids, sizeof(kids));
	all[NR_KIDS + 1] = late;
	for (i = 0; p && i < NR_KIDS + 2; i++)
		if (all[i] != known && !vp_lookup_tgid(p, (uint32_t)all[i]))
			out[nr_out++] = all[i];
	vp_parser_free(p);

	/* Another exits: of those still left out, one has room now. */
	reap(known2);
	fakedev_event(&dev, VMPROF_GUEST_EXIT, known2, 0, "kid");
	fakedev_drain(&dev);
	usleep(1500000);	/* the agent's next wakeup: at most a second */
	kill(agent, SIGTERM);
	waitpid(agent, &status, 0);

	p = parse_file_lim(dev.out, &lim);
	for (i = 0; p && i < nr_out; i++) {
		const struct vp_proc *pr = vp_lookup_tgid(p, (uint32_t)out[i]);

		if (pr && !pr->exited && pr->nr_maps &&
		    pr->ent.event == VP_EV_FORK)
			others_named++;
		else if (!pr)
			others_left++;
	}
	printf("# after two exits: %d of %d left out named\n", others_named,
	       nr_out);
	tap_ok(p && !vp_parser_error(p)[0] && !vp_parser_dropped(p) &&
	       nr_out && others_named == 1 && others_left == nr_out - 1,
	       "limit: once another exits, one more left out is sent at the next wakeup, with its maps");
	tap_ok(!wait_for(dev.err, "more than 4 processes", 0.1),
	       "limit: the agent says so (verbose)");
	vp_parser_free(p);
	for (i = 0; i < NR_KIDS; i++)
		if (kids[i] != known && kids[i] != known2)
			reap(kids[i]);
	reap(late);
	fakedev_close(&dev);
	return tap_done();
}
