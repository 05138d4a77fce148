// The fastify instance the three faces share: body limit, timeouts and a connection cap, and request logging that
// never shows a secret.
import Fastify, { type FastifyInstance } from 'fastify';
import { MockUsageError } from '../errors.js';
import { SERVER_DEFAULTS } from '../limits.js';
import type { Masker } from '../masking.js';
import type { MockOptions } from '../options.js';

export const BODY_LIMIT = 64 * 1024;

/** Resolved server guards; a bad value is a MockUsageError naming the option. */
export function resolveServerOptions(opts: MockOptions) {
  const int = (name: keyof typeof SERVER_DEFAULTS, v: number | undefined) => {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new MockUsageError(`${name} must be an integer >= 1, got ${v}`);
    return v;
  };
  const requestTimeoutMs = int('requestTimeoutMs', opts.requestTimeoutMs) ?? SERVER_DEFAULTS.requestTimeoutMs;
  const given = int('headersTimeoutMs', opts.headersTimeoutMs);
  // Node refuses headersTimeout > requestTimeout; a lone short requestTimeout pulls the default headers timeout down.
  if (given !== undefined && given > requestTimeoutMs) {
    throw new MockUsageError(`headersTimeoutMs (${given}) must be at most requestTimeoutMs (${requestTimeoutMs})`);
  }
  const headersTimeoutMs = given ?? Math.min(SERVER_DEFAULTS.headersTimeoutMs, requestTimeoutMs);
  return {
    requestTimeoutMs,
    headersTimeoutMs,
    keepAliveTimeoutMs: int('keepAliveTimeoutMs', opts.keepAliveTimeoutMs) ?? SERVER_DEFAULTS.keepAliveTimeoutMs,
    maxConnections: int('maxConnections', opts.maxConnections) ?? SERVER_DEFAULTS.maxConnections,
  };
}

export function createServer(opts: MockOptions, masker: Masker): FastifyInstance {
  const srvOpts = resolveServerOptions(opts);
  // With logging on, request lines carry the path only (query strings hold secrets, codes and tokens), and the path
  // itself masked (`;secret=...` matrix parameters).
  const logger = opts.logger
    ? {
        ...(typeof opts.logger === 'object' ? opts.logger : {}),
        serializers: {
          req: (req: { method: string; url: string }) => ({ method: req.method, url: masker.maskPath(req.url.split('?')[0] ?? '') }),
        },
      }
    : false;
  // Timeouts and a connection cap, as Node's http docs ask of a server facing clients directly
  // (https://nodejs.org/api/http.html#serverheaderstimeout). Node checks the header and request deadlines every
  // connectionsCheckingInterval (30 s by default): a quarter of the shorter deadline keeps the check close to it.
  const checkEvery = Math.max(10, Math.min(30_000, Math.floor(srvOpts.headersTimeoutMs / 4)));
  const app = Fastify({
    logger,
    bodyLimit: BODY_LIMIT,
    // close() ends idle keep-alive connections and those of requests still held by a latency fault at once, so a
    // test or `wxlogin exec` never waits on a client that forgot to hang up.
    forceCloseConnections: true,
    requestTimeout: srvOpts.requestTimeoutMs,
    keepAliveTimeout: srvOpts.keepAliveTimeoutMs,
    http: {
      requestTimeout: srvOpts.requestTimeoutMs,
      headersTimeout: srvOpts.headersTimeoutMs,
      keepAliveTimeout: srvOpts.keepAliveTimeoutMs,
      connectionsCheckingInterval: checkEvery,
    },
  });
  app.server.maxConnections = srvOpts.maxConnections;
  return app;
}
