// buildBackend(config) -> a fastify app, not listening. Routes validate input by schema, call the service, and answer
// in the envelope {code, msg, data}; failures go through one error handler that adds `error` and never leaks a stack,
// a secret, a token or a session_key.
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { Agent, type Dispatcher } from 'undici';
import { openStore, type Store } from '../store/index.js';
import { createAccessTokenManager } from '../wechat/access-token.js';
import { createWechatClient, WechatError } from '../wechat/client.js';
import { AppError, toAppError } from './errors.js';
import * as S from './schemas.js';
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
  pruneIntervalMs: 10 * 60_000,
} as const;

const OK = 'ok';

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h === 'string' && h.length > 7 && h.slice(0, 7).toLowerCase() === 'bearer ') return h.slice(7).trim();
  const body = req.body as { token?: unknown } | undefined;
  if (body && typeof body.token === 'string') return body.token;
  const q = req.query as { token?: unknown } | undefined;
  if (q && typeof q.token === 'string') return q.token;
  return undefined;
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
  const store = typeof config.store === 'string' ? await openStore(config.store, { dataDir: config.dataDir, now }) : config.store;
  try {
    return await build(config, store, ownStore, now);
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
  });

  app.setErrorHandler((err, req, reply) => {
    const e = toAppError(err);
    if (e.code === 500) {
      req.log.error({ err: { type: (err as Error)?.name, message: (err as Error)?.message, stack: (err as Error)?.stack } }, 'unexpected error');
    } else if (e.code === 205) {
      // WechatError messages name the endpoint path only, never the query (secret, access token).
      const w = err instanceof WechatError ? err : undefined;
      req.log.warn({ error: e.error, endpoint: w?.endpoint, errcode: w?.errcode }, e.message);
    } else {
      req.log.info({ error: e.error, code: e.code }, 'refused');
    }
    return reply.status(e.statusCode).send({ code: e.code, msg: e.message, error: e.error, data: e.data });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send({ code: 404, msg: `no route ${req.method} ${req.url.split('?')[0]}`, error: 'not_found', data: null }),
  );

  const limit = c.loginRateLimitPerMinute;
  if (limit > 0) {
    await app.register(rateLimit, {
      global: false,
      errorResponseBuilder: (_req, ctx) =>
        new AppError(429, 429, 'rate_limited', `too many logins from this client: at most ${ctx.max} a minute; retry in ${Math.ceil(ctx.ttl / 1000)} s`),
    });
  }

  // A POST with no body at all (logout with the token in the header) validates as an empty object. Only on the
  // routes where that makes sense, so login does not pay for one more hook.
  const emptyBody = (req: FastifyRequest, _reply: unknown, done: () => void) => {
    if (req.body === undefined) req.body = {};
    done();
  };

  const send = <T>(data: T) => ({ code: 200, msg: OK, data });
  const auth = (req: FastifyRequest): Promise<Authenticated> => service.authenticate(bearer(req));

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
    { schema: S.userinfoSchema },
    async (req) => send(await service.userinfo(await auth(req), req.body)),
  );
  app.post<{ Body: { code?: string; encryptedData?: string; iv?: string } }>(
    '/phone',
    { schema: S.phoneSchema },
    async (req) => send(await service.phone(await auth(req), req.body)),
  );
  app.post<{ Body: { encryptedData: string; iv: string } }>(
    '/werun',
    { schema: S.werunSchema },
    async (req) => send(service.werun(await auth(req), req.body)),
  );
  app.post<{ Body: { encryptedData: string; iv: string } }>(
    '/shareinfo',
    { schema: S.shareinfoSchema },
    async (req) => send(service.shareinfo(await auth(req), req.body)),
  );
  app.get('/me', { schema: S.meSchema }, async (req) => send(service.me(await auth(req))));
  app.post('/logout', { schema: S.logoutSchema, preValidation: emptyBody }, async (req) => {
    await service.logout(await auth(req));
    return send(null);
  });
  app.post('/session/check', { schema: S.sessionCheckSchema, preValidation: emptyBody }, async (req) => send(await service.checkSession(await auth(req))));
  app.get('/healthz', { schema: S.healthSchema }, async () => send({ status: 'ok', store: store.kind }));

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

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
