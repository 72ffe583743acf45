// SPDX-License-Identifier: GPL-2.0
//
// Load a `vmprofctl report --format perfetto` file with Chrome DevTools'
// trace engine (@paulirish/trace_engine: the model behind DevTools'
// Performance panel, which reads the Chrome Trace Event format as
// chrome://tracing and ui.perfetto.dev do) and print what it understood,
// one fact a line, for tests/perfetto.sh:
//
//   process PID NAME
//   thread NAME tid=TID slices=N roots=N instants=N
//   slice THREAD COUNT TOTAL_US NAME      (per thread and slice name)
//   instant THREAD COUNT NAME             (a thread's 20 commonest instants)
//   args THREAD KEYS                      (the args keys of its instants)
//   warning TEXT                          (what the engine warned about)
//
// roots: the slices that the engine's tree puts at the top; a slice it
// nests under another overlapped it.  Exits 1 if the engine fails.
import fs from 'node:fs';
import * as Trace from '@paulirish/trace_engine';

// The engine runs in a browser; Node lacks only DOMRect (its README says so).
globalThis.DOMRect ??= class DOMRect {
	constructor(x = 0, y = 0, width = 0, height = 0) {
		Object.assign(this, { x, y, width, height });
	}
};
// One of its insights sorts with toSorted(), Node 20's: Debian 12's Node 18 lacks it.
if (!Array.prototype.toSorted) {
	Object.defineProperty(Array.prototype, 'toSorted', {
		value(compare) { return [...this].sort(compare); },
	});
}
// And URL.parse(), Node 22's (backported to 20): Node 18 lacks it too.
if (typeof URL.parse !== 'function') {
	URL.parse = (url, base) => {
		try {
			return new URL(url, base);
		} catch {
			return null;
		}
	};
}

const file = process.argv[2];
if (!file) {
	console.error('usage: perfetto-read.mjs TRACE.json');
	process.exit(2);
}
const json = JSON.parse(fs.readFileSync(file, 'utf8'));
const model = Trace.TraceModel.Model.createWithAllHandlers();
await model.parse(json.traceEvents ?? json);
const parsed = model.parsedTrace();
const data = parsed.data;

for (const [pid, ev] of data.Meta.processNames)
	console.log(`process ${pid} ${ev.args.name}`);
for (const [pid, proc] of data.Renderer.processes) {
	for (const [tid, thread] of proc.threads) {
		const slices = thread.entries.filter((e) => e.ph === 'X');
		const instants = thread.entries.filter((e) => e.ph === 'I' || e.ph === 'i');
		console.log(`thread ${thread.name} tid=${tid} pid=${pid} slices=${slices.length} ` +
			    `roots=${[...(thread.tree?.roots ?? [])].filter((n) => n.entry.ph === 'X').length} instants=${instants.length}`);
		const byName = new Map();
		// the engine keeps ts and dur in microseconds, as in the file
		for (const s of slices) {
			const n = byName.get(s.name) ?? { count: 0, us: 0 };
			n.count++;
			n.us += s.dur;
			byName.set(s.name, n);
		}
		for (const [name, n] of byName)
			console.log(`slice ${thread.name} ${n.count} ${n.us.toFixed(3)} ${name}`);
		const names = new Map(), keys = new Set();
		for (const i of instants) {
			names.set(i.name, (names.get(i.name) ?? 0) + 1);
			for (const k of Object.keys(i.args ?? {}))
				keys.add(k);
		}
		for (const [name, count] of [...names].sort((x, y) => y[1] - x[1]).slice(0, 20))
			console.log(`instant ${thread.name} ${count} ${name}`);
		if (instants.length)
			console.log(`args ${thread.name} ${[...keys].sort().join(',')}`);
	}
}
for (const [warning, events] of data.Warnings?.perWarning ?? [])
	console.log(`warning ${warning} ${events.length}`);
