// SPDX-License-Identifier: GPL-2.0
//
// Decode a `vmprofctl report --format pprof` file (gzipped profile.proto)
// with the npm package pprof-format, Datadog's pprof encoder and decoder
// in JavaScript, and print what it read, one fact a line, for
// tests/pprof-format.sh:
//
//   sample_type TYPE UNIT              (in order)
//   period_type TYPE UNIT PERIOD
//   samples N VALUE0 VALUE1            (how many, and the values' sums)
//   label KEY VALUE VALUE0             (samples per label value, string or number)
//   tags KEY=VALUE;... VALUE0          (samples per set of labels besides vm and vcpu)
//   unlabelled KEY N                   (samples without that label)
//   stack VALUE0 VALUE1 ROOT;...;LEAF  (stacks with a [steal] or [halt] frame)
//
// Exits 1 if the file is not gzip or not a profile.
import fs from 'node:fs';
import zlib from 'node:zlib';
import { Profile } from 'pprof-format';

const file = process.argv[2];
if (!file) {
	console.error('usage: pprof-read.mjs PROFILE.pb.gz');
	process.exit(2);
}
const profile = Profile.decode(zlib.gunzipSync(fs.readFileSync(file)));
const str = (i) => profile.stringTable.strings[Number(i)];

for (const vt of profile.sampleType)
	console.log(`sample_type ${str(vt.type)} ${str(vt.unit)}`);
if (profile.periodType)
	console.log(`period_type ${str(profile.periodType.type)} ` +
		    `${str(profile.periodType.unit)} ${profile.period}`);

const functions = new Map(profile.function.map((f) => [String(f.id), str(f.name)]));
const locations = new Map(profile.location.map((l) =>
	[String(l.id), l.line.map((ln) => functions.get(String(ln.functionId)))]));
const labels = new Map(), missing = new Map(), tags = new Map();
let v0 = 0n, v1 = 0n;

for (const s of profile.sample) {
	const [a, b] = s.value.map(BigInt);
	v0 += a;
	v1 += b;
	const keys = new Set(), own = [];
	for (const l of s.label) {
		const val = Number(l.str) ? str(l.str) : String(l.num);
		const key = `${str(l.key)} ${val}`;
		keys.add(str(l.key));
		labels.set(key, (labels.get(key) ?? 0n) + a);
		if (!['vm', 'vcpu'].includes(str(l.key)))
			own.push(`${str(l.key)}=${val}`);
	}
	if (own.length) {
		const key = own.sort().join(';');
		tags.set(key, (tags.get(key) ?? 0n) + a);
	}
	for (const k of ['vcpu', 'vm'])
		if (!keys.has(k))
			missing.set(k, (missing.get(k) ?? 0) + 1);
	// location ids are leaf first
	const frames = s.locationId.flatMap((id) => locations.get(String(id)) ?? ['?']).reverse();
	if (frames.includes('[steal]') || frames.includes('[halt]'))
		console.log(`stack ${a} ${b} ${frames.join(';')}`);
}
console.log(`samples ${profile.sample.length} ${v0} ${v1}`);
for (const [key, n] of labels)
	console.log(`label ${key} ${n}`);
for (const [key, n] of missing)
	console.log(`unlabelled ${key} ${n}`);
for (const [key, n] of tags)
	console.log(`tags ${key} ${n}`);
