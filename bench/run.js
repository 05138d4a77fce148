#!/usr/bin/env node
// Runs every bench/*.bench.js in its own process, one after another (2 cores: never in parallel), and prints a
// summary of the ratio lines they report. Each benchmark measures its own baseline in the same run and prints lines
// `RATIO <name> <value> (aim <op> <target>)` so that the summary can collect them.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const ratios = [];
let failed = 0;
for (const f of files) {
  process.stdout.write(`\n== ${f}\n`);
  const r = spawnSync(process.execPath, [join(here, f)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(r.stdout);
  if (r.status !== 0) {
    failed++;
    process.stdout.write(`!! ${f} exited with ${r.status ?? r.signal}\n`);
  }
  for (const line of r.stdout.split('\n')) if (line.startsWith('RATIO ')) ratios.push(line.slice(6));
}
process.stdout.write('\n== summary (ratio to a baseline measured in the same run)\n');
for (const line of ratios) process.stdout.write(`  ${line}\n`);
process.exitCode = failed ? 1 : 0;
