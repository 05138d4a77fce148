// Where a request's token is read, and the session behind it attached to the request for the handlers.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Authenticated, Service } from './service.js';

/**
 * The token from the Authorization header or the body. A query string ends up in proxy and access logs and in
 * browser history (OWASP ASVS 3.1.1), so `?token=` counts only where the route allows it and the operator opted in.
 */
function bearer(req: FastifyRequest, allowQuery: boolean): string | undefined {
  const h = req.headers.authorization;
  if (typeof h === 'string' && h.length > 7 && h.slice(0, 7).toLowerCase() === 'bearer ') return h.slice(7).trim();
  const body = req.body as { token?: unknown } | undefined;
  if (body && typeof body.token === 'string') return body.token;
  if (!allowQuery) return undefined;
  const q = req.query as { token?: unknown } | undefined;
  if (q && typeof q.token === 'string') return q.token;
  return undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: Authenticated | null;
  }
}

/** preHandler hooks that authenticate: `auth` on every authenticated route, `authQuery` where ?token= may be allowed. */
export function authHooks(app: FastifyInstance, service: Service, allowQueryToken: boolean) {
  app.decorateRequest('auth', null);
  const authed = (allowQuery: boolean) => async (req: FastifyRequest) => {
    req.auth = await service.authenticate(bearer(req, allowQuery));
  };
  return { auth: authed(false), authQuery: authed(allowQueryToken), who: (req: FastifyRequest) => req.auth as Authenticated };
}
