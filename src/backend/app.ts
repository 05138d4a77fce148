// buildBackend(config) -> a fastify app, not listening. Routes validate input by schema, call the service, and answer
// in the envelope {code, msg, data}; failures go through one error handler that adds `error` and never leaks a stack,
// a secret, a token or a session_key.
import Fastify, { type FastifyInstance } from 'fastify';
import { Agent } from 'undici';
import { openStore, type Store } from '../store/index.js';
import { createAccessTokenManager } from '../wechat/access-token.js';
import { createWechatClient } from '../wechat/client.js';
import { registerCors } from './cors.js';
import { installErrorHandlers } from './error-handler.js';
import { registerLimits } from './limits.js';
import { BACKEND_DEFAULTS, type BackendConfig, type ResolvedConfig } from './options.js';
import { registerRoutes } from './routes.js';
import { drainRefusedBodies, serverOptions } from './server-limits.js';
import { createService } from './service.js';

export { BACKEND_DEFAULTS, type BackendConfig } from './options.js';

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
  const c = { ...BACKEND_DEFAULTS, ...stripUndefined(config) } as ResolvedConfig;

  const loggerOpt = config.logger ?? false;
  const app = Fastify({
    logger:
      loggerOpt === false
        ? false
        : { ...(loggerOpt === true ? {} : loggerOpt), serializers: { req: reqSerializer as never } },
    bodyLimit: c.bodyLimitBytes,
    return503OnClosing: true,
    // Tutorial clients post to `URL + 'login/'`: /login/ reaches /login
    // (https://fastify.dev/docs/latest/Reference/Server/#routeroptions, ignoreTrailingSlash).
    routerOptions: { ignoreTrailingSlash: true },
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

  installErrorHandlers(app);
  // Before the limits and routes: a preflight is answered here and counts against no limit.
  await registerCors(app, config.corsOrigins);

  const limits = await registerLimits(app, c);
  registerRoutes(app, { service, store, c, limits });

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

