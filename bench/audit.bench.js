#!/usr/bin/env node
// How long `wxlogin audit` takes against the embedded reference backend (aim: under 30 s on a 2-core machine,
// without --prove), as the built CLI runs it, with `wxlogin flow` (one user's whole journey against the same
// embedded stack) measured in the same run as the baseline. Knobs (env): BENCH_AUDIT_ROUNDS (3).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, '..', 'bin', 'wxlogin.js');
const ROUNDS = Number(process.env.BENCH_AUDIT_ROUNDS ?? 3);

function timed(args) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const s = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`wxlogin ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(0, 400)}`);
  return { s, out: r.stdout };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const audits = [];
const flows = [];
let last;
for (let i = 0; i < ROUNDS; i++) {
  flows.push(timed(['flow', '--json']).s);
  const a = timed(['audit', '--json']);
  audits.push(a.s);
  last = JSON.parse(a.out);
}
console.log(`audit rounds: ${audits.map((s) => s.toFixed(1)).join(', ')} s (flow: ${flows.map((s) => s.toFixed(2)).join(', ')} s)`);
console.log(`audit: ${last.results.length} checks, ${last.counts.pass} passed, ${last.counts.fail} failed, ${last.counts.na} not applicable`);
const slowest = [...last.results].sort((a, b) => b.ms - a.ms).slice(0, 5);
console.log(`slowest checks: ${slowest.map((r) => `${r.id} ${(r.ms / 1000).toFixed(1)} s`).join(', ')}`);
console.log(`RATIO audit-seconds ${median(audits).toFixed(1)} (aim <= 30)`);
console.log(`RATIO audit-vs-flow ${(median(audits) / median(flows)).toFixed(1)} (the time of one whole flow against the same stack, for scale)`);
