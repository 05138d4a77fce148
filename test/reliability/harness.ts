// Shared pieces of the reliability suite: the mock in this process on a real port, backends as real child processes
// started through the built CLI (so a SIGKILL is a real crash), and a tiny JSON HTTP client.
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { buildMockWechat, type MockOptions } from '../../mock-wechat/index.js';
import { APP, SEED } from './settings.js';

export const BIN = fileURLToPath(new URL('../../bin/wxlogin.js', import.meta.url));

export async function startMock(opts: MockOptions = {}) {
  const mock = buildMockWechat({ seed: SEED, apps: [APP], loginRateLimitPerMinute: 0, logger: false, ...opts });
  const url = (await mock.app.listen({ host: '127.0.0.1', port: 0 })).replace(/\/$/, '');
  return { ...mock, url, close: () => mock.app.close() };
}

export interface BackendProcess {
  url: string;
  child: ChildProcess;
  /** Resolves with the exit code or signal. */
  exited: Promise<number | string>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Starts `wxlogin backend` on a free port and waits for its JSON start line. */
export async function spawnBackend(args: { apiBase: string; store: string; extra?: string[]; env?: Record<string, string> }): Promise<BackendProcess> {
  const child = spawn(
    process.execPath,
    [BIN, '--json', 'backend', '--port', '0', '--api-base', args.apiBase, '--store', args.store, '--rate-limit', '0', '--log-level', 'silent', ...(args.extra ?? [])],
    {
      env: { ...process.env, WX_APPID: APP.appid, WX_SECRET: APP.secret, NO_COLOR: '1', ...(args.env ?? {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code ?? -1)));
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`backend did not start in 20 s: ${stderr}`)), 20_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line).backend as string);
      } catch {
        reject(new Error(`unexpected start line: ${line} ${stderr}`));
      }
    });
    void exited.then((c) => reject(new Error(`backend exited (${c}) before starting: ${stderr}`)));
  });
  return {
    url,
    child,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

const agent = new Agent({ connections: 64, pipelining: 1, keepAliveTimeout: 10_000 });
export const closeAgent = () => agent.close();

export async function call(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  const res = await request(`${base}${path}`, {
    method,
    dispatcher: agent,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
  const text = await res.body.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text, the assertion will show it
  }
  return { status: res.statusCode, body: parsed };
}

/** Runs `worker(i)` for i in [0, total) with at most `concurrency` at once; stops early when `stop()` is true. */
export async function pool(total: number, concurrency: number, worker: (i: number) => Promise<void>, stop: () => boolean = () => false) {
  let next = 0;
  const run = async () => {
    while (next < total && !stop()) await worker(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, run));
}

/**
 * A Redis to test against: WXLOGIN_TEST_REDIS when set (CI starts one), otherwise a private redis-server on a free
 * port when one is installed, otherwise undefined (the caller skips, saying why).
 */
export async function ensureRedis(): Promise<{ url: string; close(): Promise<void> } | undefined> {
  if (process.env.WXLOGIN_TEST_REDIS) return { url: process.env.WXLOGIN_TEST_REDIS, close: async () => undefined };
  const { createServer } = net;
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const started = await new Promise<boolean>((resolve) => {
    child.once('error', () => resolve(false));
    const { connect } = net;
    const deadline = Date.now() + 5000;
    const attempt = () => {
      const sock = connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => {
        sock.destroy();
        if (Date.now() > deadline) resolve(false);
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
  if (!started) {
    child.kill('SIGKILL');
    return undefined;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    close: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
