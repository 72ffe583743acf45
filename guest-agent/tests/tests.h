/* SPDX-License-Identifier: GPL-2.0 */
/* What the agent's C tests share. */
#ifndef VMPROF_AGENT_TESTS_H
#define VMPROF_AGENT_TESTS_H

#include <stdio.h>

#include "agent_proto.h"

/*
 * The host's parser, with @lim (NULL: the defaults), fed a stream file; a
 * failure is said as a comment.
 */
static inline struct vp_parser *parse_file_lim(const char *path,
					       const struct vp_limits *lim)
{
	struct vp_parser *p = vp_parser_new(lim, NULL, NULL);
	char buf[65536];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f || !p)
		return p;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (vp_parser_feed(p, buf, n)) {
			printf("# %s: %s\n", path, vp_parser_error(p));
			break;
		}
	fclose(f);
	return p;
}

static inline struct vp_parser *parse_file(const char *path)
{
	return parse_file_lim(path, NULL);
}

#endif /* VMPROF_AGENT_TESTS_H */
