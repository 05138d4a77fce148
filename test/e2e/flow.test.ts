// `wxlogin flow` and `wxlogin login` as users run them: the built CLI in a subprocess, against the embedded stack,
// against a separately started `wxlogin up`, and against a small backend keeping the seed (Django tutorial) contract.
import { mkdtempSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMockWechat } from '../../mock-wechat/index.js';
import { ensureBuilt, run, startJson } from '../cli/helpers.js';
import { buildSeedBackend } from './seed-backend.js';

const APPID = 'wx1234567890abcdef';
const SECRET = 'mocksecret000000000000000000000a';

beforeAll(() => ensureBuilt());

interface Step {
  name: string;
  status: string;
  detail: string;
}
const statuses = (steps: Step[]) => Object.fromEntries(steps.map((s) => [s.name, s.status]));

describe('wxlogin flow, embedded stack (offline)', () => {
  it('passes every step, one checklist line each, exit 0', async () => {
    const r = await run(['flow']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^wxlogin flow · mock http:\/\/127\.0\.0\.1:\d+ · backend http:\/\/127\.0\.0\.1:\d+ \(embedded reference backend\)$/);
    expect(lines.filter((l) => l.startsWith('  ✔ '))).toHaveLength(13);
    expect(lines.at(-1)).toMatch(/^PASS 13 steps: 13 ok, 0 failed, 0 skipped/);
    expect(r.stdout).not.toMatch(/\x1b\[/);
  });

  it('--json reports every step with status and duration', async () => {
    const r = await run(['--json', 'flow', '--user', 'json-user']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ mode: 'flow', ok: true, embedded: true, user: 'json-user', profile: 'wxlogin', counts: { ok: 13, failed: 0, skipped: 0 } });
    expect(out.openid).toMatch(/^o[\w-]{27}$/);
    expect(statuses(out.steps)).toEqual({
      login: 'ok',
      checkSession: 'ok',
      sessionCheck: 'ok',
      authorize: 'ok',
      userinfo: 'ok',
      phone: 'ok',
      werun: 'ok',
      shareinfo: 'ok',
      me: 'ok',
      lostAnswer: 'ok',
      logout: 'ok',
      revoked: 'ok',
      noKeyLeak: 'ok',
    });
    for (const s of out.steps) expect(typeof s.ms).toBe('number');
  });

  it('fails honestly for users the mock makes fail: a high-risk user (40226) and one who denies every scope', async () => {
    const risk = await run(['--json', 'flow', '--user', 'mallory']);
    expect(risk.code).toBe(1);
    const r = JSON.parse(risk.stdout);
    expect(r.steps[0]).toMatchObject({ name: 'login', status: 'failed' });
    expect(r.steps[0].detail).toMatch(/code 202 .*errcode 40226/);
    expect(r.counts).toEqual({ ok: 1, failed: 1, skipped: 11 });
    const deny = await run(['--json', 'flow', '--user', 'carol']);
    expect(deny.code).toBe(1);
    const d = JSON.parse(deny.stdout);
    expect(statuses(d.steps)).toMatchObject({ login: 'ok', authorize: 'failed', userinfo: 'failed', phone: 'failed', werun: 'skipped', me: 'ok' });
    expect(d.steps.find((s: Step) => s.name === 'phone').detail).toBe('mock answered getPhoneNumber:fail user deny');
  });

  it('a reader closing the pipe early does not crash it (EPIPE)', async () => {
    const { spawn } = await import('node:child_process');
    const { BIN, cleanEnv } = await import('../cli/helpers.js');
    const child = spawn(process.execPath, [BIN, 'flow'], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(err).not.toMatch(/EPIPE|Unhandled/);
    expect(code).toBe(0);
  });

  it('colours follow FORCE_COLOR and NO_COLOR', async () => {
    const coloured = await run(['flow'], { env: { FORCE_COLOR: '1' } });
    expect(coloured.stdout).toMatch(/\x1b\[32m✔/);
    const plain = await run(['flow'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
    expect(plain.stdout).not.toMatch(/\x1b\[/);
    const flag = await run(['--no-color', 'flow'], { env: { FORCE_COLOR: '1' } });
    expect(flag.stdout).not.toMatch(/\x1b\[/);
  });

  it('--users runs a load with a summary: throughput, percentiles, no errors', async () => {
    const r = await run(['--json', 'flow', '--users', '60', '--concurrency', '8']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ mode: 'load', ok: true, users: 60, concurrency: 8, succeeded: 60, failed: 0, errors: {} });
    expect(out.requests).toBe(240);
    expect(out.throughput).toBeGreaterThan(0);
    expect(out.latency.p50).toBeGreaterThan(0);
    expect(out.latency.p99).toBeGreaterThanOrEqual(out.latency.p50);
    expect(Object.keys(out.byRequest)).toEqual(['wx.login', 'backend login', 'wx.getUserInfo', 'backend userinfo']);
    // No progress bar when stderr is not a terminal.
    expect(r.stderr).toBe('');
    const text = await run(['flow', '--users', '20', '--concurrency', '4']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/PASS 20 users, concurrency 4/);
    expect(text.stdout).toMatch(/latency +p50 [\d.]+ ms · p95 [\d.]+ ms · p99 [\d.]+ ms/);
  });
});

describe('wxlogin flow and login against a separately started `wxlogin up`', () => {
  let up: Awaited<ReturnType<typeof startJson>>;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'wxlogin-up-'));
    up = await startJson(['--json', 'up', '--mock-port', '0', '--port', '0', '--data-dir', dataDir]);
  });
  afterAll(() => {
    if (up.child.exitCode === null) up.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('up prints both URLs and the store', () => {
    expect(up.ready).toMatchObject({ ok: true, appid: APPID, dataDir });
    expect(up.ready.mock).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(up.ready.backend).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(String(up.ready.store)).toMatch(/^sqlite:\/\//);
  });

  it('flow --backend --mock passes', async () => {
    const r = await run(['--json', 'flow', '--backend', String(up.ready.backend), '--mock', String(up.ready.mock)]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ ok: true, embedded: false, counts: { ok: 13, failed: 0, skipped: 0 } });
  });

  it('login prints a token that the backend accepts', async () => {
    const r = await run(['login', '--backend', String(up.ready.backend), '--mock', String(up.ready.mock), '--user', 'alice-cli']);
    expect(r.code, r.stderr).toBe(0);
    const token = r.stdout.trim();
    expect(token).toMatch(/^[\w-]{20,}$/);
    expect(r.stderr).toMatch(/logged in alice-cli \(o[\w-]{27}\)/);
    const me = await request(`${up.ready.backend}/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.statusCode).toBe(200);
    const body = (await me.body.json()) as { code: number };
    expect(body.code).toBe(200);
    const j = await run(['--json', 'login', '--backend', String(up.ready.backend), '--mock', String(up.ready.mock)]);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: true, user: 'wxlogin-flow', backend: up.ready.backend });
  });

  it('SIGTERM stops both servers cleanly (exit 0) and the SQLite file is in the data dir', async () => {
    up.child.kill('SIGTERM');
    expect(await up.exited).toBe(0);
    expect(up.stderr()).toMatch(/SIGTERM: mock and backend stopped/);
    expect(existsSync(join(dataDir, 'backend.sqlite'))).toBe(true);
    const r = await run(['login', '--backend', String(up.ready.backend), '--mock', String(up.ready.mock)]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^wxlogin: error: cannot reach http:\/\/127\.0\.0\.1:\d+\/__client\/login \(ECONNREFUSED\)/);
  });
});

describe('wxlogin flow against a backend keeping the seed contract', () => {
  let mock: ReturnType<typeof buildMockWechat>;
  let seed: FastifyInstance;
  let bad: FastifyInstance;
  let leaky: FastifyInstance;
  let leakyUrl: string;
  let mockUrl: string;
  let seedUrl: string;
  let badUrl: string;
  beforeAll(async () => {
    mock = buildMockWechat({ apps: [{ appid: APPID, secret: SECRET }], logger: false });
    mockUrl = await mock.app.listen({ host: '127.0.0.1', port: 0 });
    seed = buildSeedBackend({ mockUrl, appid: APPID, secret: SECRET });
    seedUrl = await seed.listen({ host: '127.0.0.1', port: 0 });
    bad = buildSeedBackend({ mockUrl, appid: APPID, secret: SECRET, corruptProfile: true });
    badUrl = await bad.listen({ host: '127.0.0.1', port: 0 });
    leaky = buildSeedBackend({ mockUrl, appid: APPID, secret: SECRET, leakSessionKey: true });
    leakyUrl = await leaky.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await seed?.close();
    await bad?.close();
    await leaky?.close();
    await mock?.app.close();
  });

  it('a backend handing out the session_key fails the flow', async () => {
    const r = await run(['--json', 'flow', '--backend', `${leakyUrl}/api/`, '--mock', mockUrl, '--profile', 'seed']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.steps.at(-1)).toMatchObject({ name: 'noKeyLeak', status: 'failed', detail: 'the session_key appeared in the answer to login, lostAnswer' });
    expect(out.counts.failed).toBe(1);
  });

  it('--profile seed: login and userinfo pass, the steps the contract lacks are skipped, exit 0', async () => {
    const r = await run(['--json', 'flow', '--backend', `${seedUrl}/api/`, '--mock', mockUrl, '--profile', 'seed']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(true);
    expect(statuses(out.steps)).toEqual({
      login: 'ok',
      checkSession: 'ok',
      sessionCheck: 'skipped',
      authorize: 'ok',
      userinfo: 'ok',
      phone: 'skipped',
      werun: 'skipped',
      shareinfo: 'skipped',
      me: 'skipped',
      lostAnswer: 'ok',
      logout: 'skipped',
      revoked: 'skipped',
      noKeyLeak: 'ok',
    });
    expect(out.steps.find((s: Step) => s.name === 'phone').detail).toBe('not in the seed contract');
  });

  it('steps answering 404 are skipped, not failed (custom contract flags)', async () => {
    const r = await run([
      '--json', 'flow', '--backend', seedUrl, '--mock', mockUrl,
      '--path', 'login=/api/login/', '--path', 'userinfo=/api/userinfo/', '--token-in', 'body', '--path', 'logout=none',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const byName = Object.fromEntries(out.steps.map((s: Step) => [s.name, s]));
    expect(byName.userinfo.status).toBe('ok');
    expect(byName.phone).toMatchObject({ status: 'skipped', detail: 'backend has no /phone (HTTP 404)' });
    expect(byName.me).toMatchObject({ status: 'skipped', detail: 'backend has no /me (HTTP 404)' });
    expect(byName.logout).toMatchObject({ status: 'skipped', detail: 'not in the wxlogin contract' });
  });

  it('--contract FILE describes a backend; flags still override it', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const file = join(mkdtempSync(join(tmpdir(), 'wxlogin-contract-')), 'contract.json');
    writeFileSync(file, JSON.stringify({ extends: 'wxlogin', paths: { login: '/api/login/', userinfo: '/api/userinfo/', logout: 'none' }, token: { in: 'body' } }));
    const r = await run(['--json', 'flow', '--backend', seedUrl, '--mock', mockUrl, '--contract', file, '--path', 'phone=none']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const by = Object.fromEntries(JSON.parse(r.stdout).steps.map((s: Step) => [s.name, s]));
    expect(by.userinfo.status).toBe('ok');
    expect(by.phone).toMatchObject({ status: 'skipped', detail: 'not in the wxlogin contract' });
    expect(by.werun).toMatchObject({ status: 'skipped', detail: 'backend has no /werun (HTTP 404)' });
    writeFileSync(file, '{"paths": {"login": 1}}');
    const bad = await run(['flow', '--backend', seedUrl, '--mock', mockUrl, '--contract', file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('wxlogin: error: paths.login must be a string in the contract file\n');
  });

  it('a backend returning a different profile fails the flow, exit 1, naming the field', async () => {
    const r = await run(['flow', '--backend', `${badUrl}/api`, '--mock', mockUrl, '--profile', 'seed']);
    expect(r.code).toBe(1);
    // The detail is too long for the title's line: it goes on its own line, cut to 80 columns.
    expect(r.stdout).toMatch(/✘ getUserInfo → decrypt → profile matches \([\d.]+ ms\)\n {6}profile differs: nickName: ".*!" ≠ userInfo/);
    for (const line of r.stdout.split('\n').filter((l) => l.startsWith('  '))) expect(line.length).toBeLessThanOrEqual(80);
    expect(r.stdout).toMatch(/^FAIL 13 steps: 5 ok, 1 failed, 7 skipped/m);
    expect(r.stderr).toBe('');
  });

  it('the wrong contract fails at login with the backend answer; load runs count errors by kind', async () => {
    const r = await run(['--json', 'flow', '--backend', seedUrl, '--mock', mockUrl]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(false);
    expect(out.steps[0]).toMatchObject({ name: 'login', status: 'failed' });
    expect(out.steps[0].detail).toMatch(/backend has no \/login \(HTTP 404\)/);
    const load = await run(['--json', 'flow', '--backend', seedUrl, '--mock', mockUrl, '--users', '5', '--concurrency', '2']);
    expect(load.code).toBe(1);
    expect(JSON.parse(load.stdout)).toMatchObject({ mode: 'load', ok: false, failed: 5, errors: { 'backend login: HTTP 404 Not Found': 5 } });
  });

  it('--profile seed under load: every user logs in and sends its profile', async () => {
    const r = await run(['--json', 'flow', '--backend', `${seedUrl}/api/`, '--mock', mockUrl, '--profile', 'seed', '--users', '30', '--concurrency', '6']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, succeeded: 30, requests: 120 });
  });
});

describe('--app picks the app when the mock serves several', () => {
  const OTHER = 'wx2222222222222222';
  const OTHER_SECRET = 'othersecret00000000000000000000b';
  let mock: ReturnType<typeof buildMockWechat>;
  let seed: FastifyInstance;
  let mockUrl: string;
  let seedUrl: string;
  beforeAll(async () => {
    mock = buildMockWechat({ apps: [{ appid: APPID, secret: SECRET }, { appid: OTHER, secret: OTHER_SECRET }], logger: false });
    mockUrl = await mock.app.listen({ host: '127.0.0.1', port: 0 });
    seed = buildSeedBackend({ mockUrl, appid: OTHER, secret: OTHER_SECRET });
    seedUrl = await seed.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await seed?.close();
    await mock?.app.close();
  });

  it('--app OTHER passes against a backend of that app; the user is that app\'s', async () => {
    const r = await run(['--json', 'flow', '--backend', `${seedUrl}/api/`, '--mock', mockUrl, '--profile', 'seed', '--app', OTHER, '--user', 'dave']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(true);
    expect(out.openid).toBe(mock.control.getUser('dave', OTHER)!.openid);
  });

  it('a code of the other app is refused by that backend: the login step fails', async () => {
    const r = await run(['--json', 'flow', '--backend', `${seedUrl}/api/`, '--mock', mockUrl, '--profile', 'seed', '--app', APPID]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.steps[0]).toMatchObject({ name: 'login', status: 'failed' });
    expect(out.steps[0].detail).toMatch(/backend refused the code: HTTP 401 · code 401 · wechat: 40029/);
  });
});

describe('usage errors', () => {
  it('--backend without --mock exits 2 with one line', async () => {
    const r = await run(['flow', '--backend', 'http://127.0.0.1:1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('wxlogin: error: --backend needs --mock: the URL of the mock WeChat that backend calls\n');
  });

  it('an unreachable mock and backend stop it before any step: one error naming both, exit 1', async () => {
    const r = await run(['--json', 'flow', '--backend', 'http://127.0.0.1:9', '--mock', 'http://127.0.0.1:9']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ ok: false, code: 'unreachable' });
    expect(out.error).toMatch(/^cannot reach the mock WeChat at http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\) or the backend at http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('an unknown profile is a usage error', async () => {
    const r = await run(['flow', '--profile', 'django']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Allowed choices are wxlogin, seed/);
  });
});
