// buildBackend(config) -> a fastify app, not listening. Routes validate input by schema, call the service, and answer
// in the envelope {code, msg, data}; failures go through one error handler that adds `error` and never leaks a stack,
// a secret, a token or a session_key.
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { Agent, type Dispatcher } from 'undici';
import { openStore, type Store } from '../store/index.js';
import { createAccessTokenManager } from '../wechat/access-token.js';
import { createWechatClient, WechatError } from '../wechat/client.js';
import { AppError, toAppError } from './errors.js';
import * as S from './schemas.js';
import { drainRefusedBodies, serverOptions } from './server-limits.js';
import { createService, type Authenticated } from './service.js';

export interface BackendConfig {
  appId: string;
  appSecret: string;
  wechatBaseUrl: string;
  /** 'sqlite://PATH' | 'redis://HOST:PORT' | 'memory://', or a store you opened (then you close it). */
  store: string | Store;
  /** Where a relative sqlite path lives. */
  dataDir?: string;
  tokenTtlSeconds?: number;
  staleKeyGraceSeconds?: number;
  /** Logins per minute per client address; 0 turns the limit off. */
  loginRateLimitPerMinute?: number;
  bodyLimitBytes?: number;
  wechatTimeoutMs?: number;
  wechatRetries?: number;
  /** Failed decryptions a session may have in decryptFailureWindowSeconds; one more revokes the token. 0 = off. */
  decryptFailureBudget?: number;
  decryptFailureWindowSeconds?: number;
  /** Requests per minute per token on the open-data routes (/userinfo, /phone, /werun, /shareinfo); 0 = off. */
  dataRateLimitPerMinute?: number;
  /** Calls to WeChat per minute per user (/session/check, /phone by code); 0 = off. */
  wechatRateLimitPerMinute?: number;
  /** Accept `?token=` on GET /me (off: tokens belong in the Authorization header or the body). */
  allowQueryToken?: boolean;
  /** Whole request (headers and body) must arrive within this; slow clients are answered 408 and closed. */
  requestTimeoutMs?: number;
  headersTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
  /** Open connections at once; more are refused until some close. */
  maxConnections?: number;
  /** /healthz waits this long for the store to answer. */
  healthTimeoutMs?: number;
  now?: () => number;
  dispatcher?: Dispatcher;
  logger?: boolean | object;
}

export const BACKEND_DEFAULTS = {
  tokenTtlSeconds: 86_400,
  staleKeyGraceSeconds: 300,
  loginRateLimitPerMinute: 60,
  bodyLimitBytes: 64 * 1024,
  wechatTimeoutMs: 5000,
  wechatRetries: 2,
  decryptFailureBudget: 5,
  decryptFailureWindowSeconds: 600,
  dataRateLimitPerMinute: 60,
  wechatRateLimitPerMinute: 10,
  allowQueryToken: false,
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1024,
  healthTimeoutMs: 1_000,
  pruneIntervalMs: 10 * 60_000,
} as const;

const OK = 'ok';

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

/** Request log lines carry method and path, never the query string (a GET may carry ?token=). */
const reqSerializer = (req: { method: string; url: string; ip?: string }) => ({
  method: req.method,
  url: req.url.split('?')[0],
  remoteAddress: req.ip,
});

export async function buildBackend(config: BackendConfig): Promise<FastifyInstance> {
  const now = config.now ?? Date.now;
  const ownStore = typeof config.store === 'string';
  // The store warns while it opens (a database file others can read), before the app and its logger exist.
  const warnings: string[] = [];
  const store =
    typeof config.store === 'string'
      ? await openStore(config.store, { dataDir: config.dataDir, now, onWarning: (m) => warnings.push(m) })
      : config.store;
  try {
    const app = await build(config, store, ownStore, now);
    for (const m of warnings) app.log.warn(m);
    return app;
  } catch (err) {
    if (ownStore) await store.close().catch(() => undefined);
    throw err;
  }
}

async function build(config: BackendConfig, store: Store, ownStore: boolean, now: () => number): Promise<FastifyInstance> {
  const c = { ...BACKEND_DEFAULTS, ...stripUndefined(config) };

  const loggerOpt = config.logger ?? false;
  const app = Fastify({
    logger:
      loggerOpt === false
        ? false
        : { ...(loggerOpt === true ? {} : loggerOpt), serializers: { req: reqSerializer as never } },
    bodyLimit: c.bodyLimitBytes,
    return503OnClosing: true,
    ...serverOptions(c),
    // No type coercion: a numeric code or an object where a string belongs is a malformed parameter (201).
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
  });

  // Without an injected dispatcher the backend owns one, and closes it with the app: no keep-alive connection to
  // WeChat outlives the backend (nor holds the mock's close() open in tests and `wxlogin up`).
  const ownDispatcher = config.dispatcher ? undefined : new Agent({ keepAliveTimeout: 10_000 });
  const wechat = createWechatClient({
    baseUrl: config.wechatBaseUrl,
    appId: config.appId,
    appSecret: config.appSecret,
    dispatcher: config.dispatcher ?? ownDispatcher,
    timeoutMs: c.wechatTimeoutMs,
    retries: c.wechatRetries,
  });
  const accessTokens = createAccessTokenManager({ appId: config.appId, fetchToken: () => wechat.getAccessToken(), store, now });
  const service = createService({
    appId: config.appId,
    store,
    wechat,
    accessTokens,
    now,
    tokenTtlSeconds: c.tokenTtlSeconds,
    staleKeyGraceSeconds: c.staleKeyGraceSeconds,
    decryptFailureBudget: c.decryptFailureBudget,
    decryptFailureWindowSeconds: c.decryptFailureWindowSeconds,
    onRevoked: (info) => app.log.warn(info, 'token revoked: too many open-data decryptions failed for this session'),
  });
  app.server.maxConnections = c.maxConnections;
  drainRefusedBodies(app);

  app.setErrorHandler((err, req, reply) => {
    const e = toAppError(err);
    if (e.code === 500) {
      req.log.error({ err: { type: (err as Error)?.name, message: (err as Error)?.message, stack: (err as Error)?.stack } }, 'unexpected error');
    } else if (e.code === 205) {
      // WechatError messages name the endpoint path only, never the query (secret, access token).
      // WeChat's errmsg stays here: it can name this server's egress IP (40164) or its configuration (40125).
      req.log.warn({ error: e.error, ...wechatDetail(err) }, e.message);
    } else {
      req.log.info({ error: e.error, code: e.code, ...wechatDetail(err) }, 'refused');
    }
    return answer(reply, e);
  });
  app.setNotFoundHandler((req, reply) => answer(reply, new AppError('not_found', `no route ${req.method} ${req.url.split('?')[0]}`)));

  const limit = c.loginRateLimitPerMinute;
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) =>
      new AppError('rate_limited', `too many requests: at most ${ctx.max} a minute here; retry in ${Math.ceil(ctx.ttl / 1000)} s`),
  });
  // Per token on the open-data routes, per user where a request costs a call to WeChat: one client cannot spend the
  // app's WeChat quota or hammer the decryption of one session. createRateLimit, not rateLimit: the plugin's own hook
  // runs once per request, so a second limit on the same route would be skipped.
  const limiter = (max: number, opts: { keyGenerator: (req: FastifyRequest) => string; skip?: (req: FastifyRequest) => boolean }) => {
    if (max <= 0) return async () => undefined;
    const check = app.createRateLimit({ max, timeWindow: 60_000, keyGenerator: opts.keyGenerator });
    return async (req: FastifyRequest, reply: FastifyReply) => {
      if (opts.skip?.(req)) return;
      const r = await check(req);
      if (r.isAllowed || !r.isExceeded) return;
      void reply.header('retry-after', r.ttlInSeconds);
      throw new AppError('rate_limited', `too many requests: at most ${r.max} a minute here; retry in ${r.ttlInSeconds} s`);
    };
  };
  const dataLimit = limiter(c.dataRateLimitPerMinute, { keyGenerator: (req) => `t:${req.auth?.tokenHash}` });
  const wechatLimit = limiter(c.wechatRateLimitPerMinute, {
    keyGenerator: (req) => `u:${req.auth?.user.openid}`,
    // /phone calls WeChat only for a phone code; decrypting encryptedData is the data limit's business.
    skip: (req) => req.routeOptions.url === '/phone' && (req.body as { code?: unknown } | undefined)?.code === undefined,
  });

  // A POST with no body at all (logout with the token in the header) validates as an empty object. Only on the
  // routes where that makes sense, so login does not pay for one more hook.
  const emptyBody = (req: FastifyRequest, _reply: unknown, done: () => void) => {
    if (req.body === undefined) req.body = {};
    done();
  };

  const send = <T>(data: T) => ({ code: 200, msg: OK, data });
  app.decorateRequest('auth', null);
  const authed = (allowQuery: boolean) => async (req: FastifyRequest) => {
    req.auth = await service.authenticate(bearer(req, allowQuery));
  };
  const auth = authed(false);
  const who = (req: FastifyRequest) => req.auth as Authenticated;

  app.post<{ Body: { code: string } }>(
    '/login',
    {
      schema: S.loginSchema,
      config: limit > 0 ? { rateLimit: { max: limit, timeWindow: 60_000 } } : {},
    },
    async (req) => send(await service.login(req.body.code)),
  );
  app.post<{ Body: { encryptedData: string; iv: string; rawData?: string; signature?: string } }>(
    '/userinfo',
    { schema: S.userinfoSchema, preHandler: [auth, dataLimit] },
    async (req) => send(await service.userinfo(who(req), req.body)),
  );
  app.post<{ Body: { code?: string; encryptedData?: string; iv?: string } }>(
    '/phone',
    { schema: S.phoneSchema, preHandler: [auth, dataLimit, wechatLimit] },
    async (req) => send(await service.phone(who(req), req.body)),
  );
  app.post<{ Body: { encryptedData: string; iv: string } }>(
    '/werun',
    { schema: S.werunSchema, preHandler: [auth, dataLimit] },
    async (req) => send(await service.werun(who(req), req.body)),
  );
  app.post<{ Body: { encryptedData: string; iv: string } }>(
    '/shareinfo',
    { schema: S.shareinfoSchema, preHandler: [auth, dataLimit] },
    async (req) => send(await service.shareinfo(who(req), req.body)),
  );
  app.get('/me', { schema: S.meSchema, preHandler: authed(c.allowQueryToken) }, async (req) => send(await service.me(who(req))));
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

  // Expired sessions are deleted on read; this sweeps the ones nobody reads again (Redis expires its own).
  const pruneTimer = setInterval(() => {
    store.prune().catch((err: Error) => app.log.warn({ message: err.message }, 'prune failed'));
  }, BACKEND_DEFAULTS.pruneIntervalMs);
  pruneTimer.unref();
  app.addHook('onClose', async () => {
    clearInterval(pruneTimer);
    if (ownDispatcher) await ownDispatcher.close();
    if (ownStore) await store.close();
  });
  return app;
}

/** A failure in the envelope, with its status. */
const answer = (reply: FastifyReply, e: AppError) => reply.status(e.statusCode).send({ code: e.code, msg: e.message, error: e.error, data: e.data });

/** What WeChat said behind a failure (the WechatError itself, or the cause of the AppError made from it), for the log. */
function wechatDetail(err: unknown) {
  const w = err instanceof WechatError ? err : err instanceof AppError && err.cause instanceof WechatError ? err.cause : undefined;
  return w ? { endpoint: w.endpoint, errcode: w.errcode, errmsg: w.errmsg } : {};
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

