// `wxlogin run` and runProgram: the tutorial client in test/runtime/fixtures/tutorial, unmodified, against the
// reference backend (in process) and the seed-contract backend of the flow tests (through the built CLI).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWx } from '../../src/client/index.js';
import { runProgram, type TraceEntry } from '../../src/runtime/index.js';
import { bearer, makeBackend, startMock, type Mock, APPID, SECRET } from '../backend/helpers.js';
import { ensureBuilt, run } from '../cli/helpers.js';
import { buildSeedBackend } from '../e2e/seed-backend.js';

const TUTORIAL = join(import.meta.dirname, 'fixtures', 'tutorial');
const HARD_CODED = 'http://127.0.0.1:8000/api/';

let mock: Mock;
let backend: Awaited<ReturnType<typeof makeBackend>>;
let backendUrl: string;
let tmp: string;

beforeAll(async () => {
  ensureBuilt();
  mock = await startMock();
  backend = await makeBackend(mock);
  backendUrl = await backend.app.listen({ port: 0, host: '127.0.0.1' });
  tmp = mkdtempSync(join(tmpdir(), 'wxlogin-run-'));
});
afterAll(async () => {
  await backend?.app.close();
  await mock?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const of = <K extends TraceEntry['kind']>(trace: TraceEntry[], kind: K) => trace.filter((e): e is Extract<TraceEntry, { kind: K }> => e.kind === kind);

describe('runProgram: the tutorial against the reference backend', () => {
  it('logs in at launch, posts the open data with the stored token, and the backend stores the mock user profile', async () => {
    const r = await runProgram({
      dir: TUTORIAL,
      mock: mock.url,
      user: 'alice',
      sdkVersion: '2.10.0',
      map: [{ from: HARD_CODED, to: `${backendUrl}/` }],
      taps: [{ page: 'pages/index/index', handler: 'info1', openType: 'getUserInfo' }],
    });
    expect(r.failures).toEqual([]);
    expect(r.ok).toBe(true);
    const reqs = of(r.trace, 'request');
    expect(reqs.map((q) => [q.method, q.url, q.sentTo, q.statusCode])).toEqual([
      ['POST', `${HARD_CODED}login/`, `${backendUrl}/login/`, 200],
      ['POST', `${HARD_CODED}userinfo/`, `${backendUrl}/userinfo/`, 200],
    ]);
    // Secrets are masked in the trace, never the whole value.
    const token = r.storage.token as string;
    expect(typeof token).toBe('string');
    expect(JSON.stringify(r.trace)).not.toContain(token);
    const me = await backend.app.inject({ method: 'GET', url: '/me', headers: bearer(token) });
    const user = mock.control.getUser('alice', APPID)!;
    const profile = me.json().data.profile;
    for (const k of ['nickName', 'gender', 'language', 'city', 'province', 'country', 'avatarUrl'] as const) expect(profile[k], k).toEqual(user[k]);
    expect(of(r.trace, 'console').map((c) => `${c.where}: ${c.text}`)).toContain('pages/index/index: userinfo answered 200 ok');
  });

  it('the refusing user: the record handler takes its fail branch, and the trace shows it', async () => {
    const r = await runProgram({
      dir: TUTORIAL,
      mock: mock.url,
      user: 'carol',
      map: [{ from: HARD_CODED, to: `${backendUrl}/` }],
      taps: [{ page: 'pages/index/index', handler: 'record' }],
    });
    expect(r.ok).toBe(true);
    expect(of(r.trace, 'wx').filter((w) => w.api === 'authorize').map((w) => w.errMsg)).toEqual(['authorize:fail auth deny']);
    expect(of(r.trace, 'wx').some((w) => w.api === 'startRecord')).toBe(false);
    expect(of(r.trace, 'console').map((c) => c.text)).toContain('no microphone: the user refused scope.record');
  });

  it('fails the run when an expectation does not hold, and names it', async () => {
    const r = await runProgram({
      dir: TUTORIAL,
      mock: mock.url,
      user: 'carol',
      map: [{ from: HARD_CODED, to: `${backendUrl}/` }],
      taps: [{ page: 'pages/index/index', handler: 'record' }],
      expect: [{ storage: 'token' }, { wx: 'authorize', errMsg: 'authorize:ok' }],
    });
    expect(r.ok).toBe(false);
    expect(r.expectations.map((x) => x.ok)).toEqual([true, false]);
    expect(r.failures).toEqual(['expected wx.authorize answers "authorize:ok" (it answered "authorize:fail auth deny")']);
  });

  it('an unreachable backend: wx.request fails (WeChat wording) and the unhandled fail fails the run', async () => {
    const r = await runProgram({ dir: TUTORIAL, mock: mock.url, user: 'alice', map: [{ from: HARD_CODED, to: 'http://127.0.0.1:1/' }] });
    expect(of(r.trace, 'request')[0]!.errMsg).toBe('request:fail -102:net::ERR_CONNECTION_REFUSED');
    expect(r.ok).toBe(false);
    expect(r.failures[0]).toMatch(/wx\.request failed and nothing handled it/);
  });

  it('a handler that throws fails the run with the file and line', async () => {
    const dir = join(tmp, 'throws');
    writeFileSync(join(tmp, 'x'), '');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'pages', 'a'), { recursive: true });
    writeFileSync(join(dir, 'app.json'), JSON.stringify({ pages: ['pages/a/a'] }));
    writeFileSync(join(dir, 'app.js'), 'App({})\n');
    writeFileSync(join(dir, 'pages', 'a', 'a.js'), "Page({\n  boom() {\n    throw new Error('no');\n  }\n})\n");
    const r = await runProgram({ dir, mock: mock.url, user: 'alice', taps: [{ page: 'pages/a/a', handler: 'boom' }] });
    expect(r.ok).toBe(false);
    expect(r.failures).toEqual(['pages/a/a: in boom: Error: no (at pages/a/a.js:3:11)']);
  });
});

describe('createWx', () => {
  it('wx.request: a 4xx is a success with statusCode and parsed JSON data', async () => {
    const wx = createWx({ mock: mock.url, user: 'alice' });
    const res = await new Promise<Record<string, unknown>>((resolve, reject) =>
      wx.request({ url: `${backendUrl}/me`, data: { a: 1, b: 'x y' }, success: resolve, fail: reject }),
    );
    expect(res.errMsg).toBe('request:ok');
    expect(res.statusCode).toBe(401);
    // res.data is the parsed envelope (the backend's own code for a missing token), not text.
    expect(typeof (res.data as { code: unknown }).code).toBe('number');
  });

  it('promise form: login resolves with a code; authorize for the refusing user rejects with WeChat errMsg', async () => {
    const wx = createWx({ mock: mock.url, user: 'carol' });
    const login = (await wx.login()) as { errMsg: string; code: string };
    expect(login.errMsg).toBe('login:ok');
    expect(login.code.length).toBeGreaterThan(8);
    await expect(wx.authorize({ scope: 'scope.camera' })).rejects.toEqual({ errMsg: 'authorize:fail auth deny' });
    expect(wx.getStorageSync('missing')).toBe('');
  });
});

describe('wxlogin run (CLI) against the seed-contract backend', () => {
  it('runs the tutorial unmodified: token stored, userinfo answered with the mock user profile; --json trace', async () => {
    const seed = buildSeedBackend({ mockUrl: mock.url, appid: APPID, secret: SECRET });
    const seedUrl = await seed.listen({ port: 0, host: '127.0.0.1' });
    try {
      const scenario = join(tmp, 'seed.json');
      writeFileSync(
        scenario,
        JSON.stringify({
          steps: [{ tap: 'pages/index/index:info1:getUserInfo' }],
          expect: [{ storage: 'token' }, { request: '/api/login/', status: 200, answerCode: 200 }, { request: '/api/userinfo/', method: 'POST', answerCode: 200 }],
        }),
      );
      const r = await run(['--json', 'run', TUTORIAL, '--mock', mock.url, '--map', `http://127.0.0.1:8000=${seedUrl}`, '--sdk-version', '2.10.0', '--scenario', scenario]);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.ok).toBe(true);
      expect(out.expectations.every((x: { ok: boolean }) => x.ok)).toBe(true);
      const info = out.trace.find((e: { kind: string; url?: string }) => e.kind === 'request' && e.url?.endsWith('userinfo/'));
      const user = mock.control.getUser('alice', APPID)!;
      expect(info.answer.data).toMatchObject({ nickName: user.nickName, city: user.city, avatarUrl: user.avatarUrl, openId: user.openid });
    } finally {
      await seed.close();
    }
  });

  it('text output: the refusing user fail branch in the trace; a failed expectation exits 1', async () => {
    const r = await run(['run', TUTORIAL, '--mock', mock.url, '--map', `${HARD_CODED}=${backendUrl}/`, '--user', 'carol', '--tap', 'pages/index/index:record']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('[pages/index/index] wx.authorize({"scope":"scope.record"}) → authorize:fail auth deny');
    expect(r.stdout).toContain('[pages/index/index] console.log no microphone: the user refused scope.record');
    expect(r.stdout.trim().split('\n').at(-1)).toMatch(/^PASS /);
    const scenario = join(tmp, 'fail.json');
    writeFileSync(scenario, JSON.stringify({ user: 'carol', steps: [{ tap: 'pages/index/index:record' }], expect: [{ wx: 'startRecord' }] }));
    const f = await run(['run', TUTORIAL, '--mock', mock.url, '--map', `${HARD_CODED}=${backendUrl}/`, '--scenario', scenario]);
    expect(f.code).toBe(1);
    expect(f.stdout).toContain('✘ expect wx.startRecord is called (it was not called)');
  });

  it('bad input: one line each, usage errors exit 2', async () => {
    const bad = await run(['run', TUTORIAL, '--mock', mock.url, '--tap', 'pages/index/index:info1:share']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown open-type "share"/);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    const map = await run(['run', TUTORIAL, '--mock', mock.url, '--map', 'nope']);
    expect(map.code).toBe(2);
    const nodir = await run(['run', join(tmp, 'nothing'), '--mock', mock.url]);
    expect(nodir.code).toBe(1);
    expect(nodir.stderr).toMatch(/is not a folder/);
    const page = await run(['run', TUTORIAL, '--mock', mock.url, '--tap', 'pages/none:x']);
    expect(page.code).toBe(1);
    expect(page.stderr).toMatch(/pages\/none is not a page in app.json/);
  });
});
