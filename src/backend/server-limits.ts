// What a server with no proxy in front must bound itself: how long a client may take to send a request, how long an
// idle keep-alive connection stays, how many connections are open at once, and how a refused body is answered.
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

export interface ServerLimits {
  /** 0 turns the limit off. */
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

/**
 * Fastify options for the limits. Node's own defaults let one client hold a connection for minutes (and fastify turns
 * requestTimeout off), so slow-header and slow-body clients could keep every slot busy
 * (https://nodejs.org/api/http.html#serverrequesttimeout).
 *
 * Node notices an expired header or request deadline only when it checks its connections, every
 * connectionsCheckingInterval (30 s by default), and reads that option once, in http.createServer: fastify hands its
 * `http` option to createServer, so it goes there. requestTimeout goes there too, although fastify sets it again on
 * the server afterwards: createServer refuses a headersTimeout above the requestTimeout it is given (5 minutes when
 * none is).
 */
export function serverOptions(c: ServerLimits) {
  const request = Math.max(0, c.requestTimeoutMs);
  const headers = request > 0 ? Math.min(c.headersTimeoutMs, request) : Math.max(0, c.headersTimeoutMs);
  const shortest = Math.min(...[headers, request].filter((ms) => ms > 0));
  return {
    requestTimeout: request,
    keepAliveTimeout: c.keepAliveTimeoutMs,
    http: {
      requestTimeout: request,
      headersTimeout: headers,
      // A quarter of the shortest deadline, within 50 ms .. 1 s: late by at most that, without a busy timer.
      connectionsCheckingInterval: Number.isFinite(shortest) ? Math.max(50, Math.min(1000, Math.floor(shortest / 4))) : 30_000,
    },
  };
}

export interface DrainBounds {
  /** Body bytes read and dropped after the refusal before the connection is cut. */
  maxBytes: number;
  /** Time after the refusal before the connection is cut, whatever the client is still sending. */
  maxMs: number;
}

export const DRAIN_DEFAULTS: DrainBounds = { maxBytes: 8 * 1024 * 1024, maxMs: 5_000 };

/**
 * A body over the limit is refused before it is read (by its Content-Length, or as soon as a chunked body passes the
 * limit). Closing the socket right after the answer would reset a client that writes its whole body before reading
 * (urllib, many SDKs): the unread bytes make the kernel send a RST, and the client sees a broken pipe or ECONNRESET
 * instead of the 413. So, as RFC 9112 section 9.6 describes: the answer says `Connection: close`, the write side is
 * closed after it, and the rest of the body is read and dropped until it ends or the client closes, at most maxBytes
 * and maxMs, before the socket is closed.
 */
export function drainRefusedBodies(app: FastifyInstance, bounds: DrainBounds = DRAIN_DEFAULTS) {
  const draining = new WeakSet<Socket>();
  // onError, not onSend: it costs nothing on the requests that do not fail.
  app.addHook('onError', async (req, reply, error) => {
    if ((error as { statusCode?: number }).statusCode !== 413) return;
    reply.header('connection', 'close');
    const raw = req.raw;
    // app.inject() has no real socket (no destroySoon): nothing to drain there.
    const socket = raw.socket as (Socket & { destroySoon?: () => void }) | null;
    if (raw.complete || !socket || socket.destroyed || typeof socket.destroySoon !== 'function') return;
    if (draining.has(socket)) return;
    draining.add(socket);

    const nodeDestroySoon = socket.destroySoon;
    let bodyDone = false;
    let answered = false;
    let seen = 0;
    const cut = () => {
      raw.off('data', count);
      socket.destroy();
    };
    const timer = setTimeout(cut, bounds.maxMs);
    timer.unref();
    // Node closes a `Connection: close` socket with destroySoon() once the answer is written: end the write side
    // only, and close the socket when the body is over (or a bound is reached).
    socket.destroySoon = () => {
      answered = true;
      if (bodyDone) nodeDestroySoon.call(socket);
      else if (socket.writable) socket.end();
    };
    function count(chunk: Buffer) {
      seen += chunk.length;
      if (seen > bounds.maxBytes) cut();
    }
    raw.on('data', count);
    raw.once('end', () => {
      bodyDone = true;
      raw.off('data', count);
      if (answered) nodeDestroySoon.call(socket);
    });
    socket.once('close', () => clearTimeout(timer));
    // The body is not being read (refused by its Content-Length), or no longer (the parser stopped at the limit).
    raw.resume();
    return;
  });
}
