// Slow and greedy clients against a real listening mock (port 0): request, headers and keep-alive timeouts and a
// connection cap. Timeouts are set to hundreds of ms; the only timing asserted is "closed within a generous bound".
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { buildMockWechat, SERVER_DEFAULTS, validateMockConfig, type MockOptions } from '../../mock-wechat/index.js';

const BOUND_MS = 8000;
const sockets: Socket[] = [];
const apps: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const a of apps.splice(0)) await a.close();
});

async function listen(opts: MockOptions) {
  const m = buildMockWechat({ seed: 1, ...opts });
  apps.push(m.app);
  await m.app.listen({ port: 0, host: '127.0.0.1' });
  return { ...m, port: (m.app.server.address() as AddressInfo).port };
}

/** A raw TCP client: what it received, and a promise settled when the server closes it (or the bound passes). */
async function raw(port: number) {
  const s = connect(port, '127.0.0.1');
  sockets.push(s);
  let received = '';
  s.on('data', (d: Buffer) => (received += d.toString('latin1')));
  s.on('error', () => undefined);
  const closed = new Promise<'closed' | 'still open'>((resolve) => {
    s.on('close', () => resolve('closed'));
    setTimeout(() => resolve('still open'), BOUND_MS).unref();
  });
  await once(s, 'connect');
  return { socket: s, closed, received: () => received };
}

describe('server guards', () => {
  it('defaults: 30 s request, 10 s headers, 5 s keep-alive, 1024 connections', () => {
    expect(SERVER_DEFAULTS).toEqual({ requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, keepAliveTimeoutMs: 5_000, maxConnections: 1024 });
    const { app } = buildMockWechat();
    apps.push(app);
    expect(app.server.requestTimeout).toBe(30_000);
    expect(app.server.headersTimeout).toBe(10_000);
    expect(app.server.keepAliveTimeout).toBe(5_000);
    expect(app.server.maxConnections).toBe(1024);
    const short = buildMockWechat({ requestTimeoutMs: 4000 });
    apps.push(short.app);
    expect(short.app.server.headersTimeout).toBe(4000);
  });

  it('bad values are refused: at build and in a config file', () => {
    expect(() => buildMockWechat({ requestTimeoutMs: 1000, headersTimeoutMs: 2000 })).toThrow(
      /headersTimeoutMs \(2000\) must be at most requestTimeoutMs \(1000\)/,
    );
    expect(() => buildMockWechat({ maxConnections: 0 })).toThrow(/maxConnections must be an integer >= 1/);
    expect(() => buildMockWechat({ keepAliveTimeoutMs: 1.5 })).toThrow(/keepAliveTimeoutMs/);
    expect(() => validateMockConfig({ requestTimeoutMs: 1000, headersTimeoutMs: 2000 })).toThrow(/headersTimeoutMs \(2000\) must be at most/);
    expect(() => validateMockConfig({ maxConnections: -5 })).toThrow(/maxConnections must be an integer >= 1/);
    const ok = validateMockConfig({ requestTimeoutMs: 1000, headersTimeoutMs: 500, keepAliveTimeoutMs: 100, maxConnections: 8 });
    expect(ok.maxConnections).toBe(8);
  });

  it('a client that sends part of its headers and stalls is closed after the headers timeout', async () => {
    const { port } = await listen({ headersTimeoutMs: 200, requestTimeoutMs: 400 });
    const c = await raw(port);
    c.socket.write('GET /__admin/apps HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    expect(await c.closed).toBe('closed');
    expect(c.received()).toMatch(/^(HTTP\/1\.1 408|$)/);
  });

  it('a client that connects and sends nothing is closed too', async () => {
    const { port } = await listen({ headersTimeoutMs: 200, requestTimeoutMs: 400 });
    const c = await raw(port);
    expect(await c.closed).toBe('closed');
  });

  it('a client that sends its headers and part of the body, then stalls, gets 408 or is closed', async () => {
    const { port, control } = await listen({ headersTimeoutMs: 200, requestTimeoutMs: 400 });
    const c = await raw(port);
    c.socket.write(
      'POST /cgi-bin/stable_token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"grant_type":',
    );
    expect(await c.closed).toBe('closed');
    expect(c.received()).toMatch(/^(HTTP\/1\.1 408|$)/);
    expect(control.journal().filter((e) => e.status === 200)).toEqual([]);
  });

  it('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const { port } = await listen({ keepAliveTimeoutMs: 200 });
    const c = await raw(port);
    c.socket.write('GET /__admin/apps HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
    expect(await c.closed).toBe('closed');
    expect(c.received()).toMatch(/^HTTP\/1\.1 200/);
  });

  it('connections beyond the cap are refused; a normal request works once they close', async () => {
    const { app, port } = await listen({ maxConnections: 3 });
    const held = [await raw(port), await raw(port), await raw(port)];
    // Wait until the server has accepted all three.
    for (let i = 0; i < 100; i++) {
      const n = await new Promise<number>((r) => app.server.getConnections((_e, count) => r(count)));
      if (n === 3) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const extra = await raw(port);
    expect(await extra.closed).toBe('closed');
    expect(extra.received()).toBe('');
    for (const h of held) h.socket.destroy();
    await Promise.all(held.map((h) => h.closed));
    for (let i = 0; i < 100; i++) {
      const n = await new Promise<number>((r) => app.server.getConnections((_e, count) => r(count)));
      if (n === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const res = await fetch(`http://127.0.0.1:${port}/__admin/apps`, { headers: { connection: 'close' } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { apps: unknown[] }).apps).toHaveLength(1);
  });
});
