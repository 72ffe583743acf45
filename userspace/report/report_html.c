// SPDX-License-Identifier: GPL-2.0
/*
 * --format html: one self-contained page (html_page.html, compiled in):
 * the per-vCPU time breakdown as bars, the vCPU timeline with the steal
 * culprits, and a zoomable flame graph of the guest and host frames.  No
 * network and no external script: the page draws itself from one JSON
 * block written here, so it opens from a mail attachment or a ticket.
 *
 * The JSON sits in <script type="application/json">: every string in it
 * may come from the guest, so '<', '>' and '&' are written as \u escapes
 * and no name can close the element or start markup; the page puts names
 * in the document as text, never as markup.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html_page.h"
#include "report.h"
#include "vcpu_states.h"

#define DATA_MARK "<!--VMPROF-DATA-->"

struct html_track {
	struct analysis *a;
	FILE *out;
	u64 base;
	u32 ntracks;
	bool comma;	/* a slice is on the track: the next one follows a comma */
};

static u64 rel_us(const struct html_track *t, u64 ns)
{
	return ((ns > t->base ? ns - t->base : 0) + 500) / 1000;
}

static void html_track(void *ctx, u32 vcpu, u32 tid)
{
	struct html_track *t = ctx;

	fprintf(t->out, "%s\n{\"vcpu\":%u,\"tid\":%u,\"slices\":[",
		t->ntracks++ ? "]}," : "", vcpu, tid);
	t->comma = false;
}

/* [start µs, duration µs, state, what]: what is the exit or the culprit */
static void html_slice(void *ctx, const struct vs_slice *s)
{
	struct html_track *t = ctx;
	u64 start = rel_us(t, s->start), end = rel_us(t, s->end);
	char name[160], what[128];
	if (end == start)
		return;
	vs_slice_name(t->a, s, name, sizeof(name), what, sizeof(what));
	/* the page names and colours all steal by what: "steal: softirq" */
	fprintf(t->out, "%s[%" PRIu64 ",%" PRIu64 ",%u,", t->comma ? "," : "",
		start, end - start, vs_is_steal(s->state) ? VS_STEAL : s->state);
	json_str_html(t->out, what);
	fputc(']', t->out);
	t->comma = true;
}

static const struct vs_ops html_ops = {
	.track = html_track, .slice = html_slice,
};

/* "frame;frame;frame count" lines as [["frame;frame;frame", count], ...] */
static void write_folded(FILE *out, const char *folded)
{
	const char *line = folded, *nl, *sp;
	bool first = true;
	char *stack;

	for (; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			nl = line + strlen(line);
		sp = memrchr(line, ' ', (size_t)(nl - line));
		if (sp && sp > line) {
			stack = xasprintf("%.*s", (int)(sp - line), line);
			fputs(first ? "\n[" : ",\n[", out);
			json_str_html(out, stack);
			fprintf(out, ",%" PRIu64 "]", (u64)strtoull(sp + 1, NULL, 10));
			free(stack);
			first = false;
		}
		if (!*nl)
			break;
	}
}

int print_html(struct analysis *a, const char *folded, FILE *out)
{
	struct html_track t = { .a = a, .out = out,
				.base = analysis_begin_ns(a) };
	const char *mark = strstr(html_page, DATA_MARK);
	u64 end = analysis_end_ns(a);
	u32 i;

	if (!mark) {	/* the build put the page in: it has the mark */
		pr_err("the compiled-in page has no %s", DATA_MARK);
		return -1;
	}
	fwrite(html_page, 1, (size_t)(mark - html_page), out);
	fputs("<script type=\"application/json\" id=\"vmprof-data\">\n{\"vm\":",
	      out);
	json_str_html(out, a->vm_name[0] ? a->vm_name : "guest");
	fprintf(out, ",\"pid\":%u,\"period_ns\":%" PRIu64 ",\"duration_us\":%" PRIu64 ",\n\"states\":[",
		a->vmm_pid, a->period_ns, rel_us(&t, end > t.base ? end : t.base));
	for (i = 0; i < VS_NR_STATES; i++) {
		if (i)
			fputc(',', out);
		json_str_html(out, vs_state_names[i]);
	}
	fputs("],\n\"vcpus\":[", out);
	vcpu_states_walk(a, &html_ops, &t);
	fputs(t.ntracks ? "]}],\n\"folded\":[" : "],\n\"folded\":[", out);
	write_folded(out, folded ? folded : "");
	fputs("]}\n</script>\n", out);
	fputs(mark + strlen(DATA_MARK), out);
	return 0;
}
