// Opt-in CORS: a mini program calls its backend with wx.request, which no browser checks, so the backend sends no
// CORS headers by default. A page on another origin (the mock's dashboard, a web admin) may be allowed by name:
// exact origins only, no wildcard, no credentials (the token travels in the Authorization header)
// (https://fetch.spec.whatwg.org/#http-cors-protocol).
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/** How long a browser may cache a preflight's answer. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/**
 * One allowed origin as written by a person (`http://127.0.0.1:9400`, a trailing slash tolerated), in the form a
 * browser sends in its Origin header. Throws an Error naming the problem: a path, a query, credentials, a wildcard.
 */
export function parseCorsOrigin(text: string): string {
  const t = text.trim();
  let u: URL;
  try {
    u = new URL(t);
  } catch {
    throw new Error(`"${text}" is not an origin (scheme://host[:port], e.g. http://127.0.0.1:9400)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`"${text}" is not an http(s) origin`);
  if (u.username || u.password || u.search || u.hash || u.pathname !== '/' || t.includes('*')) {
    throw new Error(`"${text}" is not an origin: only scheme://host[:port], no path, query or wildcard`);
  }
  return u.origin;
}

/** Allows the given origins (none: no CORS headers at all, today's behaviour). */
export async function registerCors(app: FastifyInstance, origins: readonly string[] | undefined): Promise<void> {
  if (!origins || origins.length === 0) return;
  const allowed = new Set(origins.map(parseCorsOrigin));
  await app.register(cors, {
    // A function, not the list: an origin not allowed gets no CORS header at all (with a list, the plugin still
    // answers its preflight with the allowed methods and headers), and the answer still varies by Origin.
    origin: (origin, cb) => cb(null, origin !== undefined && allowed.has(origin) ? origin : false),
    methods: ['GET', 'POST'],
    allowedHeaders: ['authorization', 'content-type'],
    credentials: false,
    maxAge: PREFLIGHT_MAX_AGE_SECONDS,
  });
}
