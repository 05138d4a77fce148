// The mock's fastify app over HTTPS: a node:https server whose requests go to the same app (`app.routing`, fastify's
// own request handler: https://fastify.dev/docs/latest/Reference/Server/#routing), so one state, journal and fault
// list serve both ports. Built, not listening; the caller listens and closes (closeServer).
import { createServer, type Server } from 'node:https';
import type { FastifyInstance } from 'fastify';
import { resolveServerOptions } from '../http/server.js';
import type { MockOptions } from '../options.js';

export type ServerGuards = Pick<MockOptions, 'requestTimeoutMs' | 'headersTimeoutMs' | 'keepAliveTimeoutMs' | 'maxConnections'>;

export interface TlsFrontOptions extends ServerGuards {
  certPem: string;
  keyPem: string;
}

/** The HTTPS face of `app`, which must be ready (listening, or after `await app.ready()`) before a request arrives. */
export function createTlsFront(app: FastifyInstance, opts: TlsFrontOptions): Server {
  // The same guards as the plain port (Node's http docs: https://nodejs.org/api/http.html#serverheaderstimeout).
  const g = resolveServerOptions(opts);
  const server = createServer(
    {
      cert: opts.certPem,
      key: opts.keyPem,
      minVersion: 'TLSv1.2',
      requestTimeout: g.requestTimeoutMs,
      headersTimeout: g.headersTimeoutMs,
      connectionsCheckingInterval: Math.max(10, Math.min(30_000, Math.floor(g.headersTimeoutMs / 4))),
    },
    (req, res) => app.routing(req, res),
  );
  server.keepAliveTimeout = g.keepAliveTimeoutMs;
  server.maxConnections = g.maxConnections;
  return server;
}
