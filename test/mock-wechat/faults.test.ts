import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { APPID, RID_RE, SECRET, exchange, get, mock, post } from './helpers.js';

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const tokenQ = { grant_type: 'client_credential', appid: APPID, secret: SECRET };

describe('faults', () => {
  it('errcode once: the next request fails with it, the one after is normal', async () => {
    const m = mock();
    m.control.addFault({ endpoint: '/sns/jscode2session', kind: 'errcode', errcode: -1 });
    const code = m.control.client.login({ user: 'alice' }).code;
    const r = await exchange(m, code);
    expect(r.status).toBe(200);
    expect(r.body.errcode).toBe(-1);
    expect(RID_RE.exec(r.body.errmsg)![1]).toBe('system error');
    // The faulted request did not consume the code.
    expect((await exchange(m, code)).body.openid).toBeDefined();
  });

  it('errcode N times with a custom errmsg; other endpoints are untouched', async () => {
    const m = mock();
    m.control.addFault({ endpoint: '/cgi-bin/token', kind: 'errcode', errcode: 45009, errmsg: 'reach max api daily quota limit', times: 2 });
    expect((await exchange(m, m.control.client.login({ user: 'alice' }).code)).body.openid).toBeDefined();
    expect((await get(m, '/cgi-bin/token', tokenQ)).body.errcode).toBe(45009);
    expect((await get(m, '/cgi-bin/token', tokenQ)).body.errmsg).toMatch(/^reach max api daily quota limit rid: /);
    expect((await get(m, '/cgi-bin/token', tokenQ)).body.access_token).toBeDefined();
  });

  it("'*' hits every server-API endpoint but not the client simulator", async () => {
    const m = mock();
    m.control.addFault({ endpoint: '*', kind: 'errcode', errcode: -1, times: 2 });
    expect(m.control.client.login({ user: 'alice' }).errMsg).toBe('login:ok');
    expect((await post(m, '/__client/login', { user: 'alice' })).body.errMsg).toBe('login:ok');
    expect((await get(m, '/cgi-bin/token', tokenQ)).body.errcode).toBe(-1);
    expect((await exchange(m, 'x')).body.errcode).toBe(-1);
    expect((await exchange(m, 'x')).body.errcode).toBe(40029);
  });

  it('probability 1 hits every time until cleared; probability 0 never', async () => {
    const m = mock();
    m.control.addFault({ endpoint: '/cgi-bin/token', kind: 'errcode', errcode: -1, probability: 1 });
    for (let i = 0; i < 5; i++) expect((await get(m, '/cgi-bin/token', tokenQ)).body.errcode).toBe(-1);
    const del = await m.app.inject({ method: 'DELETE', url: '/__admin/faults' });
    expect(del.json()).toEqual({ cleared: 1 });
    expect((await get(m, '/cgi-bin/token', tokenQ)).body.access_token).toBeDefined();
    m.control.addFault({ endpoint: '/cgi-bin/token', kind: 'errcode', errcode: -1, probability: 0 });
    for (let i = 0; i < 5; i++) expect((await get(m, '/cgi-bin/token', tokenQ)).body.access_token).toBeDefined();
  });

  it('probability 0.5 hits about half, reproducibly under a seed', async () => {
    const run = async () => {
      const m = mock({ seed: 99 });
      m.control.addFault({ endpoint: '/cgi-bin/token', kind: 'errcode', errcode: -1, probability: 0.5 });
      const hits: boolean[] = [];
      for (let i = 0; i < 40; i++) hits.push((await get(m, '/cgi-bin/token', tokenQ)).body.errcode === -1);
      return hits;
    };
    const a = await run();
    expect(await run()).toEqual(a);
    const n = a.filter(Boolean).length;
    expect(n).toBeGreaterThan(8);
    expect(n).toBeLessThan(32);
  });

  it('a client-simulator endpoint can be faulted by name', async () => {
    const m = mock();
    m.control.addFault({ endpoint: '/__client/login', kind: 'errcode', errcode: -1 });
    const r = await post(m, '/__client/login', { user: 'alice' });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ errMsg: 'login:fail system error', errno: -1 });
  });

  it('latency delays the answer, which is otherwise normal', async () => {
    const m = mock();
    m.control.addFault({ endpoint: '/cgi-bin/token', kind: 'latency', latencyMs: 150 });
    const t = performance.now();
    const r = await get(m, '/cgi-bin/token', tokenQ);
    expect(performance.now() - t).toBeGreaterThanOrEqual(140);
    expect(r.body.access_token).toBeDefined();
  });

  it('a caller that gives up during a latency fault ends the request there: unprocessed, journalled, nothing left pending', async () => {
    const m = mock();
    await m.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = m.app.server.address() as AddressInfo;
    m.control.addFault({ endpoint: '/sns/jscode2session', kind: 'latency', latencyMs: 60_000 });
    const code = m.control.client.login({ user: 'alice' }).code;
    await new Promise<void>((resolve) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: `/sns/jscode2session?appid=${APPID}&secret=${SECRET}&js_code=${code}&grant_type=authorization_code`, agent: false });
      req.on('error', () => resolve());
      req.end();
      // The caller's own deadline: it hangs up while the mock still holds the request.
      setTimeout(() => req.destroy(), 100);
    });
    await until(() => m.control.journal().some((e) => e.path === '/sns/jscode2session'));
    const e = m.control.journal().find((x) => x.path === '/sns/jscode2session')!;
    expect(e).toMatchObject({ status: 0, fault: 'latency' });
    // The handler never ran: the code is still good.
    expect((await exchange(m, code)).body.openid).toBeDefined();
    // And close() does not wait out the 60 s.
    await m.app.close();
  });

  describe('after processing (when: "after")', () => {
    const q = (code: string) => `/sns/jscode2session?appid=${APPID}&secret=${SECRET}&js_code=${code}&grant_type=authorization_code`;

    it('http5xx: the code is used, the answer replaced by the gateway page; a retry meets 40163', async () => {
      const m = mock();
      m.control.addFault({ endpoint: '/sns/jscode2session', kind: 'http5xx', status: 502, when: 'after' });
      const code = m.control.client.login({ user: 'alice' }).code!;
      const res = await m.app.inject({ method: 'GET', url: q(code) });
      expect(res.statusCode).toBe(502);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.body).not.toContain('session_key');
      const again = await exchange(m, code);
      expect(again.body.errcode).toBe(40163);
      const [retry, first] = m.control.journal(2);
      expect(first).toMatchObject({ status: 502, fault: 'http5xx', faultWhen: 'after' });
      expect(retry).toMatchObject({ errcode: 40163 });
      expect(retry!.fault).toBeUndefined();
    });

    it('drop: the connection dies where the answer was (real socket); the code is used', async () => {
      const m = mock();
      await m.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = m.app.server.address() as AddressInfo;
      m.control.addFault({ endpoint: '/sns/jscode2session', kind: 'drop', when: 'after' });
      const code = m.control.client.login({ user: 'alice' }).code!;
      const outcome = await new Promise<string>((resolve) => {
        const req = httpRequest({ host: '127.0.0.1', port, path: q(code), agent: false }, (res) => resolve(`status ${res.statusCode}`));
        req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
        req.end();
      });
      expect(outcome).toMatch(/ECONNRESET|socket hang up/);
      expect((await exchange(m, code)).body.errcode).toBe(40163);
      expect(m.control.journal(2)[1]).toMatchObject({ status: 0, fault: 'drop', faultWhen: 'after' });
      await m.app.close();
    });

    it('latency: the answer comes late; a caller that gave up finds the code used', async () => {
      const m = mock();
      await m.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = m.app.server.address() as AddressInfo;
      m.control.addFault({ endpoint: '/sns/jscode2session', kind: 'latency', latencyMs: 60_000, when: 'after' });
      const code = m.control.client.login({ user: 'alice' }).code!;
      await new Promise<void>((resolve) => {
        const req = httpRequest({ host: '127.0.0.1', port, path: q(code), agent: false });
        req.on('error', () => resolve());
        req.end();
        setTimeout(() => req.destroy(), 100);
      });
      await until(() => m.control.journal().some((e) => e.path === '/sns/jscode2session'));
      expect(m.control.journal()[0]).toMatchObject({ status: 0, fault: 'latency', faultWhen: 'after' });
      expect((await exchange(m, code)).body.errcode).toBe(40163);
      await m.app.close();
    });

    it('after takes only kinds that act on an answer, and when only before or after', async () => {
      const m = mock();
      expect(() => m.control.addFault({ endpoint: '/sns/jscode2session', kind: 'errcode', when: 'after' })).toThrow(/when "after" takes kind drop, http5xx, latency/);
      expect(() => m.control.addFault({ endpoint: '/sns/jscode2session', kind: 'drop', when: 'later' as never })).toThrow(/fault.when must be one of before, after/);
      const r = await post(m, '/__admin/faults', { endpoint: '/sns/jscode2session', kind: 'textPlain', when: 'after' });
      expect(r.status).toBe(400);
    });
  });

  it('http5xx answers a gateway error page with the status', async () => {
    const m = mock();
    m.control.addFault({ endpoint: '/sns/jscode2session', kind: 'http5xx', status: 502 });
    const res = await m.app.inject({ method: 'GET', url: '/sns/jscode2session' });
    expect(res.statusCode).toBe(502);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('502');
    const again = await m.app.inject({ method: 'GET', url: '/sns/jscode2session' });
    expect(again.statusCode).toBe(200);
  });

  it('textPlain labels the JSON answer text/plain', async () => {
    // jscode2session is text/plain by default (its newest capture, quirks.ts): the token answer shows the fault.
    const m = mock();
    m.control.addFault({ endpoint: '/cgi-bin/token', kind: 'textPlain' });
    const token = () => get(m, '/cgi-bin/token', { grant_type: 'client_credential', appid: APPID, secret: SECRET });
    const r = await token();
    expect(r.headers['content-type']).toBe('text/plain');
    expect(r.body.expires_in).toBe(7200);
    expect((await token()).headers['content-type']).toMatch(/^application\/json/);
  });

  it('drop destroys the connection without an answer (real socket)', async () => {
    const m = mock();
    await m.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = m.app.server.address() as AddressInfo;
    m.control.addFault({ endpoint: '/cgi-bin/token', kind: 'drop' });
    const outcome = await new Promise<string>((resolve) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/cgi-bin/token', agent: false }, (res) => {
        resolve(`status ${res.statusCode}`);
      });
      req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      req.end();
    });
    expect(outcome).toMatch(/ECONNRESET|socket hang up/);
    const ok = await fetch(`http://127.0.0.1:${port}/cgi-bin/token?grant_type=client_credential&appid=${APPID}&secret=${SECRET}`);
    expect(((await ok.json()) as { access_token?: string }).access_token).toBeDefined();
    expect(m.control.journal(2).map((e) => e.fault)).toEqual([undefined, 'drop']);
  });

  it('rejects malformed fault specs with HTTP 400 naming the field', async () => {
    const m = mock();
    for (const [spec, msg] of [
      [{ endpoint: '/nope', kind: 'errcode' }, /fault.endpoint/],
      [{ endpoint: '*', kind: 'explode' }, /fault.kind/],
      [{ endpoint: '*', kind: 'http5xx', status: 404 }, /fault.status/],
      [{ endpoint: '*', kind: 'errcode', probability: 2 }, /fault.probability/],
      [{ endpoint: '*', kind: 'errcode', times: 0 }, /fault.times/],
      [{ endpoint: '*', kind: 'errcode', colour: 'red' }, /unknown field colour/],
    ] as const) {
      const r = await post(m, '/__admin/faults', spec);
      expect(r.status).toBe(400);
      expect(r.body.error).toMatch(msg);
    }
    const ok = await post(m, '/__admin/faults', { endpoint: '*', kind: 'latency', latencyMs: 1, probability: 0.1 });
    expect(ok.status).toBe(201);
    const list = (await m.app.inject('/__admin/faults')).json();
    expect(list.faults).toHaveLength(1);
    expect(list.faults[0]).toMatchObject({ id: ok.body.id, endpoint: '*', kind: 'latency', remaining: null });
  });
});
