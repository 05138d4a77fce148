// Writes a fixture set to a directory: one JSON file per case and index.json. Files a previous run listed in its
// index.json are removed first, so regenerating with a smaller count leaves no stale cases behind.
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  DEFAULT_FIXTURE_APPID,
  DEFAULT_FIXTURE_SEED,
  FIXTURE_FORMAT,
  KINDS_PER_SET,
  fixtureFileText,
  fixtureIndex,
  generateFixtures,
  type FixtureIndexEntry,
} from '../../client/fixtures.js';
import { CliError } from '../context.js';

export interface FixturesOptions {
  out: string;
  seed?: string;
  count?: number;
  appid?: string;
  onProgress?: (done: number, total: number) => void;
}

export interface FixturesResult {
  ok: true;
  dir: string;
  seed: string;
  count: number;
  appid: string;
  cases: number;
  files: number;
  byKind: Record<string, number>;
  seconds: number;
  casesPerSecond: number;
}

function previousFiles(dir: string): string[] {
  const index = join(dir, 'index.json');
  if (!existsSync(index)) return [];
  try {
    const parsed = JSON.parse(readFileSync(index, 'utf8')) as { format?: string; cases?: { file?: unknown }[] };
    if (parsed.format !== FIXTURE_FORMAT || !Array.isArray(parsed.cases)) return [];
    return parsed.cases.map((c) => c.file).filter((f): f is string => typeof f === 'string' && /^[\w.-]+\.json$/.test(f));
  } catch {
    return [];
  }
}

export function writeFixtures(o: FixturesOptions): FixturesResult {
  const seed = o.seed ?? DEFAULT_FIXTURE_SEED;
  const count = o.count ?? 1;
  const appid = o.appid ?? DEFAULT_FIXTURE_APPID;
  if (!Number.isInteger(count) || count < 1) throw new CliError(`--count must be a positive integer, got ${count}`, { code: 'usage', exitCode: 2 });
  if (!appid) throw new CliError('--app must not be empty', { code: 'usage', exitCode: 2 });
  const dir = resolve(o.out);
  const started = performance.now();
  try {
    mkdirSync(dir, { recursive: true });
    for (const f of previousFiles(dir)) rmSync(join(dir, f), { force: true });
  } catch (err) {
    throw new CliError(`cannot write to ${dir}: ${err instanceof Error ? err.message : err}`, { code: 'io', cause: err });
  }
  const total = count * KINDS_PER_SET;
  const entries: FixtureIndexEntry[] = [];
  const byKind: Record<string, number> = {};
  for (const c of generateFixtures({ seed, count, appid })) {
    const file = `${c.name}.json`;
    writeFileSync(join(dir, file), fixtureFileText(c));
    entries.push({ name: c.name, kind: c.kind, file, expect: 'error' in c.expect ? `error:${c.expect.error}` : 'plaintext' });
    byKind[c.kind] = (byKind[c.kind] ?? 0) + 1;
    if (entries.length % 64 === 0) o.onProgress?.(entries.length, total);
  }
  writeFileSync(join(dir, 'index.json'), `${JSON.stringify(fixtureIndex({ seed, count, appid }, entries), null, 2)}\n`);
  o.onProgress?.(entries.length, total);
  const seconds = (performance.now() - started) / 1000;
  return {
    ok: true,
    dir,
    seed,
    count,
    appid,
    cases: entries.length,
    files: entries.length + 1,
    byKind,
    seconds: Math.round(seconds * 1000) / 1000,
    casesPerSecond: Math.round(entries.length / Math.max(seconds, 1e-6)),
  };
}
