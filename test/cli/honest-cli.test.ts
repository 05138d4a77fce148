// The CLI as a new user meets it, through the built binary: up takes --rate-limit, flow and audit say when --mock or
// --backend does not answer, Ctrl-C ends a load run with its summary and exit 130, a busy port names --port 0, a
// short session key says how many bytes it decodes to, and every --help example starts with `npx wxlogin`.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, ensureBuilt, ROOT, run, startJson } from './helpers.js';

beforeAll(() => ensureBuilt());

/** A port nothing listens on: bound, then released. */
async function deadPort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

describe('wxlogin up --rate-limit', () => {
  let up: Awaited<ReturnType<typeof startJson>>;
  const dataDir = mkdtempSync(join(tmpdir(), 'wxlogin-up-rate-'));
  beforeAll(async () => {
    up = await startJson(['--json', 'up', '--mock-port', '0', '--port', '0', '--data-dir', dataDir, '--rate-limit', '3']);
  });
  afterAll(() => {
    if (up?.child.exitCode === null) up.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reaches the backend: the 4th login from one client in a minute is refused with 429', async () => {
    expect(up.ready).toMatchObject({ ok: true, rateLimit: 3 });
    const r = await run(['--json', 'flow', '--backend', String(up.ready.backend), '--mock', String(up.ready.mock), '--users', '6', '--concurrency', '1']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ mode: 'load', succeeded: 3, failed: 3 });
    expect(Object.keys(out.errors)).toEqual([expect.stringMatching(/^backend login: HTTP 429 code 429 rate_limited/)]);
  });

  it('a bad value is a usage error, exit 2', async () => {
    const r = await run(['up', '--rate-limit', 'lots', '--data-dir', dataDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--rate-limit must be a whole number, got "lots"/);
    expect(r.stdout).toBe('');
  });
});

describe('flow and audit check that --mock and --backend answer', () => {
  let live: Server;
  let liveUrl: string;
  let dead: string;
  beforeAll(async () => {
    // Any HTTP answer counts as answering.
    live = createServer((_req, res) => res.writeHead(404).end('not here'));
    await new Promise<void>((r) => live.listen(0, '127.0.0.1', r));
    liveUrl = `http://127.0.0.1:${(live.address() as AddressInfo).port}`;
    dead = `http://127.0.0.1:${await deadPort()}`;
  });
  afterAll(() => new Promise((r) => live?.close(r)));

  it('flow: a dead backend is one line saying to start it, exit 1, before any step', async () => {
    const r = await run(['flow', '--backend', dead, '--mock', liveUrl]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `wxlogin: error: cannot reach the backend at ${dead} (ECONNREFUSED): start it first, or leave out --backend and --mock to run the embedded mock and reference backend\n`,
    );
  });

  it('flow: a dead mock names the command that starts one on that port; --json carries the code', async () => {
    const port = new URL(dead).port;
    const r = await run(['--json', 'flow', '--backend', liveUrl, '--mock', dead, '--users', '5']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      ok: false,
      code: 'unreachable',
      error: `cannot reach the mock WeChat at ${dead} (ECONNREFUSED): start one (npx wxlogin mock --port ${port}), or leave out --backend and --mock to run the embedded mock and reference backend`,
    });
  });

  it('flow: both dead are named in one line', async () => {
    const r = await run(['flow', '--backend', dead, '--mock', dead]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot reach the mock WeChat at .* or the backend at .*: start them first \(npx wxlogin up starts both\)/);
  });

  it('audit: a dead mock is one line saying how to start one, exit 1', async () => {
    const r = await run(['audit', '--backend', liveUrl, '--mock', dead], { timeoutMs: 30_000 });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^wxlogin: error: cannot reach the mock WeChat at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\): start one \(npx wxlogin mock --port \d+\)/);
  });
});

describe('Ctrl-C during a load run', () => {
  it('prints the summary of the users that finished and exits 130; progress lines show life without a terminal', async () => {
    const child = spawn(process.execPath, [BIN, 'flow', '--users', '200000', '--concurrency', '8'], {
      cwd: ROOT,
      env: cleanEnv({ WXLOGIN_PROGRESS_INTERVAL_MS: '100' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        if (/^users \d+\/200000 \(\d+%\) · \d+ failed$/m.test(err)) resolve();
      });
      child.on('exit', () => reject(new Error(`exited before any progress: ${err}`)));
    });
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(out).toMatch(/^INTERRUPTED after \d+ of 200000 users, concurrency 8, [\d.]+ s$/m);
    expect(out).toMatch(/^ {2}users +\d+ ok, 0 failed/m);
    expect(out).toMatch(/^ {2}latency +p50/m);
    expect(err).toMatch(/SIGINT: stopping the load run/);
    expect(err).not.toMatch(/wxlogin: error/);
  });
});

describe('wxlogin mock on a busy port', () => {
  it('suggests --port 0, in one line, exit 1', async () => {
    const s = createNetServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const { port } = s.address() as AddressInfo;
    try {
      const r = await run(['mock', '--port', String(port)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`wxlogin: error: port ${port} is already in use; pick another with --port (0 = any free port)\n`);
    } finally {
      await new Promise((r) => s.close(r));
    }
  });
});

describe('decrypt and encrypt say what a short key decodes to', () => {
  const IV = 'r7BXXKkLb8qrSNn05n0qiA==';
  it('--session-key abc decodes to 2 bytes', async () => {
    const d = await run(['decrypt', '--session-key', 'abc', '--iv', IV, '--data', 'AAAAAAAAAAAAAAAAAAAAAA==']);
    expect(d.code).toBe(1);
    expect(d.stderr).toBe('wxlogin: error: bad_session_key: --session-key decodes to 2 bytes; it must be base64 of 16 bytes (24 characters ending in ==)\n');
    const e = await run(['encrypt', '--session-key', 'abc', '--iv', IV, '--data', '{}']);
    expect(e.stderr).toBe(d.stderr);
  });

  it('an iv of the wrong length and URL-safe base64 are named as such', async () => {
    const iv = await run(['decrypt', '--session-key', 'tiihtNczf5v6AKRyjwEUhQ==', '--iv', 'abcd', '--data', 'AAAAAAAAAAAAAAAAAAAAAA==']);
    expect(iv.stderr).toBe('wxlogin: error: bad_iv: --iv decodes to 3 bytes; it must be base64 of 16 bytes (24 characters ending in ==)\n');
    const safe = await run(['decrypt', '--session-key', 'tiihtNczf5v6AKRyjwEUh_==', '--iv', IV, '--data', 'AAAAAAAAAAAAAAAAAAAAAA==']);
    expect(safe.stderr).toMatch(/bad_session_key: --session-key is not base64: it holds "_" \(URL-safe base64: use \+ and \/ instead of - and _\)/);
  });
});

describe('--help examples', () => {
  it.each(['up', 'flow', 'login', 'fixtures', 'decrypt', 'encrypt', 'sign', 'mock', 'backend'])('%s: every example line runs npx wxlogin', async (name) => {
    const r = await run([name, '--help']);
    expect(r.code).toBe(0);
    const examples = r.stdout.slice(r.stdout.search(/Examples?( \([^)]*\))?:\n/));
    const commands = examples.split('\n').filter((l) => /(^|\s|\$\()wxlogin /.test(l));
    expect(commands.length).toBeGreaterThan(0);
    for (const l of commands) expect(l).toMatch(/npx wxlogin /);
  });

  it('up and backend name the SQLite file', async () => {
    // commander wraps option descriptions: compare with the wrapping undone.
    const help = async (name: string) => (await run([name, '--help'])).stdout.replace(/\s+/g, ' ');
    expect(await help('up')).toMatch(/SQLite file \(backend\.sqlite\)/);
    expect(await help('backend')).toMatch(/default SQLite file, backend\.sqlite, lives/);
  });
});
