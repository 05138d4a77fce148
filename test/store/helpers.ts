// Second processes for the store tests: a redis-server of their own on a free port, and a process that holds an
// SQLite file's write lock.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';

export const hasRedisServer = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

export async function startRedis(port: number, extra: string[] = []): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra], { stdio: 'ignore' });
  const deadline = Date.now() + 5000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const sock = connect(port, '127.0.0.1');
      sock.once('connect', () => (sock.destroy(), resolve(true)));
      sock.once('error', () => (sock.destroy(), resolve(false)));
    });
    if (up) return child;
    if (Date.now() > deadline) throw new Error('redis-server did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const stopProcess = (c: ChildProcess) =>
  new Promise<void>((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve() : (c.once('exit', () => resolve()), c.kill('SIGKILL'))));

// A plain node process with the sqlite3 module (resolved from the project): BEGIN IMMEDIATE, say "locked", hold the
// write lock until a line arrives on stdin, then roll back (or commit, with "commit") and exit.
const HOLDER = `
const sqlite3 = require('sqlite3');
const db = new sqlite3.Database(process.argv[1]);
db.exec('BEGIN IMMEDIATE', (err) => {
  if (err) { process.stderr.write(err.message + '\\n'); process.exit(1); }
  process.stdout.write('locked\\n');
  process.stdin.once('data', (d) => {
    const end = String(d).trim() === 'commit' ? 'COMMIT' : 'ROLLBACK';
    db.exec(end, (e) => { if (e) process.exit(2); db.close(() => process.exit(0)); });
  });
});`;

export interface LockHolder {
  /** Ends the other process's transaction and waits for it to exit. */
  release(): Promise<void>;
}

/** Another OS process takes the write lock of the SQLite file at path and keeps it until release(). */
export async function holdSqliteWriteLock(path: string): Promise<LockHolder> {
  const child = spawn(process.execPath, ['-e', HOLDER, path], { cwd: process.cwd(), stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`lock holder exited ${code}: ${stderr}`)));
  });
  return {
    async release() {
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.stdin.write('rollback\n');
      const code = await exited;
      if (code !== 0) throw new Error(`lock holder exited ${code}: ${stderr}`);
    },
  };
}

/** Runs one SQL statement on the file from a separate connection and returns its rows. */
export async function sqliteAll(path: string, sql: string): Promise<Record<string, unknown>[]> {
  const { default: sqlite3 } = await import('sqlite3');
  const db = await new Promise<import('sqlite3').Database>((resolve, reject) => {
    const d = new sqlite3.Database(path, (err) => (err ? reject(err) : resolve(d)));
  });
  try {
    return await new Promise((resolve, reject) => db.all(sql, (err, rows) => (err ? reject(err) : resolve(rows as Record<string, unknown>[]))));
  } finally {
    await new Promise<void>((r) => db.close(() => r()));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until check() holds (polling), failing after a generous bound: for states a test cannot await directly. */
export async function until(check: () => Promise<boolean> | boolean, boundMs = 10_000): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(2);
  }
}
