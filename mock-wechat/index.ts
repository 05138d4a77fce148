// buildMockWechat(opts) -> { app, control }: one fastify app (not listening) with three faces on one port:
// the server API a backend calls (/sns, /cgi-bin, /wxa), the client simulator that plays the WeChat app
// (/__client/*), and the admin API that scripts it (/__admin/*). `control` is the in-process twin of the last two.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ADMIN_UNAUTHORIZED, adminTokenProblem, createAdminGuard } from './admin-auth.js';
import { CLIENT_APIS, createClientApi, wrapForControl, type ClientApiName } from './client-api.js';
import { ERRMSG, MockUsageError } from './errors.js';
import { createFaults, type ActiveFault } from './faults.js';
import { createJournal, createMasker, type RawEntry } from './journal.js';
import { SERVER_DEFAULTS, USER_FIELD_LIMITS } from './limits.js';
import {
  adminError,
  appSchema,
  clientBody,
  clientResponses,
  faultSchema,
  journalEntrySchema,
  serverQuery,
  serverResponses,
  userSchema,
  userSeedSchema,
} from './schemas.js';
import { createServerApi, SERVER_ENDPOINTS, type Query } from './server-api.js';
import { createState, type MockState } from './state.js';
import type { ClientResult, FaultKind, MockControl, MockOptions, MockUserSeed } from './types.js';

export { encryptOpenData, loginStateSignature, rawDataSignature } from './crypto.js';
export { loadMockConfig, MockConfigError, validateMockConfig, type MockFileConfig } from './config.js';
export { DEFAULT_APP, DEFAULT_USERS } from './state.js';
export { DEFAULT_MAX_USERS, SERVER_DEFAULTS, USER_FIELD_LIMITS } from './limits.js';
export { adminTokenProblem } from './admin-auth.js';
export type * from './types.js';

export const DEFAULT_PORT = 9400;
export const DEFAULT_HOST = '127.0.0.1';
const BODY_LIMIT = 64 * 1024;
const JOURNAL_BODY_CHARS = 2048;

interface RouteTag {
  endpoint: string;
  side: 'server' | 'client';
  api?: ClientApiName;
}

/** Per-request scratch, kept off fastify's types: the answer (for the journal) and the fault that hit. */
const RESULT = Symbol('mockResult');
const FAULT = Symbol('mockFault');
type Req = FastifyRequest & { [RESULT]?: { errcode?: unknown; errMsg?: unknown }; [FAULT]?: FaultKind };

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

const GATEWAY_HTML = (status: number) =>
  `<html>\r\n<head><title>${status}</title></head>\r\n<body>\r\n<center><h1>${status}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;

export function buildMockWechat(opts: MockOptions = {}): { app: FastifyInstance; control: MockControl } {
  const state: MockState = createState(opts);
  const server = createServerApi(state);
  const client = createClientApi(state);
  const clientPaths = CLIENT_APIS.map((n) => `/__client/${n}`);
  const faults = createFaults(new Set<string>([...SERVER_ENDPOINTS, ...clientPaths]), () => state.random().stream('fault'));
  const secrets = state.appConfigs.map((a) => a.secret);
  const masker = createMasker(() => secrets);
  const journal = createJournal(state.options.journalLimit, masker);
  if (opts.adminToken !== undefined) {
    const problem = adminTokenProblem(opts.adminToken);
    if (problem) throw new MockUsageError(`adminToken ${problem}`);
  }
  const adminGuard = opts.adminToken === undefined ? undefined : createAdminGuard(opts.adminToken);
  const adminAllowed = (request: FastifyRequest) => !adminGuard || adminGuard(request.headers.authorization);
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

  function record(request: FastifyRequest, path: string, status: number, durationMs: number, body: unknown = request.body): void {
    const r = request as Req;
    const res = r[RESULT];
    // Keep at most 2 KiB of a raw body, copied so the journal does not pin a 64 KiB request string in memory.
    if (typeof body === 'string' && body.length > JOURNAL_BODY_CHARS) body = Buffer.from(body.slice(0, JOURNAL_BODY_CHARS)).toString();
    const e: RawEntry = { time: state.now(), method: request.method, path, query: request.query, body, status, durationMs };
    if (res) {
      if (typeof res.errcode === 'number') e.errcode = res.errcode;
      if (typeof res.errMsg === 'string') e.errMsg = res.errMsg;
    }
    if (r[FAULT] !== undefined) e.fault = r[FAULT];
    journal.add(e);
  }

  /** Sends an answer, remembering it for the journal; a textPlain fault relabels the JSON (a 2024 capture). */
  function answer(request: FastifyRequest, reply: FastifyReply, body: object, status = 200): FastifyReply {
    const r = request as Req;
    r[RESULT] = body as Req[typeof RESULT];
    if (r[FAULT] === 'textPlain') return reply.code(status).type('text/plain').send(JSON.stringify(body));
    return reply.code(status).send(body);
  }

  function applyFault(request: FastifyRequest, reply: FastifyReply, t: RouteTag, f: ActiveFault, done: () => void): void {
    (request as Req)[FAULT] = f.kind;
    switch (f.kind) {
      case 'latency':
        setTimeout(done, f.latencyMs ?? 1000);
        return;
      case 'textPlain':
        done();
        return;
      case 'drop':
        // The connection dies with no response at all, as when a proxy resets it.
        record(request, t.endpoint, 0, reply.elapsedTime);
        reply.hijack();
        request.raw.socket?.destroy();
        request.raw.destroy();
        return;
      case 'http5xx': {
        const status = f.status ?? 503;
        reply.code(status).type('text/html').send(GATEWAY_HTML(status));
        return;
      }
      case 'errcode': {
        const code = f.errcode ?? -1;
        const body =
          t.side === 'server'
            ? state.wxError(code, f.errmsg)
            : { errMsg: `${t.api}:fail ${f.errmsg ?? ERRMSG[code] ?? 'system error'}`, errno: code };
        answer(request, reply, body);
        return;
      }
    }
  }

  // Hooks are per route, closing over the route's tag: reading request.routeOptions builds an object per call, which
  // costs real throughput at load-test rates. The admin API is neither faulted nor journalled.
  const hooks = (t: RouteTag) => ({
    onRequest: (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      if (faults.size === 0) return done();
      const f = faults.take(t.endpoint, t.side === 'server');
      if (!f) return done();
      applyFault(request, reply, t, f, done);
    },
    onResponse: (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      record(request, t.endpoint, reply.statusCode, reply.elapsedTime);
      done();
    },
  });

  app.register(async (srv) => {
    // WeChat never answers 400/415/500: every body reaches the handler as text and is judged there.
    srv.removeAllContentTypeParsers();
    srv.addContentTypeParser('*', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));
    srv.setErrorHandler((err: { statusCode?: number; validation?: unknown }, request, reply) => {
      const status = err.statusCode ?? 500;
      return answer(request, reply, state.wxError(err.validation !== undefined || (status >= 400 && status < 500) ? 47001 : -1));
    });

    const route = (
      url: (typeof SERVER_ENDPOINTS)[number],
      keys: string[],
      response: object,
      handle: (q: Query, request: FastifyRequest) => object,
    ) =>
      srv.route({
        method: ['GET', 'POST'],
        url,
        // A HEAD would run the handler and burn a single-use code; WeChat's API is GET/POST only.
        exposeHeadRoute: false,
        schema: { querystring: serverQuery(...keys), response },
        ...hooks({ endpoint: url, side: 'server' }),
        handler: (request, reply) => answer(request, reply, handle(request.query as Query, request)),
      });
    const raw = (request: FastifyRequest) => (typeof request.body === 'string' ? request.body : undefined);

    route('/sns/jscode2session', ['appid', 'secret', 'js_code', 'grant_type'], serverResponses.jscode2session, (q) =>
      server.jscode2session(q),
    );
    route('/cgi-bin/token', ['grant_type', 'appid', 'secret'], serverResponses.token, (q) => server.token(q));
    route('/cgi-bin/stable_token', [], serverResponses.token, (_q, r) => server.stableToken(r.method, raw(r)));
    route('/wxa/checksession', ['access_token', 'openid', 'signature', 'sig_method'], serverResponses.checkSession, (q) =>
      server.checkSession(q),
    );
    route(
      '/wxa/resetusersessionkey',
      ['access_token', 'openid', 'signature', 'sig_method'],
      serverResponses.resetUserSessionKey,
      (q) => server.resetUserSessionKey(q),
    );
    route('/wxa/business/getuserphonenumber', ['access_token'], serverResponses.getUserPhoneNumber, (q, r) =>
      server.getUserPhoneNumber(r.method, q, raw(r)),
    );
  });

  app.register(async (cli) => {
    const extras: Record<ClientApiName, [Record<string, unknown>, string[]]> = {
      login: [{}, []],
      checkSession: [{}, []],
      getSetting: [{}, []],
      authorize: [{ scope: { type: 'string', minLength: 1, maxLength: 64 } }, ['scope']],
      getUserInfo: [{ classic: { type: 'boolean' }, lang: LANG, withCredentials: { type: 'boolean' } }, []],
      getUserProfile: [{ classic: { type: 'boolean' }, lang: LANG, desc: { type: 'string', maxLength: 256 } }, []],
      getPhoneNumber: [{}, []],
      getWeRunData: [{}, []],
      getShareInfo: [{ shareTicket: { type: 'string', minLength: 1, maxLength: 256 } }, []],
    };
    for (const name of CLIENT_APIS) {
      const [props, required] = extras[name];
      const fn = client[name] as (b: unknown) => ClientResult;
      cli.register(async (one) => {
        one.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown }, request, reply) => {
          const status = err instanceof MockUsageError ? err.status : err.statusCode && err.statusCode < 500 ? 400 : 500;
          const why = err instanceof MockUsageError ? err.message : `parameter error: ${err.message}`;
          return answer(request, reply, { errMsg: `${name}:fail ${why}` }, status);
        });
        one.post(`/__client/${name}`, {
          schema: { body: clientBody(props, required), response: clientResponses },
          ...hooks({ endpoint: `/__client/${name}`, side: 'client', api: name }),
          handler: (request, reply) => answer(request, reply, fn(request.body)),
        });
      });
    }
  });

  const control: MockControl = {
    apps: () => state.appConfigs.map((a) => ({ ...a })),
    seed: () => state.seed,
    now: state.now,
    advanceClock: (seconds) => state.advance(seconds),
    reset() {
      state.reset();
      faults.clear();
      journal.clear();
    },
    addUser: (seed: MockUserSeed) => state.toMockUser(state.addUser(seed)),
    getUser(ref, appid) {
      const ids = appid === undefined ? [state.defaultAppid(), ...state.appConfigs.map((a) => a.appid)] : [appid];
      for (const id of ids) {
        const a = state.app(id);
        const u = a && state.findUser(a, ref);
        if (u) return state.toMockUser(u);
      }
      return undefined;
    },
    listUsers(appid) {
      const out = [];
      for (const a of state.apps()) {
        if (appid !== undefined && a.config.appid !== appid) continue;
        for (const u of a.byOpenid.values()) out.push(state.toMockUser(u));
      }
      return out;
    },
    sessionKey(appid, openid) {
      const u = state.app(appid)?.byOpenid.get(openid);
      return u ? state.liveKey(u)?.value : undefined;
    },
    addFault: (spec) => faults.add(spec),
    clearFaults: () => faults.clear(),
    journal: (limit) => journal.list(limit),
    client: wrapForControl(client),
  };

  registerAdmin(app, state, control, faults, adminAllowed);

  app.setNotFoundHandler((request, reply) => {
    const raw = request.url.split('?')[0] ?? request.url;
    // Shown masked: a path can carry `;secret=...`. The journal masks on read, so it gets the raw path.
    const path = masker.maskPath(raw);
    if (raw.startsWith('/__admin/') || path.startsWith('/__admin/')) {
      // Unknown admin paths are refused like known ones, so the admin API cannot be mapped without the token.
      if (!adminAllowed(request)) return reply.code(401).header('www-authenticate', 'Bearer realm="mock-wechat admin"').send(ADMIN_UNAUTHORIZED);
      return reply.code(404).send({ error: `no admin route ${request.method} ${path}` });
    }
    if (path.startsWith('/__client/')) {
      return reply.code(404).send({ errMsg: `${path.slice(10)}:fail no such client api (have: ${CLIENT_APIS.join(', ')})` });
    }
    // WeChat-style, with the path named so a typo in a base URL is obvious.
    const body = state.wxError(40066, `invalid url, mock-wechat has no api ${request.method} ${path}`);
    (request as Req)[RESULT] = body;
    // Client routes take small, schema-bounded objects; a parsed body on an unknown path is kept only when as small.
    let seen: unknown = request.body;
    if (seen !== null && typeof seen === 'object') {
      const text = JSON.stringify(seen);
      // Over the bound it is kept as text, which record() cuts to 2 KiB and the journal then summarises.
      seen = text.length > JOURNAL_BODY_CHARS ? text : JSON.parse(text);
    }
    record(request, raw, 200, reply.elapsedTime, seen);
    return reply.code(200).send(body);
  });

  return { app, control };
}

function registerAdmin(
  app: FastifyInstance,
  state: MockState,
  control: MockControl,
  faults: ReturnType<typeof createFaults>,
  allowed: (request: FastifyRequest) => boolean,
) {
  app.register(async (adm) => {
    // onRequest, before the body is even read: an unauthenticated caller costs no parsing.
    adm.addHook('onRequest', async (request, reply) => {
      if (!allowed(request)) {
        return reply.code(401).header('www-authenticate', 'Bearer realm="mock-wechat admin"').send(ADMIN_UNAUTHORIZED);
      }
    });
    adm.setErrorHandler((err: Error & { statusCode?: number }, _request, reply) => {
      const status = err instanceof MockUsageError ? err.status : (err.statusCode ?? 500);
      return reply.code(status).send({ error: err.message });
    });
    const errs = { 400: adminError, 404: adminError, 409: adminError };
    const appidQuery = { type: 'object', properties: { appid: { type: 'string' } } } as const;

    adm.get('/__admin/apps', { schema: { response: { 200: { type: 'object', properties: { apps: { type: 'array', items: appSchema } } } } } }, async () => ({
      apps: control.apps(),
    }));
    adm.get(
      '/__admin/users',
      {
        schema: {
          querystring: appidQuery,
          response: { 200: { type: 'object', properties: { users: { type: 'array', items: userSchema } } }, ...errs },
        },
      },
      async (request) => {
        const { appid } = request.query as { appid?: string };
        if (appid !== undefined && !state.app(appid)) throw new MockUsageError(`unknown appid ${appid}`, 404);
        return { users: control.listUsers(appid) };
      },
    );
    adm.post(
      '/__admin/users',
      { schema: { body: userSeedSchema, response: { 201: userSchema, ...errs } } },
      async (request, reply) => reply.code(201).send(control.addUser(request.body as MockUserSeed)),
    );
    adm.get(
      '/__admin/users/:openid',
      {
        schema: {
          params: { type: 'object', properties: { openid: { type: 'string' } } },
          querystring: appidQuery,
          response: { 200: userSchema, ...errs },
        },
      },
      async (request) => {
        const { openid } = request.params as { openid: string };
        const { appid } = request.query as { appid?: string };
        const u = control.getUser(openid, appid);
        if (!u) throw new MockUsageError(`no user ${openid}${appid ? ` in app ${appid}` : ''}`, 404);
        return u;
      },
    );
    adm.get(
      '/__admin/users/:openid/session-key',
      {
        schema: {
          params: { type: 'object', properties: { openid: { type: 'string' } } },
          querystring: appidQuery,
          response: {
            200: { type: 'object', properties: { appid: S, openid: S, session_key: S, expiresAt: S } },
            ...errs,
          },
        },
      },
      async (request) => {
        const { openid } = request.params as { openid: string };
        const { appid } = request.query as { appid?: string };
        const u = control.getUser(openid, appid);
        const a = u && state.app(u.appid);
        const rec = a && a.byOpenid.get(u.openid);
        const k = rec && state.liveKey(rec);
        if (!u || !k) throw new MockUsageError(`no live session key for ${openid}`, 404);
        return { appid: u.appid, openid: u.openid, session_key: k.value, expiresAt: new Date(k.expiresAt).toISOString() };
      },
    );
    adm.get(
      '/__admin/faults',
      { schema: { response: { 200: { type: 'object', properties: { faults: { type: 'array', items: faultSchema } } } } } },
      async () => ({
        faults: faults.list().map((f) => ({
          ...f,
          times: f.times ?? null,
          remaining: Number.isFinite(f.remaining) ? f.remaining : null,
        })),
      }),
    );
    adm.post(
      '/__admin/faults',
      {
        schema: {
          body: { type: 'object' },
          response: { 201: { type: 'object', properties: { id: S } }, ...errs },
        },
      },
      async (request, reply) => reply.code(201).send({ id: control.addFault(request.body as never) }),
    );
    adm.delete(
      '/__admin/faults',
      { schema: { response: { 200: { type: 'object', properties: { cleared: { type: 'integer' } } } } } },
      async () => ({ cleared: control.clearFaults() }),
    );
    adm.get(
      '/__admin/journal',
      {
        schema: {
          querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1 } } },
          response: { 200: { type: 'object', properties: { entries: { type: 'array', items: journalEntrySchema } } }, ...errs },
        },
      },
      async (request) => ({ entries: control.journal((request.query as { limit?: number }).limit) }),
    );
    adm.post(
      '/__admin/clock',
      {
        schema: {
          body: {
            type: 'object',
            required: ['advanceSeconds'],
            additionalProperties: false,
            properties: { advanceSeconds: { type: 'number', minimum: 0 } },
          },
          response: { 200: { type: 'object', properties: { now: I, time: S } }, ...errs },
        },
      },
      async (request) => {
        const t = control.advanceClock((request.body as { advanceSeconds: number }).advanceSeconds);
        return { now: t, time: new Date(t).toISOString() };
      },
    );
    adm.post(
      '/__admin/reset',
      { schema: { response: { 200: { type: 'object', properties: { ok: { type: 'boolean' } } } } } },
      async () => {
        control.reset();
        return { ok: true };
      },
    );
  });
}

const S = { type: 'string' } as const;
const I = { type: 'integer' } as const;
const LANG = { type: 'string', maxLength: USER_FIELD_LIMITS.language } as const;
