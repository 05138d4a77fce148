// What every check works with: the mock (as the mini program and as its admin), the backend under test (shaped by
// its contract), and a record of everything seen during the run: each answer the backend gave, each session_key,
// token and code, so that the secrets checks can look for them and every piece of evidence can mask them.
import { createCipheriv, randomBytes } from 'node:crypto';
import { request, type Dispatcher } from 'undici';
import type { BackendClient, BackendResult } from '../client/backend-client.js';
import type { BackendStep } from '../client/contract.js';
import { NetworkError } from '../client/http.js';
import type { MockClient, MockUserView, WxResult } from '../client/mock-client.js';
import { SetupFailed, type Evidence, type ProveReport } from './types.js';

export interface AuditContextOptions {
  mock: MockClient;
  backend: BackendClient;
  embedded: boolean;
  /** The app the mock plays and the backend serves. */
  appid: string;
  /** Its secret, when the mock's admin API tells it (the secrets checks look for it). */
  secret?: string;
  dispatcher?: Dispatcher;
  timeoutMs?: number;
  /** Tells mock user aliases of one run from another's (a shared mock keeps users between runs). */
  runId?: string;
  /** The backend's log (--log), read when a check asks for it: after the checks that make the backend log. */
  readLog?: () => Promise<{ source: string; text: string }>;
  /** --prove: after finding a padding oracle, forge open data within these caps. */
  prove?: { queryCap: number; secondsCap: number };
  /** How long a backend may take to answer while WeChat misbehaves (resilience checks). */
  answerWithinMs?: number;
}

/** One request as the audit sent it and the answer it got (raw: any method, path, headers, body). */
export interface RawRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** A path relative to the backend URL, or a full URL. */
  path: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string or Buffer as it is (set the content-type header yourself). */
  body?: unknown;
  timeoutMs?: number;
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  text: string;
  json: unknown;
  ms: number;
}

export interface AuditLogin {
  alias: string;
  code: string;
  token: string;
  openid: string;
  unionid?: string;
  /** The session_key the mock holds for the user after this login (what the backend got from code2Session). */
  sessionKey: string;
  result: BackendResult;
  /** Wall-clock ms around the backend login request (the token-derivation check tries timestamps in between). */
  startedAt: number;
  endedAt: number;
}

export type RecordedAnswer = { where: string; status: number; text: string };

const trimText = (s: string, n = 300) => {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n)}… (${s.length} chars)` : one;
};

export function createAuditContext(o: AuditContextOptions) {
  const { mock, backend } = o;
  const runId = o.runId ?? randomBytes(3).toString('hex');
  const timeoutMs = o.timeoutMs ?? 10_000;
  const sessionKeys = new Set<string>();
  const tokens = new Set<string>();
  const codes = new Set<string>();
  const answers: RecordedAnswer[] = [];
  let aliasSeq = 0;

  // ------------------------------------------------------------ masking

  /** Masks every secret the run has seen: session keys (raw, hex, base64url), tokens and codes (first 6 characters
   *  kept so a reader can match lines), the app secret. */
  function mask(text: string): string {
    let out = text;
    const hide = (needle: string, by: string) => {
      if (needle.length >= 8 && out.includes(needle)) out = out.split(needle).join(by);
    };
    if (o.secret) hide(o.secret, '<app secret>');
    for (const k of sessionKeys) {
      hide(k, '<session_key>');
      const raw = Buffer.from(k, 'base64');
      hide(raw.toString('hex'), '<session_key hex>');
      hide(raw.toString('hex').toUpperCase(), '<session_key hex>');
      hide(raw.toString('base64url'), '<session_key>');
    }
    for (const t of tokens) hide(t, `${t.slice(0, 6)}***`);
    for (const c of codes) hide(c, `${c.slice(0, 6)}***`);
    return out;
  }

  function record(where: string, status: number, text: string) {
    answers.push({ where, status, text });
  }

  // ------------------------------------------------------------ the mock

  /** A mock user of this run: `audit-<run>-<tag>-<n>`, new on every call (the mock creates it on first use). */
  function user(tag: string): string {
    return `audit-${runId}-${tag}-${++aliasSeq}`;
  }

  async function wxLogin(alias: string): Promise<string> {
    const wx = await mock.login(alias);
    const code = wx.body.code;
    if (!wx.ok || typeof code !== 'string') throw new SetupFailed(`the mock refused wx.login for ${alias}: ${wx.errMsg}`);
    codes.add(code);
    return code;
  }

  async function sessionKey(alias: string): Promise<string> {
    const k = await mock.sessionKey(alias);
    if (!k) throw new SetupFailed(`the mock's admin API did not tell ${alias}'s session_key`);
    sessionKeys.add(k);
    return k;
  }

  async function mockUser(alias: string): Promise<MockUserView> {
    const u = await mock.user(alias);
    if (!u) throw new SetupFailed(`the mock does not know user ${alias}`);
    return u;
  }

  /** A wx.* call at the mock that must succeed (its open data is what the check sends on). */
  async function wx(call: () => Promise<WxResult>, what: string): Promise<Record<string, unknown>> {
    const r = await call();
    if (!r.ok) throw new SetupFailed(`the mock refused ${what}: ${r.errMsg}`);
    return r.body;
  }

  // ------------------------------------------------------------ the backend

  /** A contract step, recorded. A step the contract lacks is a bug of the check (it declares `needs`). */
  async function call(step: BackendStep, args: { token?: string; body?: Record<string, unknown> } = {}): Promise<BackendResult> {
    const r = await backend.call(step, args);
    record(step, r.status, r.text);
    return r;
  }

  /** The code POSTed to the login step; the token (if any) read at the contract's tokenPath and remembered. */
  async function postCode(code: string): Promise<{ result: BackendResult; token?: string }> {
    codes.add(code);
    const r = await backend.login(code);
    record('login', r.result.status, r.result.text);
    if (r.token) tokens.add(r.token);
    return r;
  }

  /** A whole login as `alias`; throws SetupFailed (with the answer as evidence) when the backend gives no token. */
  async function login(alias: string): Promise<AuditLogin> {
    const code = await wxLogin(alias);
    const startedAt = Date.now();
    const { result, token } = await postCode(code);
    const endedAt = Date.now();
    if (!token) {
      const why = result.notOffered ? `no login route at ${backend.contract.paths.login}` : `no token at ${backend.contract.tokenPath}`;
      throw new SetupFailed(`login failed (${why})`, [evidenceOf(`POST ${backend.contract.paths.login} {"code":"${code}"}`, result)]);
    }
    const u = await mockUser(alias);
    const key = await sessionKey(alias);
    return { alias, code, token, openid: u.openid, unionid: u.unionid, sessionKey: key, result, startedAt, endedAt };
  }

  /** Any request to the backend (garbage bodies, oversized bodies, tokens in the query), recorded. */
  async function send(req: RawRequest): Promise<RawAnswer> {
    const url = /^https?:\/\//.test(req.path) ? req.path : new URL(req.path.replace(/^\/+/, ''), backend.baseUrl.endsWith('/') ? backend.baseUrl : `${backend.baseUrl}/`).toString();
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    let body: string | Buffer | undefined;
    if (typeof req.body === 'string' || Buffer.isBuffer(req.body)) body = req.body;
    else if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      headers['content-type'] ??= 'application/json';
    }
    const t = req.timeoutMs ?? timeoutMs;
    const t0 = performance.now();
    try {
      const res = await request(url, {
        method: req.method ?? (body === undefined ? 'GET' : 'POST'),
        headers,
        body,
        dispatcher: o.dispatcher,
        headersTimeout: t,
        bodyTimeout: t,
      });
      const text = await res.body.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      const hs: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) hs[k] = Array.isArray(v) ? v.join(', ') : String(v);
      record(`${req.method ?? 'POST'} ${req.path}`, res.statusCode, text);
      return { status: res.statusCode, headers: hs, text, json, ms: performance.now() - t0 };
    } catch (err) {
      const e = err as { code?: string; cause?: { code?: string } };
      const code = e?.code ?? e?.cause?.code ?? 'network';
      throw new NetworkError(url, code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' ? 'timeout' : String(code), err);
    }
  }

  // ------------------------------------------------------------ evidence

  function evidenceOf(requestLine: string, answer: { status: number; text: string }, note?: string): Evidence {
    return { request: mask(trimText(requestLine, 200)), answer: mask(`HTTP ${answer.status} ${trimText(answer.text)}`), ...(note ? { note } : {}) };
  }

  /** `POST /userinfo {"encryptedData":"…(344 chars)","iv":"…"}`: long values shortened, secrets masked. */
  function describe(step: BackendStep, body?: Record<string, unknown>): string {
    const method = backend.contract.methods[step] ?? 'POST';
    const shown = body
      ? JSON.stringify(body, (_k, v) => (typeof v === 'string' && v.length > 40 ? `${v.slice(0, 12)}…(${v.length} chars)` : v))
      : '';
    return `${method} ${backend.contract.paths[step] ?? step}${shown ? ` ${shown}` : ''}`;
  }

  // ------------------------------------------------------------ open data

  /** AES-128-CBC with PKCS#7 under a base64 session_key, as WeChat encrypts open data; a random iv unless given. */
  function encrypt(plaintext: string | Buffer | object, key: string, iv: Buffer = randomBytes(16)) {
    const bytes = Buffer.isBuffer(plaintext) ? plaintext : Buffer.from(typeof plaintext === 'string' ? plaintext : JSON.stringify(plaintext), 'utf8');
    const c = createCipheriv('aes-128-cbc', Buffer.from(key, 'base64'), iv);
    return { encryptedData: Buffer.concat([c.update(bytes), c.final()]).toString('base64'), iv: iv.toString('base64') };
  }

  /** AES-128-CBC without padding: `blocks` is a whole number of 16-byte blocks (crafting bad padding). */
  function encryptRaw(blocks: Buffer, key: string, iv: Buffer = randomBytes(16)) {
    const c = createCipheriv('aes-128-cbc', Buffer.from(key, 'base64'), iv);
    c.setAutoPadding(false);
    return { encryptedData: Buffer.concat([c.update(blocks), c.final()]).toString('base64'), iv: iv.toString('base64') };
  }

  const watermark = (appid = o.appid) => ({ timestamp: Math.floor(Date.now() / 1000), appid });

  return {
    mock,
    backend,
    contract: backend.contract,
    embedded: o.embedded,
    appid: o.appid,
    secret: o.secret,
    runId,
    timeoutMs,
    /** Everything seen so far (the secrets checks read these). */
    seen: { sessionKeys, tokens, codes, answers },
    user,
    wxLogin,
    sessionKey,
    mockUser,
    wx,
    call,
    postCode,
    login,
    send,
    mask,
    describe,
    evidenceOf,
    encrypt,
    encryptRaw,
    watermark,
    /** The backend's log, or undefined without --log. */
    readLog: o.readLog,
    prove: o.prove,
    answerWithinMs: o.answerWithinMs ?? 10_000,
    /** What checks report beyond their verdicts (the --prove forgery). */
    findings: {} as { prove?: ProveReport },
  };
}

export type AuditContext = ReturnType<typeof createAuditContext>;
