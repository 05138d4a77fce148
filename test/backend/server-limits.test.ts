// What the backend bounds by itself when no proxy stands in front of it, on real ports (port 0) with raw sockets that
// behave like hostile or naive clients: slow headers, slow bodies, too many connections, a body written whole before
// the answer is read, an endless body; and the two health routes. Waits are generous bounds ("closed within 5 s"),
// never timings.
import { request, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { drainRefusedBodies, serverOptions } from '../../src/backend/server-limits.js';
import { openStore, type Store } from '../../src/store/index.js';
import { makeBackend, startMock, type Mock } from './helpers.js';

const BOUND_MS = 5000;
const MiB = 1024 * 1024;

let mock: Mock;
beforeAll(async () => {
  mock = await startMock();
});
afterAll(async () => {
  await mock.close();
});

// ---- raw sockets ----------------------------------------------------------------------------------------------------

interface Client {
  sock: Socket;
  /** The first socket error (ECONNRESET, EPIPE), if any. */
  error(): NodeJS.ErrnoException | undefined;
  isClosed(): boolean;
  /** Resolves when the socket is closed, by either side. */
  closed: Promise<void>;
  /** Starts reading; until then whatever the server sends waits in the socket's buffers. */
  read(): void;
  text(): string;
}

const sockets: Socket[] = [];
/** Destroys every client socket of the test (before an app.close(), which waits for open connections). */
const dropClients = () => {
  for (const s of sockets.splice(0)) s.destroy();
};
afterEach(dropClients);

/** allowHalfOpen: the client keeps its side open (and writing) after the server has closed its own. */
function dial(port: number, opts: { allowHalfOpen?: boolean } = {}): Promise<Client> {
  return new Promise((resolve, reject) => {
    const sock = connect({ port, host: '127.0.0.1', allowHalfOpen: opts.allowHalfOpen ?? false });
    sockets.push(sock);
    let error: NodeJS.ErrnoException | undefined;
    let isClosed = false;
    const chunks: Buffer[] = [];
    const closed = new Promise<void>((r) =>
      sock.once('close', () => {
        isClosed = true;
        r();
      }),
    );
    sock.once('error', reject);
    sock.once('connect', () => {
      sock.off('error', reject);
      sock.on('error', (e) => {
        error ??= e;
      });
      resolve({
        sock,
        error: () => error,
        isClosed: () => isClosed,
        closed,
        read: () => sock.on('data', (c: Buffer) => chunks.push(c)),
        text: () => Buffer.concat(chunks).toString('latin1'),
      });
    });
  });
}

/**
 * Writes each buffer and waits until the socket has taken it; rejects with the write error (EPIPE, ECONNRESET).
 * pauseMs between buffers: on loopback the kernel buffers take megabytes at once, so without a pause the whole body
 * could be sent before the server even answers, unlike over a real network.
 */
async function writeAll(sock: Socket, bufs: Buffer[], pauseMs = 0): Promise<void> {
  for (const b of bufs) {
    await new Promise<void>((resolve, reject) => sock.write(b, (err) => (err ? reject(err) : resolve())));
    if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
  }
}

/** True when p settled within ms; a rejection of p is thrown. */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((r) => {
    timer = setTimeout(() => r(false), ms);
  });
  try {
    return await Promise.race([p.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

async function until(cond: () => boolean | Promise<boolean>, ms = BOUND_MS): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function parseResponse(text: string) {
  const at = text.indexOf('\r\n\r\n');
  const head = at < 0 ? text : text.slice(0, at);
  const [status, ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(status ?? '')?.[1]), headers, body: at < 0 ? '' : text.slice(at + 4) };
}

function slices(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

const chunk = (b: Buffer) => Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]);

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function connectionCount(server: Server): Promise<number> {
  return new Promise((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
}

async function listen(app: FastifyInstance): Promise<number> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as { port: number }).port;
}

function logCapture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(c, _enc, cb) {
      for (const l of String(c).split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, logger: { level: 'info', stream } };
}

// ---- slow clients ---------------------------------------------------------------------------------------------------

/**
 * A backend listening on a free port for the tests of one describe block. After each test: a client cut off or
 * refused is not a failure of the server, so no error line and no 500 in its log.
 */
function liveBackend(over: Parameters<typeof makeBackend>[1]) {
  const log = logCapture();
  const live = { app: undefined as unknown as FastifyInstance, port: 0, log };
  beforeAll(async () => {
    ({ app: live.app } = await makeBackend(mock, { ...over, logger: log.logger }));
    live.port = await listen(live.app);
  });
  afterAll(async () => {
    await live.app.close();
  });
  afterEach(() => {
    expect(log.lines.filter((l) => (l.level as number) >= 50)).toEqual([]);
    expect(log.lines.filter((l) => (l.res as { statusCode?: number } | undefined)?.statusCode === 500)).toEqual([]);
  });
  return live;
}

describe('slow clients', () => {
  const live = liveBackend({ headersTimeoutMs: 300, requestTimeoutMs: 600, keepAliveTimeoutMs: 300 });

  it('the limits reach the server Node creates, with a checking interval short enough to enforce them', () => {
    const s = live.app.server as Server & { connectionsCheckingInterval: number };
    expect({ headers: s.headersTimeout, request: s.requestTimeout, keepAlive: s.keepAliveTimeout }).toEqual({
      headers: 300,
      request: 600,
      keepAlive: 300,
    });
    // Node checks the header and request deadlines only every connectionsCheckingInterval (30 s by default); the
    // option is read once, by http.createServer.
    expect(s.connectionsCheckingInterval).toBeGreaterThan(0);
    expect(s.connectionsCheckingInterval).toBeLessThanOrEqual(300);
  });

  it('a client that stalls inside its headers gets 408 and is closed', async () => {
    const c = await dial(live.port);
    c.read();
    c.sock.write('POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty');
    expect(await within(c.closed, BOUND_MS)).toBe(true);
    expect(c.text()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('a client that connects and sends nothing is closed', async () => {
    const c = await dial(live.port);
    c.read();
    expect(await within(c.closed, BOUND_MS)).toBe(true);
  });

  it('a client that stalls inside its body gets 408 or is closed', async () => {
    const c = await dial(live.port);
    c.read();
    c.sock.write(
      'POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"code":"abc',
    );
    expect(await within(c.closed, BOUND_MS)).toBe(true);
    expect(c.text()).toMatch(/^(HTTP\/1\.1 408 |$)/);
  });

  it('an idle keep-alive connection is closed after keepAliveTimeoutMs', async () => {
    const c = await dial(live.port);
    c.read();
    c.sock.write('GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await until(() => c.text().includes('"status":"ok"'));
    expect(parseResponse(c.text()).status).toBe(200);
    expect(await within(c.closed, BOUND_MS)).toBe(true);
  });
});

describe('maxConnections', () => {
  it('refuses connections over the cap at once, and serves again once they close', async () => {
    // Long timeouts: only the cap may close anything here.
    const { app } = await makeBackend(mock, { maxConnections: 3, headersTimeoutMs: 20_000, requestTimeoutMs: 30_000 });
    try {
      const port = await listen(app);
      const drops: unknown[] = [];
      app.server.on('drop', (d) => drops.push(d));
      const holders = await Promise.all([1, 2, 3].map(() => dial(port)));
      await until(async () => (await connectionCount(app.server)) === 3);

      const extra = await dial(port);
      extra.read();
      expect(await within(extra.closed, BOUND_MS)).toBe(true);
      expect(extra.text()).toBe('');
      expect(drops.length).toBeGreaterThanOrEqual(1);
      expect(holders.map((h) => h.isClosed())).toEqual([false, false, false]);

      for (const h of holders) h.sock.destroy();
      await until(async () => (await connectionCount(app.server)) === 0);
      const r = await get(port, '/livez');
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body)).toEqual({ code: 200, msg: 'ok', data: { status: 'ok' } });
    } finally {
      dropClients();
      await app.close();
    }
  });
});

// ---- 413 ------------------------------------------------------------------------------------------------------------

describe('a refused body: the client reads the 413', () => {
  const live = liveBackend({ bodyLimitBytes: 64 * 1024 });

  const big = Buffer.from(JSON.stringify({ code: 'a'.repeat(2 * MiB) }));
  const head = (framing: string) =>
    Buffer.from(`POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${framing}\r\n\r\n`);

  async function expect413(c: Client) {
    c.read();
    expect(await within(c.closed, BOUND_MS)).toBe(true);
    expect(c.error()).toBeUndefined();
    const r = parseResponse(c.text());
    expect(r.status).toBe(413);
    expect(r.headers.connection).toBe('close');
    expect(JSON.parse(r.body)).toMatchObject({ code: 201, error: 'body_too_large', data: null });
    expect(live.log.lines.some((l) => (l.res as { statusCode?: number } | undefined)?.statusCode === 413)).toBe(true);
  }

  it('with Content-Length: 2 MB written whole before anything is read', async () => {
    const c = await dial(live.port);
    expect(await within(writeAll(c.sock, [head(`Content-Length: ${big.length}`), ...slices(big, 64 * 1024)], 3), BOUND_MS)).toBe(true);
    await expect413(c);
  });

  it('chunked: 2 MB written whole before anything is read', async () => {
    const c = await dial(live.port);
    const body = [...slices(big, 64 * 1024).map(chunk), Buffer.from('0\r\n\r\n')];
    expect(await within(writeAll(c.sock, [head('Transfer-Encoding: chunked'), ...body], 3), BOUND_MS)).toBe(true);
    await expect413(c);
  });

  it('the connection is not reused: a request pipelined after the refused body is not answered', async () => {
    const c = await dial(live.port);
    const body = Buffer.from('{"code":"' + 'a'.repeat(100 * 1024) + '"}');
    const next = Buffer.from('GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await writeAll(c.sock, [head(`Content-Length: ${body.length}`), body, next]);
    c.read();
    expect(await within(c.closed, BOUND_MS)).toBe(true);
    expect(c.text().match(/HTTP\/1\.1 /g)).toEqual(['HTTP/1.1 ']);
    expect(parseResponse(c.text()).status).toBe(413);
  });

  it('an endless body does not hold the socket: it is closed after a bounded drain', async () => {
    // A client that ignores the answer and the server's FIN, and writes forever.
    const c = await dial(live.port, { allowHalfOpen: true });
    c.read();
    const written = pump(c, head('Transfer-Encoding: chunked'), chunk(Buffer.alloc(64 * 1024, 'a')));
    expect(await within(c.closed, 3 * BOUND_MS)).toBe(true);
    // Kernel buffers on both sides hold a few MB; the drain itself stops at 8 MB.
    expect(await written).toBeLessThan(64 * MiB);
    expect(parseResponse(c.text()).status).toBe(413);
  });
});

/** Writes head, then piece after piece until the socket closes; resolves to the bytes written after head. */
async function pump(c: Client, head: Buffer, piece: Buffer): Promise<number> {
  let written = 0;
  try {
    await writeAll(c.sock, [head]);
    while (!c.isClosed()) {
      await writeAll(c.sock, [piece]);
      written += piece.length;
    }
  } catch {
    // EPIPE, ECONNRESET: the server cut the connection
  }
  return written;
}

describe('drainRefusedBodies bounds', () => {
  async function bare(bounds: { maxBytes: number; maxMs: number }) {
    const app = Fastify({ bodyLimit: 1024 });
    drainRefusedBodies(app, bounds);
    app.post('/x', async () => ({ ok: true }));
    const port = await listen(app);
    return { app, port };
  }

  it('stops reading a trickling body after maxMs', async () => {
    const { app, port } = await bare({ maxBytes: 64 * MiB, maxMs: 300 });
    try {
      const c = await dial(port, { allowHalfOpen: true });
      c.read();
      await writeAll(c.sock, [
        Buffer.from('POST /x HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n'),
        Buffer.alloc(2048, 'a'),
      ]);
      await until(() => c.text().includes('\r\n\r\n'));
      expect(parseResponse(c.text()).status).toBe(413);
      // The answer is out and the server has ended its side; the client goes on sending, slowly.
      const trickle = setInterval(() => {
        if (!c.isClosed()) c.sock.write(Buffer.alloc(100, 'a'), () => undefined);
      }, 20);
      try {
        expect(await within(c.closed, BOUND_MS)).toBe(true);
      } finally {
        clearInterval(trickle);
      }
    } finally {
      dropClients();
      await app.close();
    }
  });

  it('stops reading a fast body after maxBytes', async () => {
    const { app, port } = await bare({ maxBytes: 256 * 1024, maxMs: 60_000 });
    try {
      const c = await dial(port, { allowHalfOpen: true });
      c.read();
      const head = Buffer.from('POST /x HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
      const written = pump(c, head, chunk(Buffer.alloc(64 * 1024, 'a')));
      expect(await within(c.closed, BOUND_MS)).toBe(true);
      expect(await written).toBeLessThan(64 * MiB);
      expect(parseResponse(c.text()).status).toBe(413);
    } finally {
      dropClients();
      await app.close();
    }
  });

  it('closes at once when the refused body ends, even if the client keeps its side open', async () => {
    const { app, port } = await bare({ maxBytes: 64 * MiB, maxMs: 60_000 });
    try {
      const c = await dial(port, { allowHalfOpen: true });
      c.read();
      const body = Buffer.alloc(10_000, 'a');
      await writeAll(c.sock, [Buffer.from(`POST /x HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`), body]);
      // The client's side stays open (allowHalfOpen), so the server's count says when the server has let go.
      expect(await within(until(async () => (await connectionCount(app.server)) === 0), BOUND_MS)).toBe(true);
      await until(() => c.text().includes('\r\n\r\n'));
      expect(c.error()).toBeUndefined();
      expect(parseResponse(c.text()).status).toBe(413);
    } finally {
      dropClients();
      await app.close();
    }
  });

  it('serverOptions keeps headersTimeout within requestTimeout and is accepted by http.createServer', () => {
    for (const [h, r] of [
      [300, 600],
      [10_000, 30_000],
      [400_000, 500_000],
      [600_000, 600_000],
    ] as const) {
      const app = Fastify(serverOptions({ headersTimeoutMs: h, requestTimeoutMs: r, keepAliveTimeoutMs: 1000 }));
      const s = app.server as Server & { connectionsCheckingInterval: number };
      expect({ h: s.headersTimeout, r: s.requestTimeout }).toEqual({ h, r });
      expect(s.connectionsCheckingInterval).toBeLessThanOrEqual(h);
      void app.close();
    }
  });
});

// ---- health ---------------------------------------------------------------------------------------------------------

describe('health', () => {
  let base: Store;
  beforeAll(async () => {
    base = await openStore('memory://', { now: mock.control.now });
  });
  afterAll(async () => {
    await base.close();
  });

  /** The store with every method call recorded once armed (namespaces included). */
  function watched(store: Store) {
    const calls: string[] = [];
    let armed = false;
    const wrap = <T extends object>(o: T, path: string): T =>
      new Proxy(o, {
        get(t, k, r) {
          const v = Reflect.get(t, k, r) as unknown;
          if (typeof v === 'function')
            return (...a: unknown[]) => {
              if (armed) calls.push(`${path}${String(k)}`);
              return (v as (...x: unknown[]) => unknown).apply(t, a);
            };
          if (v && typeof v === 'object') return wrap(v, `${path}${String(k)}.`);
          return v;
        },
      });
    return { store: wrap(store, ''), calls, arm: () => (armed = true) };
  }

  it('/livez answers 200 without touching the store', async () => {
    const w = watched({ ...base, ping: () => Promise.reject(new Error('down')) });
    const { app } = await makeBackend(mock, { store: w.store });
    try {
      w.arm();
      const r = await app.inject({ method: 'GET', url: '/livez' });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toEqual({ code: 200, msg: 'ok', data: { status: 'ok' } });
      expect(w.calls).toEqual([]);
    } finally {
      dropClients();
      await app.close();
    }
  });

  const healthz = async (ping: (ms: number) => Promise<void>) => {
    const { app } = await makeBackend(mock, { store: { ...base, ping }, healthTimeoutMs: 200 });
    try {
      const res = app.inject({ method: 'GET', url: '/healthz' });
      expect(await within(res, BOUND_MS)).toBe(true);
      return await res;
    } finally {
      dropClients();
      await app.close();
    }
  };
  const expect503 = (r: { statusCode: number; json(): unknown }) => {
    expect(r.statusCode).toBe(503);
    expect(r.json()).toMatchObject({ code: 503, error: 'store_unavailable', data: null });
  };

  it('/healthz answers 200 when the store answers', async () => {
    const seen: number[] = [];
    const r = await healthz(async (ms) => {
      seen.push(ms);
    });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ code: 200, msg: 'ok', data: { status: 'ok', store: 'memory' } });
    expect(seen).toEqual([200]);
  });

  it('/healthz answers 503 store_unavailable when ping rejects', async () => {
    expect503(await healthz(() => Promise.reject(new Error('ECONNREFUSED'))));
  });

  it('/healthz answers 503 store_unavailable when ping never answers', async () => {
    expect503(await healthz(() => new Promise<void>(() => undefined)));
  });

  it('/healthz answers 503 store_unavailable when ping answers after healthTimeoutMs', async () => {
    expect503(await healthz(() => new Promise<void>((r) => setTimeout(r, 1500))));
  });
});
