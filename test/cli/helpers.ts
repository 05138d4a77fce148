// Runs the built CLI (`node bin/wxlogin.js`) as a subprocess, the way users run it. `npm test` builds first; a bare
// `vitest run` builds once when dist/ is missing (a lock directory keeps parallel test files from building twice).
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(ROOT, 'bin', 'wxlogin.js');

export function ensureBuilt(): void {
  const main = join(ROOT, 'dist', 'src', 'cli', 'main.js');
  if (existsSync(main)) return;
  const lock = join(ROOT, 'dist.build-lock');
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      spawnSync('sleep', ['0.5']);
      if (existsSync(main)) return;
    }
  }
  try {
    if (!existsSync(main)) spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', ROOT], { stdio: 'inherit' });
  } finally {
    rmdirSync(lock);
  }
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment a CI job would give: no colours forced, not a TTY. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.FORCE_COLOR;
  delete env.NO_COLOR;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export function run(
  args: string[],
  opts: { env?: Record<string, string | undefined>; timeoutMs?: number; cwd?: string; input?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { env: cleanEnv(opts.env), timeout: opts.timeoutMs ?? 60_000, cwd: opts.cwd ?? ROOT, maxBuffer: 32 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(opts.input ?? '');
  });
}

/** Starts a long-running command (`up`) and resolves with its first stdout line that parses as JSON. */
export function startJson(args: string[], opts: { env?: Record<string, string | undefined>; cwd?: string } = {}): Promise<{ child: ChildProcess; ready: Record<string, unknown>; stderr: () => string; exited: Promise<number | null> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: cleanEnv(opts.env), cwd: opts.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      for (const line of out.split('\n')) {
        try {
          const v = JSON.parse(line) as Record<string, unknown>;
          if (v && typeof v === 'object') return resolve({ child, ready: v, stderr: () => err, exited });
        } catch {
          // not yet a whole line
        }
      }
    });
    child.on('exit', (code) => reject(new Error(`exited ${code} before it was ready: ${err}`)));
  });
}

/** Started CLI processes still running when a test ends are killed by killStarted() (call it in afterEach). */
const started: ChildProcess[] = [];
export function killStarted(): void {
  for (const p of started.splice(0)) if (p.exitCode === null) p.kill('SIGKILL');
}

/**
 * The built CLI as a long-running subprocess (a server): its output collected, `output(pattern)` resolving once
 * stdout matches (or rejecting with everything it printed when it exits first), `exited` with its exit code.
 */
export function startCli(args: string[], o: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: o.env ?? process.env, ...(o.cwd ? { cwd: o.cwd } : {}) });
  started.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  const output = (pattern: RegExp) =>
    new Promise<string>((res, rej) => {
      const timer = setInterval(() => {
        if (pattern.test(out)) {
          clearInterval(timer);
          res(out);
        } else if (child.exitCode !== null) {
          clearInterval(timer);
          rej(new Error(`exited ${child.exitCode}: ${out}${err}`));
        }
      }, 20);
    });
  return { child, exited, output, stderr: () => err, stdout: () => out };
}
