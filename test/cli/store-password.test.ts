// A Redis password in --store (or WXLOGIN_STORE) never reaches the terminal: not the start-up banner of `wxlogin
// backend` or `wxlogin up`, not their --json line, not an error (Redis unreachable, wrong password, bad URI), not a
// --verbose stack, not the backend's log lines.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, hasRedisServer, startRedis } from '../store/helpers.js';
import { BIN, cleanEnv, ensureBuilt, ROOT, run } from './helpers.js';

const PW = 'S3cr3t-Pw_7q';
const APP = { WX_APPID: 'wx1234567890abcdef', WX_SECRET: 'mocksecret000000000000000000000a', WX_API_BASE: 'http://127.0.0.1:9' };
const hasRedis = hasRedisServer;
const dataDir = mkdtempSync(join(tmpdir(), 'wxlogin-store-pw-'));

beforeAll(() => ensureBuilt());
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));


function expectNoPassword(out: { stdout: string; stderr: string }, pw = PW): void {
  expect(out.stdout).not.toContain(pw);
  expect(out.stderr).not.toContain(pw);
  expect(out.stdout).not.toContain(encodeURIComponent(pw));
  expect(out.stderr).not.toContain(encodeURIComponent(pw));
}

/** Runs a long-running command until it prints `ready` on stdout, then SIGINT; resolves with everything it printed. */
function runUntilReady(args: string[], ready: RegExp, env: Record<string, string | undefined> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`not ready in time: ${stdout} ${stderr}`));
    }, 20_000);
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!signalled && ready.test(stdout)) {
        signalled = true;
        child.kill('SIGINT');
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

// Each test starts the built CLI several times in a row (about a second of CPU each): on a loaded 2-core machine
// that outgrows the default 20 s, which is meant to catch hangs, not to time start-ups.
describe('a Redis password in the store URI: Redis unreachable', { timeout: 60_000 }, () => {
  let port: number;
  beforeAll(async () => {
    port = await freePort();
  });

  const uris = () => [`redis://:${PW}@127.0.0.1:${port}`, `redis://wxuser:${PW}@127.0.0.1:${port}/0`];

  it('wxlogin backend: the error line, --json and --verbose show the URI with *** and never the password', async () => {
    const modes = [[], ['--json'], ['--verbose'], ['--json', '--verbose']];
    const cases = uris().flatMap((uri) => modes.map((mode) => ({ uri, mode })));
    const results = await Promise.all(cases.map(({ uri, mode }) => run([...mode, 'backend', '--port', '0', '--store', uri], { env: APP, timeoutMs: 20_000 })));
    results.forEach((r, i) => {
      const { mode } = cases[i]!;
      expect(r.code, `${mode} ${r.stderr}`).toBe(1);
      expectNoPassword(r);
      expect(r.stderr).toContain(':***@127.0.0.1');
      if (mode.includes('--json')) expect(JSON.parse(r.stdout)).toMatchObject({ ok: false });
    });
  });

  it('wxlogin backend with WXLOGIN_STORE from the environment', async () => {
    const r = await run(['--verbose', 'backend', '--port', '0'], { env: { ...APP, WXLOGIN_STORE: uris()[0] }, timeoutMs: 20_000 });
    expect(r.code).toBe(1);
    expectNoPassword(r);
    expect(r.stderr).toContain('redis://:***@127.0.0.1');
  });

  it('wxlogin up: the error line, --json and --verbose never show the password', async () => {
    const modes = [[], ['--json'], ['--verbose']];
    const cases = uris().flatMap((uri) => modes.map((mode) => [...mode, 'up', '--mock-port', '0', '--port', '0', '--data-dir', dataDir, '--store', uri]));
    for (const r of await Promise.all(cases.map((args) => run(args, { timeoutMs: 20_000 })))) {
      expect(r.code, r.stderr).toBe(1);
      expectNoPassword(r);
      expect(r.stderr).toContain(':***@127.0.0.1');
    }
  });

  it('a URI the store refuses to parse: the error does not quote the password either', async () => {
    const bad = `redis://:${PW}@127.0.0.1:99999`;
    const b = await run(['--json', 'backend', '--port', '0', '--store', bad], { env: APP });
    expect(b.code).toBe(2);
    expectNoPassword(b);
    const u = await run(['--verbose', 'up', '--mock-port', '0', '--port', '0', '--data-dir', dataDir, '--store', bad]);
    expect(u.code).not.toBe(0);
    expectNoPassword(u);
  });

  it('a password with characters that need escaping is hidden in every spelling', async () => {
    const pw = 'p@ss:wo/rd%21"x';
    const uri = `redis://:${encodeURIComponent(pw)}@127.0.0.1:${port}`;
    for (const mode of [['--json', '--verbose'], []]) {
      const r = await run([...mode, 'backend', '--port', '0', '--store', uri], { env: APP, timeoutMs: 20_000 });
      expect(r.code).toBe(1);
      expectNoPassword(r, pw);
    }
  });
});

describe.skipIf(!hasRedis)('a Redis password in the store URI: Redis with --requirepass', () => {
  let redis: ChildProcess | undefined;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port, ['--requirepass', PW]);
  });
  afterAll(async () => {
    if (redis && redis.exitCode === null) {
      const exited = new Promise((r) => redis!.once('exit', r));
      redis.kill('SIGKILL');
      await exited;
    }
  });

  it('wxlogin backend: banner and --json show redis://:***@host:port, and the log lines no password', async () => {
    const uri = `redis://:${PW}@127.0.0.1:${port}`;
    const text = await runUntilReady(['backend', '--port', '0', '--store', uri, '--log-level', 'debug'], /Ctrl-C stops it/, APP);
    expect(text.code, text.stderr).toBe(0);
    expectNoPassword(text);
    expect(text.stdout).toContain(`store      redis://:***@127.0.0.1:${port}`);
    const json = await runUntilReady(['--json', 'backend', '--port', '0', '--store', uri], /\n/, APP);
    expect(json.code, json.stderr).toBe(0);
    expectNoPassword(json);
    expect(JSON.parse(json.stdout.split('\n')[0]!)).toMatchObject({ ok: true, store: `redis://:***@127.0.0.1:${port}` });
  });

  it('wxlogin up: banner and --json show the user name and *** only', async () => {
    const uri = `redis://default:${PW}@127.0.0.1:${port}`;
    const text = await runUntilReady(['up', '--mock-port', '0', '--port', '0', '--data-dir', dataDir, '--store', uri], /Ctrl-C stops both/);
    expect(text.code, text.stderr).toBe(0);
    expectNoPassword(text);
    expect(text.stdout).toContain(`store redis://default:***@127.0.0.1:${port}`);
    const json = await runUntilReady(['--json', 'up', '--mock-port', '0', '--port', '0', '--data-dir', dataDir, '--store', uri], /\n/);
    expect(json.code, json.stderr).toBe(0);
    expectNoPassword(json);
    expect(JSON.parse(json.stdout.split('\n')[0]!)).toMatchObject({ ok: true, store: `redis://default:***@127.0.0.1:${port}` });
  });

  it('a wrong password: the error does not show it', async () => {
    const wrong = 'Wr0ngPassw0rd';
    for (const mode of [[], ['--json', '--verbose']]) {
      const r = await run([...mode, 'backend', '--port', '0', '--store', `redis://:${wrong}@127.0.0.1:${port}`], { env: APP, timeoutMs: 20_000 });
      expect(r.code).toBe(1);
      expectNoPassword(r, wrong);
      expect(r.stderr).toMatch(/WRONGPASS|NOAUTH|auth/i);
    }
  });
});
