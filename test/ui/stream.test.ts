// GET /__admin/journal/stream (mock-wechat/admin/stream.ts) and /__ui/ (mock-wechat/ui/serve.ts) over a real port:
// the stream is read with fetch as the dashboard reads it.
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildMockWechat, type MockOptions } from '../../mock-wechat/index.js';
import { registerUi } from '../../mock-wechat/ui/serve.js';

const open: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of open.splice(0)) await app.close();
});

async function listen(opts: MockOptions = {}) {
  const m = buildMockWechat({ seed: 'stream', ...opts });
  open.push(m.app);
  return { ...m, base: await m.app.listen({ host: '127.0.0.1', port: 0 }) };
}

/** Reads server-sent events until `want` entry events came; the caller's abort ends it. */
async function entries(res: Response, want: number): Promise<Array<{ id: number; path: string; errcode?: number }>> {
  const out = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  while (out.length < want) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const lines = buf.slice(0, i).split('\n');
      buf = buf.slice(i + 2);
      if (lines.includes('event: entry')) out.push(JSON.parse(lines.find((l) => l.startsWith('data: '))!.slice(6)));
    }
  }
  return out;
}

describe('journal stream', () => {
  it('sends each new entry once, oldest first, after those already there, with the filters of the journal', async () => {
    const { base, control } = await listen();
    const call = (api: string, user: string) =>
      fetch(`${base}/__client/${api}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user }) });
    await call('login', 'alice'); // before the stream: not sent
    const ctl = new AbortController();
    const res = await fetch(`${base}/__admin/journal/stream?endpoint=/__client/login`, { signal: ctl.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const got = entries(res, 2);
    await call('login', 'bob');
    await call('getSetting', 'bob'); // filtered out
    await call('login', 'carol');
    const seen = await got;
    ctl.abort();
    const want = control.journal({ endpoint: '/__client/login', limit: 2 }).reverse();
    expect(seen.map((e) => e.id)).toEqual(want.map((e) => e.id));
    expect(seen.every((e) => e.path === '/__client/login')).toBe(true);
  });

  it('answers a bad filter with 400 naming it, and asks for the admin token when one is set', async () => {
    const { base } = await listen({ adminToken: 'sesame-123' });
    const auth = { authorization: 'Bearer sesame-123' };
    expect((await fetch(`${base}/__admin/journal/stream`)).status).toBe(401);
    const typo = await fetch(`${base}/__admin/journal/stream?openId=x`, { headers: auth });
    expect(typo.status).toBe(400);
    expect(((await typo.json()) as { error: string }).error).toContain('"openId"');
    const bad = await fetch(`${base}/__admin/journal/stream?errcode=abc`, { headers: auth });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toContain('errcode');
  });

  it('lets app.close() finish while a stream is open', async () => {
    const { base, app } = await listen();
    const res = await fetch(`${base}/__admin/journal/stream`);
    expect(res.status).toBe(200);
    const reading = entries(res, 1);
    await app.close();
    open.length = 0;
    // The stream ended with the server rather than holding it open.
    expect(await reading).toEqual([]);
  });
});

describe('/__ui/', () => {
  it('serves the page, its assets and a redirect from /__ui, with no CDN in the page', async () => {
    const { app } = buildMockWechat({ seed: 'ui' });
    open.push(app);
    const page = await app.inject('/__ui/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.body).not.toMatch(/https?:\/\//);
    for (const [file, type] of [['app.js', 'text/javascript; charset=utf-8'], ['app.css', 'text/css; charset=utf-8']]) {
      const r = await app.inject(`/__ui/${file}`);
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toBe(type);
    }
    expect((await app.inject('/__ui')).headers.location).toBe('/__ui/');
    expect((await app.inject('/__ui/nope.js')).statusCode).toBe(404);
    expect((await app.inject('/__ui/..%2Fserve.js')).statusCode).toBe(404);
  });

  it('says the page is not built instead of failing when there are no files', async () => {
    const { default: Fastify } = await import('fastify');
    const app = Fastify();
    open.push(app);
    registerUi(app, null);
    const r = await app.inject('/__ui/');
    expect(r.statusCode).toBe(503);
    expect(r.body).toContain('npm run build');
  });
});
