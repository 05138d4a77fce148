#!/usr/bin/env node
// CLI benchmarks (uses the build in dist/):
// 1. start-up: `wxlogin --help` against `node -e 0`, measured in the same run, median of 20 runs each, run
//    alternately so that machine noise hits both equally. Aim: at most 3x bare node.
// 2. fixture generation rate: cases per second, in process (generation only) and through the CLI (with the files).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'wxlogin.js');
const RUNS = Number(process.env.WXLOGIN_BENCH_RUNS ?? 20);

function time(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// Warm the file cache once for each.
time(['-e', '0']);
time([bin, '--help']);
const node = [];
const cli = [];
for (let i = 0; i < RUNS; i++) {
  node.push(time(['-e', '0']));
  cli.push(time([bin, '--help']));
}
const nodeMs = median(node);
const cliMs = median(cli);
console.log(`startup: node -e 0 median ${nodeMs.toFixed(1)} ms (min ${Math.min(...node).toFixed(1)}), wxlogin --help median ${cliMs.toFixed(1)} ms (min ${Math.min(...cli).toFixed(1)}), ${RUNS} runs each`);
console.log(`RATIO cli-help-startup-vs-node ${(cliMs / nodeMs).toFixed(2)} (aim <= 3)`);

const { generateFixtures, fixtureFileText, KINDS_PER_SET } = await import('../dist/src/client/fixtures.js');
const sets = 300;
let t0 = performance.now();
let bytes = 0;
for (const c of generateFixtures({ seed: 'bench', count: sets })) bytes += fixtureFileText(c).length;
let s = (performance.now() - t0) / 1000;
console.log(`fixtures in process: ${sets * KINDS_PER_SET} cases in ${s.toFixed(2)} s = ${Math.round((sets * KINDS_PER_SET) / s)} cases/s (${(bytes / 1e6).toFixed(1)} MB of JSON)`);

const dir = mkdtempSync(join(tmpdir(), 'wxlogin-bench-fixtures-'));
try {
  t0 = performance.now();
  const r = spawnSync(process.execPath, [bin, '--json', 'fixtures', '--out', dir, '--seed', 'bench', '--count', String(sets)], { encoding: 'utf8' });
  s = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`fixtures exited ${r.status}: ${r.stderr}`);
  const out = JSON.parse(r.stdout);
  console.log(`fixtures via CLI (files written): ${out.cases} cases, ${out.casesPerSecond} cases/s inside the command, ${Math.round(out.cases / s)} cases/s including start-up`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
