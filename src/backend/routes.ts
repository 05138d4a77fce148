// The routes: each validates its input by schema, runs its hooks (token, limits), calls the service and answers in the
// envelope {code, msg, data}.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Store } from '../store/index.js';
import { authHooks } from './auth.js';
import { answer } from './error-handler.js';
import { AppError } from './errors.js';
import type { registerLimits } from './limits.js';
import type { ResolvedConfig } from './options.js';
import * as S from './schemas.js';
import type { Service } from './service.js';

const OK = 'ok';

export function registerRoutes(
  app: FastifyInstance,
  deps: { service: Service; store: Store; c: ResolvedConfig; limits: Awaited<ReturnType<typeof registerLimits>> },
) {
  const { service, store, c } = deps;
  const { dataLimit, wechatLimit } = deps.limits;
  const limit = c.loginRateLimitPerMinute;
  // A POST with no body at all (logout with the token in the header) validates as an empty object. Only on the
  // routes where that makes sense, so login does not pay for one more hook.
  const emptyBody = (req: FastifyRequest, _reply: unknown, done: () => void) => {
    if (req.body === undefined) req.body = {};
    done();
  };

  const send = <T>(data: T) => ({ code: 200, msg: OK, data });
  const { auth, authQuery, who } = authHooks(app, service, c.allowQueryToken);

  app.post<{ Body: S.LoginBody }>(
    '/login',
    {
      schema: S.loginSchema,
      config: limit > 0 ? { rateLimit: { max: limit, timeWindow: 60_000 } } : {},
    },
    async (req) => send(await service.login(req.body.code)),
  );
  app.post<{ Body: S.UserinfoBody }>(
    '/userinfo',
    { schema: S.userinfoSchema, preHandler: [auth, dataLimit] },
    async (req) => send(await service.userinfo(who(req), req.body)),
  );
  app.post<{ Body: S.PhoneBody }>(
    '/phone',
    { schema: S.phoneSchema, preHandler: [auth, dataLimit, wechatLimit] },
    async (req) => send(await service.phone(who(req), req.body)),
  );
  app.post<{ Body: S.EncryptedBody }>(
    '/werun',
    { schema: S.werunSchema, preHandler: [auth, dataLimit] },
    async (req) => send(await service.werun(who(req), req.body)),
  );
  app.post<{ Body: S.EncryptedBody }>(
    '/shareinfo',
    { schema: S.shareinfoSchema, preHandler: [auth, dataLimit] },
    async (req) => send(await service.shareinfo(who(req), req.body)),
  );
  app.get('/me', { schema: S.meSchema, preHandler: authQuery }, async (req) => send(await service.me(who(req))));
  app.post('/logout', { schema: S.logoutSchema, preValidation: emptyBody, preHandler: auth }, async (req) => {
    await service.logout(who(req));
    return send(null);
  });
  app.post('/session/check', { schema: S.sessionCheckSchema, preValidation: emptyBody, preHandler: [auth, wechatLimit] }, async (req) =>
    send(await service.checkSession(who(req))),
  );
  // Readiness: the store answers within healthTimeoutMs, or 503 (a load balancer takes the instance out).
  app.get('/healthz', { schema: S.healthSchema }, async (_req, reply) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      // The deadline is kept here too: a store passed in by the caller may not keep its own.
      await Promise.race([
        store.ping(c.healthTimeoutMs),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('store ping timed out')), c.healthTimeoutMs))),
      ]);
      return send({ status: 'ok', store: store.kind });
    } catch {
      return answer(reply, new AppError('store_unavailable', 'the session store is not answering'));
    } finally {
      clearTimeout(timer);
    }
  });
  // Liveness: the process answers; touches nothing shared, so a store outage does not get the instance restarted.
  app.get('/livez', { schema: S.livezSchema }, async () => send({ status: 'ok' }));
}
