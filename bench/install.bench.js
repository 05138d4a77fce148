#!/usr/bin/env node
// Install time of a light install (`npm ci --omit=optional`: no sqlite3, nothing compiled) against a full one
// (`npm ci`: sqlite3 built from source when no prebuilt binary fits), from the same checkout, in the same run, with
// the same (warm) npm cache. Aim: the light install within 30 s on a 2-core machine. Each install also builds
// wxlogin (the `prepare` script). Knobs (env): BENCH_INSTALL_FULL=0 skips the full install (it takes minutes).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function checkout() {
  const dir = mkdtempSync(join(tmpdir(), 'wxlogin-install-'));
  // The committed tree, as a clone would have it (no node_modules, no dist).
  const tar = execFileSync('git', ['-C', root, 'archive', 'HEAD'], { maxBuffer: 256 * 1024 * 1024 });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  return dir;
}

function install(args) {
  const dir = checkout();
  const t0 = performance.now();
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', ...args], { cwd: dir, encoding: 'utf8' });
  const s = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`npm ci ${args.join(' ')} failed: ${r.stderr.slice(-600)}`);
  // The light install works for what does not need SQLite: the main command.
  const flow = spawnSync(process.execPath, [join(dir, 'bin', 'wxlogin.js'), 'flow', '--json'], { cwd: dir, encoding: 'utf8' });
  const ok = flow.status === 0;
  rmSync(dir, { recursive: true, force: true });
  return { s, ok };
}

// Warm the cache first (both sets of packages), so neither side pays for downloads.
install([]);
const light = install(['--omit=optional']);
const full = process.env.BENCH_INSTALL_FULL === '0' ? undefined : install([]);
console.log(`light install (npm ci --omit=optional): ${light.s.toFixed(1)} s, wxlogin flow ${light.ok ? 'ok' : 'FAILED'}`);
if (full) console.log(`full install (npm ci): ${full.s.toFixed(1)} s, wxlogin flow ${full.ok ? 'ok' : 'FAILED'}`);
console.log(`RATIO light-install-seconds ${light.s.toFixed(1)} (aim <= 30)`);
if (full) console.log(`RATIO light-vs-full-install ${(light.s / full.s).toFixed(2)} (the light install's share of a full one)`);
if (!light.ok || (full && !full.ok)) process.exitCode = 1;
