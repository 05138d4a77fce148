// In-process: checks that examined nothing are skipped, not passed (src/client/flow.ts); checklist lines fit 80
// columns (flow/format.ts); plain progress lines without a terminal (src/cli/progress.ts); a load run stopped by its
// signal reports what finished (src/client/load.ts). Real mock and backend on port 0.
import { PassThrough } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Chalk } from 'chalk';
import { buildMockWechat } from '../../mock-wechat/index.js';
import { buildBackend } from '../../src/backend/index.js';
import { createBackendClient } from '../../src/client/backend-client.js';
import { resolveContract } from '../../src/client/contract.js';
import { runFlow, type StepResult } from '../../src/client/flow.js';
import { runLoad } from '../../src/client/load.js';
import { createMockClient } from '../../src/client/mock-client.js';
import { createContext } from '../../src/cli/context.js';
import { createProgress } from '../../src/cli/progress.js';
import { displayWidth, LINE_WIDTH, stepLine } from '../../src/cli/commands/flow/format.js';

const APPID = 'wx1234567890abcdef';
const SECRET = 'mocksecret000000000000000000000a';
const ADMIN_TOKEN = 'flow-honesty-admin-token';

interface Servers {
  mock: ReturnType<typeof buildMockWechat>;
  backend: FastifyInstance;
  mockUrl: string;
  backendUrl: string;
}

async function servers(o: { adminToken?: string } = {}): Promise<Servers> {
  const mock = buildMockWechat({ apps: [{ appid: APPID, secret: SECRET }], logger: false, ...(o.adminToken ? { adminToken: o.adminToken } : {}) });
  const mockUrl = (await mock.app.listen({ host: '127.0.0.1', port: 0 })).replace(/\/$/, '');
  const backend = await buildBackend({ appId: APPID, appSecret: SECRET, wechatBaseUrl: mockUrl, store: 'memory://', logger: false });
  const backendUrl = (await backend.listen({ host: '127.0.0.1', port: 0 })).replace(/\/$/, '');
  return { mock, backend, mockUrl, backendUrl };
}

const dispatcher = new Agent({ connections: 8 });
const clients = (s: Servers) => ({
  mock: createMockClient({ baseUrl: s.mockUrl, dispatcher, timeoutMs: 10_000 }),
  backend: createBackendClient({ baseUrl: s.backendUrl, contract: resolveContract({}), dispatcher, timeoutMs: 10_000 }),
});
const byName = (steps: StepResult[]) => Object.fromEntries(steps.map((s) => [s.name, s]));

let open: Servers;
let guarded: Servers;
beforeAll(async () => {
  open = await servers();
  guarded = await servers({ adminToken: ADMIN_TOKEN });
});
afterAll(async () => {
  for (const s of [open, guarded]) {
    await s?.backend.close();
    await s?.mock.app.close();
  }
  await dispatcher.close();
});

describe('flow: a check that examined nothing is skipped, not passed', () => {
  it('noKeyLeak over 0 backend answers is skipped (the mock refused wx.login, the key is known)', async () => {
    const c = clients(open);
    // A first run gives the user a session_key at the mock, so the key is known to the check.
    const first = await runFlow({ ...c, user: 'zero-answers' });
    expect(first.ok).toBe(true);
    open.mock.control.addFault({ endpoint: '/__client/login', kind: 'http5xx', status: 500, times: 1 });
    const r = await runFlow({ ...c, user: 'zero-answers' });
    const s = byName(r.steps);
    expect(s.login!.status).toBe('failed');
    expect(s.noKeyLeak).toMatchObject({ status: 'skipped', detail: 'the backend sent no answer to search' });
    expect(r.counts.ok).toBe(0);
  });

  it('phone and me are skipped, not passed, when the mock does not say who the user is (admin API guarded)', async () => {
    const r = await runFlow({ ...clients(guarded), user: 'no-admin' });
    const s = byName(r.steps);
    expect(s.login!.status).toBe('ok');
    expect(s.phone!.status).toBe('skipped');
    expect(s.phone!.detail).toMatch(/^the backend answered 1\d{10}, but the mock did not tell the user's number .*not compared$/);
    expect(s.me!.status).toBe('skipped');
    expect(s.me!.detail).toMatch(/^the backend answered openid o[\w-]{27}, but the mock did not tell the user's .*not compared$/);
    expect(s.noKeyLeak).toMatchObject({ status: 'skipped', detail: 'the mock did not tell the session_key (no admin API)' });
    // The profile is still compared with what getUserInfo showed the mini program.
    expect(s.userinfo!.status).toBe('ok');
    expect(s.userinfo!.detail).toMatch(/, 7 fields equal$/);
    expect(r.ok).toBe(true);
  });

  it('authorize with no scope to ask for is skipped', async () => {
    const r = await runFlow({ ...clients(open), user: 'no-scopes', scopes: [] });
    expect(byName(r.steps).authorize).toMatchObject({ status: 'skipped', detail: 'no scope to ask for' });
  });
});

/**
 * A backend whose login asks WeChat and, when that fails, still answers: a token anyway (`failOpen`) or the crash
 * with its stack (`stack`), as careless backends do.
 */
async function carelessBackend(mockUrl: string, mode: 'failOpen' | 'stack'): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify({ logger: false });
  let n = 0;
  app.post('/login', async (req, reply) => {
    const { code } = (req.body ?? {}) as { code?: string };
    const q = new URLSearchParams({ appid: APPID, secret: SECRET, js_code: String(code), grant_type: 'authorization_code' });
    try {
      const res = await request(`${mockUrl}/sns/jscode2session?${q}`);
      const body = (await res.body.json()) as { openid?: string };
      if (!body.openid) throw new Error('no openid');
    } catch (err) {
      if (mode === 'stack') return reply.code(500).type('text/plain').send(`Internal Server Error\n${(err as Error).stack}`);
    }
    return { code: 200, msg: 'ok', data: { token: `careless-token-${++n}` } };
  });
  return { app, url: (await app.listen({ host: '127.0.0.1', port: 0 })).replace(/\/$/, '') };
}

describe('flow: the lost answer (WeChat used the code, its answer was lost)', () => {
  it('passes when the backend refuses cleanly and a fresh code then logs in; the fault hit after processing and is gone', async () => {
    const r = await runFlow({ ...clients(open), user: 'lost-answer' });
    const s = byName(r.steps);
    expect(s.lostAnswer).toMatchObject({ status: 'ok', title: 'lost answer: WeChat used the code and the answer was lost' });
    expect(s.lostAnswer!.detail).toMatch(/^a fresh code logged in after a clean refusal: HTTP 4\d\d/);
    // The step sits between me and logout, and logout revokes the newest token.
    const names = r.steps.map((x) => x.name);
    expect(names.indexOf('lostAnswer')).toBe(names.indexOf('logout') - 1);
    expect(s.revoked!.status).toBe('ok');
    const dropped = open.mock.control.journal({ endpoint: '/sns/jscode2session', limit: 1000 }).filter((e) => e.faultWhen === 'after');
    expect(dropped.length).toBeGreaterThanOrEqual(1);
    expect(dropped[0]).toMatchObject({ fault: 'drop' });
    expect((await open.mock.app.inject('/__admin/faults')).json().faults).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it('is skipped, not failed, when the mock refuses the fault (admin API guarded)', async () => {
    const r = await runFlow({ ...clients(guarded), user: 'lost-no-admin' });
    expect(byName(r.steps).lostAnswer!.status).toBe('skipped');
    expect(byName(r.steps).lostAnswer!.detail).toMatch(/^the mock refused the fault \(mock admin POST \/__admin\/faults answered HTTP 401/);
  });

  it('fails a backend that answers a token for the lost code, and one that answers its stack trace', async () => {
    for (const [mode, detail] of [
      ['failOpen', /^the backend answered a token \(HTTP 200\), but WeChat's answer for that code was lost/],
      ['stack', /^the refusal carries a stack trace: at /],
    ] as const) {
      const b = await carelessBackend(open.mockUrl, mode);
      try {
        const backend = createBackendClient({ baseUrl: b.url, contract: resolveContract({}), dispatcher, timeoutMs: 10_000 });
        const r = await runFlow({ mock: clients(open).mock, backend, user: `careless-${mode}` });
        const s = byName(r.steps);
        expect(s.login!.status, mode).toBe('ok');
        expect(s.lostAnswer!.status, mode).toBe('failed');
        expect(s.lostAnswer!.detail, mode).toMatch(detail);
        expect((await open.mock.app.inject('/__admin/faults')).json().faults, mode).toEqual([]);
      } finally {
        await b.app.close();
      }
    }
  });
});

describe('flow checklist lines fit 80 columns', () => {
  const c = new Chalk({ level: 0 });
  const step = (detail: string, status: StepResult['status'] = 'failed'): StepResult => ({
    name: 'userinfo',
    title: 'getUserInfo → decrypt → profile matches',
    status,
    detail,
    ms: 12.5,
  });

  it('a short detail stays on the title line', () => {
    const line = stepLine(step('4 days', 'ok'), c);
    expect(line).toBe('  ✔ getUserInfo → decrypt → profile matches   4 days (12.5 ms)');
  });

  it('a long detail goes on its own indented line, cut to fit, its start kept', () => {
    const detail = `profile differs: nickName: "${'x'.repeat(60)}!" ≠ userInfo "${'y'.repeat(60)}"`;
    const lines = stepLine(step(detail), c).split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('  ✘ getUserInfo → decrypt → profile matches (12.5 ms)');
    expect(lines[1]).toMatch(/^ {6}profile differs: nickName: "x+…$/);
    for (const l of lines) expect(displayWidth(l)).toBeLessThanOrEqual(LINE_WIDTH);
  });

  it('counts wide characters (a Chinese nickname) as two columns', () => {
    const lines = stepLine(step(`nickName "${'子涵'.repeat(20)}", 7 fields equal`, 'ok'), c).split('\n');
    expect(lines).toHaveLength(2);
    expect(displayWidth(lines[1]!)).toBeLessThanOrEqual(LINE_WIDTH);
    expect(displayWidth('子涵')).toBe(4);
  });

  it('every line of a real run fits, coloured or not', async () => {
    const r = await runFlow({ ...clients(open), user: 'eighty-columns' });
    const coloured = new Chalk({ level: 1 });
    for (const s of r.steps) {
      for (const l of stepLine(s, coloured).split('\n')) expect(displayWidth(l.replace(/\x1b\[[0-9;]*m/g, ''))).toBeLessThanOrEqual(LINE_WIDTH);
    }
  });
});

function fakeContext(o: { json?: boolean; tty?: boolean; env?: NodeJS.ProcessEnv } = {}) {
  const stderr = Object.assign(new PassThrough(), { isTTY: o.tty ?? false });
  const stdout = new PassThrough();
  let err = '';
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const ctx = createContext({ env: o.env ?? {}, stdout, stderr }, { json: o.json ?? false, verbose: false, color: false });
  return { ctx, stderr: () => err };
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('progress without a terminal', () => {
  it('writes a plain line on stderr at its interval, and stops with stop()', async () => {
    const { ctx, stderr } = fakeContext();
    const p = createProgress(ctx, 5000, 'users', ' · {failed} failed', { plainEveryMs: 5, plainExtra: (x) => ` · ${Number(x.failed)} failed` });
    p.update(1200, { failed: 3 });
    await until(() => stderr().includes('\n'));
    p.stop();
    expect(stderr().split('\n')[0]).toBe('users 1200/5000 (24%) · 3 failed');
    const after = stderr();
    await new Promise((r) => setTimeout(r, 50));
    expect(stderr()).toBe(after);
  });

  it('takes its interval from WXLOGIN_PROGRESS_INTERVAL_MS', async () => {
    const { ctx, stderr } = fakeContext({ env: { WXLOGIN_PROGRESS_INTERVAL_MS: '5' } });
    const p = createProgress(ctx, 10, 'fixtures');
    p.update(5);
    await until(() => stderr().includes('\n'));
    p.stop();
    expect(stderr().split('\n')[0]).toBe('fixtures 5/10 (50%)');
  });

  it('writes nothing with --json', async () => {
    const { ctx, stderr } = fakeContext({ json: true });
    const p = createProgress(ctx, 10, 'users', '', { plainEveryMs: 1 });
    p.update(5);
    await new Promise((r) => setTimeout(r, 50));
    p.stop();
    expect(stderr()).toBe('');
  });
});

describe('load run stopped by its signal', () => {
  it('starts no one after the abort and reports the users that finished, marked interrupted', async () => {
    const c = clients(open);
    const stop = new AbortController();
    const r = await runLoad({
      ...c,
      users: 100_000,
      concurrency: 4,
      userPrefix: 'abort-',
      signal: stop.signal,
      onProgress: (done) => {
        if (done === 10) stop.abort('SIGINT');
      },
    });
    expect(r.interrupted).toBe(true);
    expect(r.ok).toBe(false);
    // The 4 in flight when it stopped may finish too; no one new starts.
    expect(r.completed).toBeGreaterThanOrEqual(10);
    expect(r.completed).toBeLessThanOrEqual(13);
    expect(r.completed + r.abandoned).toBeLessThanOrEqual(14);
    expect(r.succeeded).toBe(r.completed - r.failed);
    expect(r.users).toBe(100_000);
  });

  it('an already aborted signal runs no one', async () => {
    const stop = new AbortController();
    stop.abort();
    const r = await runLoad({ ...clients(open), users: 50, concurrency: 4, signal: stop.signal });
    expect(r).toMatchObject({ interrupted: true, completed: 0, abandoned: 0, succeeded: 0, failed: 0, requests: 0 });
  });

  it('a run that is not stopped is not interrupted', async () => {
    const r = await runLoad({ ...clients(open), users: 6, concurrency: 2, userPrefix: 'whole-', signal: new AbortController().signal });
    expect(r).toMatchObject({ ok: true, interrupted: false, completed: 6, abandoned: 0, succeeded: 6 });
  });
});
