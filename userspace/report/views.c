// SPDX-License-Identifier: GPL-2.0
/*
 * The report views: --view, its help, the man page (checked by cli.sh)
 * and which views fold all come from this table.  A new view is one file,
 * report_<name>.c, and one entry here (userspace/README.md).
 */
#include <string.h>

#include "report.h"

const struct report_view report_views[] = {
	{ "unified", .can_fold = true, .tables = { &functions_kind },
	  .output = report_unified },
	{ "host", .can_fold = true, .tables = { &functions_kind },
	  .output = report_host },
	{ "steal", .tables = { &steal_kind }, .output = report_steal },
	{ "exits", .tables = { &exit_reasons_kind, &exit_handlers_kind },
	  .output = report_exits },
	{ "timeline", .tables = { &timeline_kind, &legend_kind },
	  .prepare = timeline_prepare, .output = report_timeline },
	{ "vms", .tables = { &vms_kind, &steal_matrix_kind },
	  .output = report_vms },
	{ "breakdown", .tables = { &breakdown_kind },
	  .prepare = breakdown_prepare, .output = report_breakdown },
};

const size_t report_nviews = ARRAY_SIZE(report_views);

const struct report_view *report_view_find(const char *name)
{
	size_t i;

	for (i = 0; i < report_nviews; i++)
		if (!strcmp(name, report_views[i].name))
			return &report_views[i];
	return NULL;
}

char *report_view_names(bool fold_only, const char *sep, const char *last_sep,
			const char *first_note)
{
	const struct report_view *v[ARRAY_SIZE(report_views)];
	struct buf b = { 0 };
	size_t i, n = 0;

	for (i = 0; i < report_nviews; i++)
		if (!fold_only || report_views[i].can_fold)
			v[n++] = &report_views[i];
	for (i = 0; i < n; i++) {
		if (i)
			buf_append(&b, i + 1 == n ? last_sep : sep,
				   strlen(i + 1 == n ? last_sep : sep));
		buf_append(&b, v[i]->name, strlen(v[i]->name));
		if (!i && first_note)
			buf_append(&b, first_note, strlen(first_note));
	}
	buf_append(&b, "", 1);
	return (char *)b.data;
}
