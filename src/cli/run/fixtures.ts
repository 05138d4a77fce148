// Writes a fixture set to a directory: one JSON file per case and index.json. --out may name a directory someone
// else prepared (a shared checkout, a world-writable tmp), so the writer deletes and overwrites only what it could
// have written itself:
// - a directory is a fixture set when its index.json is a regular file in this generator's format; only the cases
//   that index lists are removed before a rerun (so a smaller --count leaves no stale cases behind), and only when
//   their names are ones the generator produces (KIND.json, KIND-N.json: no path separator, no `..`);
// - a non-empty directory that is not a fixture set is refused unless --force;
// - nothing is written through a symbolic link: --out being a link is refused, and so is a link on the way to it
//   that someone else could have planted; a link (or any other entry) standing where a case file goes is unlinked
//   and a new file created with O_EXCL | O_NOFOLLOW, so neither a symlink nor a hard link to a file elsewhere gets
//   its target overwritten.
import { closeSync, constants, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, statSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { join, parse, relative, resolve, sep } from 'node:path';
import {
  DEFAULT_FIXTURE_APPID,
  DEFAULT_FIXTURE_SEED,
  FIXTURE_FORMAT,
  FIXTURE_KINDS,
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
  /** Write into a non-empty directory that holds no fixture set (only case files and index.json are replaced). */
  force?: boolean;
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

const INDEX = 'index.json';

// The names generateFixtures gives its cases (`${kind}` or `${kind}-${set}`), as files.
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const CASE_FILE = new RegExp(`^(?:${Object.keys(FIXTURE_KINDS).map(escape).join('|')})(?:-\\d+)?\\.json$`);

/** Whether `name` is a file name this generator writes for a case: never a path, never `..`. */
export function isCaseFileName(name: string): boolean {
  return CASE_FILE.test(name);
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function ioError(what: string, err: unknown): CliError {
  if (err instanceof CliError) return err;
  return new CliError(`${what}: ${err instanceof Error ? err.message : err}`, { code: 'io', cause: err });
}

function symlinkError(path: string, why: string): CliError {
  let target = '';
  try {
    target = ` (to ${readlinkSync(path)})`;
  } catch {
    // unreadable link: the path alone says enough
  }
  return new CliError(`--out: ${path} is a symbolic link${target}${why}; fixtures are never written through such a link: give the real directory instead`, {
    code: 'symlink',
    exitCode: 2,
  });
}

/**
 * Whether a link in `parent` may have been planted: unless the directory holding it is owned by root or by us and
 * writable by no one else, someone else could have put it there. (/var -> /private/var on macOS passes: only root
 * made it.)
 */
function othersCouldPlant(parent: string): boolean {
  const uid = process.getuid?.();
  if (uid === undefined) return true;
  const st = statSync(parent);
  return (st.uid !== 0 && st.uid !== uid) || (st.mode & 0o022) !== 0;
}

/**
 * Refuses --out when it is a symbolic link, or when a directory on the way to it is a link someone else could have
 * planted (see othersCouldPlant). Components that do not exist yet are left to mkdir.
 */
function refuseSymlinks(dir: string): void {
  let cur = parse(dir).root;
  for (const part of relative(cur, dir).split(sep).filter(Boolean)) {
    const parent = cur;
    cur = join(cur, part);
    const st = lstatOrUndefined(cur);
    if (!st) return;
    if (!st.isSymbolicLink()) continue;
    if (cur === dir) throw symlinkError(cur, '');
    if (othersCouldPlant(parent)) throw symlinkError(cur, `, in ${parent} where others can create entries`);
  }
}

/** The case files the directory's previous index.json lists, or undefined when that index is not this generator's. */
function ownPreviousCases(dir: string): string[] | undefined {
  const index = join(dir, INDEX);
  const st = lstatOrUndefined(index);
  if (!st?.isFile()) return undefined;
  let parsed: { format?: unknown; cases?: unknown };
  try {
    parsed = JSON.parse(readFileSync(index, 'utf8')) as typeof parsed;
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || parsed.format !== FIXTURE_FORMAT || !Array.isArray(parsed.cases)) return undefined;
  return parsed.cases
    .map((c: unknown) => (c !== null && typeof c === 'object' ? (c as { file?: unknown }).file : undefined))
    .filter((f): f is string => typeof f === 'string' && isCaseFileName(f));
}

/**
 * Creates `name` in `dir` afresh: whatever stands there (a file, a symlink, a hard link) is unlinked, never
 * followed or truncated, and the new file is opened O_EXCL | O_NOFOLLOW so a link planted in between is not used.
 */
function writeFresh(dir: string, name: string, text: string): void {
  const path = join(dir, name);
  try {
    const st = lstatOrUndefined(path);
    if (st?.isDirectory()) throw new CliError(`cannot write ${path}: a directory is in the way`, { code: 'io' });
    if (st) unlinkSync(path);
    const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o666);
    try {
      writeFileSync(fd, text);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw ioError(`cannot write ${path}`, err);
  }
}

/** Makes sure `dir` is a real directory fit to hold a fixture set; returns the stale cases to remove first. */
function prepareDir(dir: string, force: boolean): string[] {
  refuseSymlinks(dir);
  try {
    if (!lstatOrUndefined(dir)) mkdirSync(dir, { recursive: true });
    const st = lstatSync(dir);
    if (st.isSymbolicLink()) throw symlinkError(dir, '');
    if (!st.isDirectory()) throw new CliError(`--out: ${dir} exists and is not a directory`, { code: 'usage', exitCode: 2 });
    const previous = ownPreviousCases(dir);
    if (previous === undefined && readdirSync(dir).length > 0 && !force) {
      throw new CliError(
        `--out: ${dir} is not empty and holds no fixture set (no ${INDEX} of format ${FIXTURE_FORMAT}); ` +
          'give an empty or new directory, or pass --force to write into it anyway (only case files and index.json are replaced)',
        { code: 'not_fixtures_dir', exitCode: 2 },
      );
    }
    return previous ?? [];
  } catch (err) {
    throw ioError(`cannot write to ${dir}`, err);
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
  const stale = prepareDir(dir, o.force === true);
  for (const f of stale) {
    const path = join(dir, f);
    try {
      // unlink removes a link itself, not what it points to; a directory under a case's name is left alone.
      const st = lstatOrUndefined(path);
      if (st && !st.isDirectory()) unlinkSync(path);
    } catch (err) {
      throw ioError(`cannot remove the stale case ${path}`, err);
    }
  }
  const total = count * KINDS_PER_SET;
  const entries: FixtureIndexEntry[] = [];
  const byKind: Record<string, number> = {};
  for (const c of generateFixtures({ seed, count, appid })) {
    const file = `${c.name}.json`;
    writeFresh(dir, file, fixtureFileText(c));
    entries.push({ name: c.name, kind: c.kind, file, expect: 'error' in c.expect ? `error:${c.expect.error}` : 'plaintext' });
    byKind[c.kind] = (byKind[c.kind] ?? 0) + 1;
    if (entries.length % 64 === 0) o.onProgress?.(entries.length, total);
  }
  writeFresh(dir, INDEX, `${JSON.stringify(fixtureIndex({ seed, count, appid }, entries), null, 2)}\n`);
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
