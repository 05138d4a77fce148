// Client for WeChat's server API (code2Session, access tokens, checkSessionKey, getPhoneNumber: the pages under
// https://developers.weixin.qq.com/miniprogram/dev/server/API/), on undici with an injected dispatcher.
// Request and parse are separate: send() deals with the transport (timeouts, bounded retries with backoff on -1,
// 5xx and dropped connections), the parse* functions treat the body as hostile (JSON whatever the content type,
// errcode first, then the shape) and turn wire names into camelCase once.
import { getGlobalDispatcher, type Dispatcher } from 'undici';
import { loginStateSignature } from '../crypto/open-data.js';

export const WECHAT_FAILURE = {
  /** WeChat answered with a business errcode (40029, 40163, 87009...): not retried, the caller decides. */
  business: 'business',
  /** Unreachable, timed out, dropped, 5xx or -1 after every retry. */
  unavailable: 'unavailable',
  /** Answered, but not with anything this client understands (not JSON, wrong shape, odd status). */
  badResponse: 'bad_response',
} as const;
export type WechatFailure = (typeof WECHAT_FAILURE)[keyof typeof WECHAT_FAILURE];

export class WechatError extends Error {
  /** WeChat's errcode; -1 when WeChat gave none (transport failure or unreadable answer). */
  readonly errcode: number;
  readonly errmsg: string;
  readonly kind: WechatFailure;
  readonly endpoint: string;
  readonly status: number | undefined;
  constructor(init: { errcode: number; errmsg: string; kind: WechatFailure; endpoint: string; status?: number; cause?: unknown }) {
    // The message names the endpoint path only: the query string carries the secret or the access token.
    super(`${init.endpoint}: ${init.kind === 'business' ? `errcode ${init.errcode} ` : ''}${init.errmsg}`, { cause: init.cause });
    this.name = 'WechatError';
    this.errcode = init.errcode;
    this.errmsg = init.errmsg;
    this.kind = init.kind;
    this.endpoint = init.endpoint;
    this.status = init.status;
  }
}

/** 40001 (not the latest token) and 42001 (expired): the access token must be refreshed. */
export const TOKEN_ERRCODES: readonly number[] = [40001, 42001];

export interface Code2SessionResult {
  openid: string;
  sessionKey: string;
  unionid?: string;
}
export interface AccessTokenResult {
  accessToken: string;
  expiresIn: number;
}
export interface PhoneInfo {
  phoneNumber: string;
  purePhoneNumber: string;
  /** Always a string: WeChat's docs disagree on number vs string (api_getphonenumber vs the deprecated client-side page). */
  countryCode: string;
  watermark: { appid: string; timestamp: number };
}

type Json = Record<string, unknown>;

function bad(endpoint: string, errmsg: string, status?: number): WechatError {
  return new WechatError({ errcode: -1, errmsg, kind: 'bad_response', endpoint, status });
}

/** Parses the body as JSON whatever the content type says; WeChat has sent JSON as text/plain. */
export function parseBody(endpoint: string, text: string, status?: number): Json {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw bad(endpoint, `answer is not JSON (HTTP ${status ?? '?'})`, status);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad(endpoint, 'answer is not a JSON object', status);
  return v as Json;
}

/** errcode first: absent or 0 is success; anything else is a business error carrying WeChat's own code. */
export function checkErrcode(endpoint: string, body: Json): void {
  const code = body.errcode;
  if (code === undefined || code === 0) return;
  if (typeof code !== 'number') throw bad(endpoint, 'errcode is not a number');
  const errmsg = typeof body.errmsg === 'string' ? body.errmsg : '';
  throw new WechatError({ errcode: code, errmsg, kind: 'business', endpoint });
}

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

export function parseCode2Session(body: Json): Code2SessionResult {
  const ep = '/sns/jscode2session';
  checkErrcode(ep, body);
  if (!nonEmpty(body.openid) || !nonEmpty(body.session_key)) throw bad(ep, 'answer lacks openid or session_key');
  const out: Code2SessionResult = { openid: body.openid, sessionKey: body.session_key };
  if (nonEmpty(body.unionid)) out.unionid = body.unionid;
  return out;
}

export function parseAccessToken(body: Json, endpoint = '/cgi-bin/token'): AccessTokenResult {
  checkErrcode(endpoint, body);
  const expiresIn = body.expires_in;
  if (!nonEmpty(body.access_token) || typeof expiresIn !== 'number' || !(expiresIn > 0)) {
    throw bad(endpoint, 'answer lacks access_token or expires_in');
  }
  return { accessToken: body.access_token, expiresIn };
}

export function parsePhoneNumber(body: Json): PhoneInfo {
  const ep = '/wxa/business/getuserphonenumber';
  checkErrcode(ep, body);
  const info = body.phone_info as Json | undefined;
  const wm = info?.watermark as Json | undefined;
  if (!info || typeof info !== 'object' || !nonEmpty(info.purePhoneNumber) || !nonEmpty(info.phoneNumber)) {
    throw bad(ep, 'answer lacks phone_info');
  }
  const cc = info.countryCode;
  if (typeof cc !== 'string' && typeof cc !== 'number') throw bad(ep, 'phone_info.countryCode missing');
  return {
    phoneNumber: info.phoneNumber,
    purePhoneNumber: info.purePhoneNumber,
    countryCode: String(cc),
    watermark: {
      appid: typeof wm?.appid === 'string' ? wm.appid : '',
      timestamp: typeof wm?.timestamp === 'number' ? wm.timestamp : 0,
    },
  };
}

export interface WechatClientOptions {
  baseUrl: string;
  appId: string;
  appSecret: string;
  dispatcher?: Dispatcher;
  /** Per attempt, for the answer's headers and for its body. */
  timeoutMs?: number;
  /** Extra attempts after the first on -1, 5xx, timeouts and dropped connections. */
  retries?: number;
  /** First backoff; doubles each retry, with jitter. */
  backoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface WechatClient {
  code2Session(code: string): Promise<Code2SessionResult>;
  getAccessToken(): Promise<AccessTokenResult>;
  getStableAccessToken(forceRefresh?: boolean): Promise<AccessTokenResult>;
  /** Resolves when WeChat says the key is valid; WechatError 87009 when not. */
  checkSessionKey(input: { accessToken: string; openid: string; sessionKey: string }): Promise<void>;
  getPhoneNumber(input: { accessToken: string; code: string; openid?: string }): Promise<PhoneInfo>;
}

// An aborted request rejects with the abort reason (or an AbortError wrapping it): keep its message.
function abortReason(err: unknown): string | undefined {
  const e = err as { name?: string; message?: string; cause?: { message?: string } };
  if (typeof e?.message === 'string' && e.message.startsWith('timed out')) return e.message;
  if (e?.name === 'AbortError') return e.cause?.message ?? 'aborted';
  return undefined;
}

const JSON_HEADERS = { 'content-type': 'application/json' } as const;
const MAX_ANSWER_BYTES = 1 << 20;
const TOO_LARGE = 'AnswerTooLarge';

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function createWechatClient(opts: WechatClientOptions): WechatClient {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? 5000;
  const retries = Math.max(0, opts.retries ?? 2);
  const backoffMs = opts.backoffMs ?? 100;
  const sleep = opts.sleep ?? defaultSleep;
  const random = opts.random ?? Math.random;

  // origin + path straight to the dispatcher: no URL object to build and parse again on every call.
  const baseUrl = new URL(`${base}/`);
  const origin = baseUrl.origin;
  const prefix = baseUrl.pathname.replace(/\/+$/, '');

  function attempt(endpoint: string, method: 'GET' | 'POST', query: string, body?: string): Promise<{ status: number; text: string }> {
    const path = `${prefix}${endpoint}${query ? `?${query}` : ''}`;
    const dispatcher = opts.dispatcher ?? getGlobalDispatcher();
    // A bare dispatch handler rather than undici's request(): no body stream, no async resource, no abort-signal
    // plumbing. On this hot path (every login) they cost as much CPU as the rest of the call.
    return new Promise((resolve, reject) => {
      let controller: { abort(reason: Error): void } | undefined;
      let settled = false;
      let status = 0;
      let size = 0;
      const chunks: Buffer[] = [];
      const finish = (err: Error | undefined, value?: { status: number; text: string }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(value!);
      };
      // One deadline for the whole attempt, answer and body. undici's own headersTimeout runs on a coarse timer
      // that lets a 100 ms deadline slip by most of a second.
      const timer = setTimeout(() => {
        const err = new Error(`timed out after ${timeoutMs} ms`);
        finish(err);
        controller?.abort(err);
      }, timeoutMs);
      dispatcher.dispatch(
        { origin, path, method, headers: body === undefined ? undefined : JSON_HEADERS, body },
        {
          onRequestStart(c: { abort(reason: Error): void }) {
            controller = c;
            if (settled) c.abort(new Error('timed out'));
          },
          onResponseStart(_c: unknown, statusCode: number) {
            status = statusCode;
          },
          onResponseData(c: { abort(reason: Error): void }, chunk: Buffer) {
            size += chunk.length;
            // Every WeChat answer is a few hundred bytes; a hostile or broken upstream does not get to fill memory.
            if (size > MAX_ANSWER_BYTES) {
              const err = new Error(`answer larger than ${MAX_ANSWER_BYTES} bytes`);
              err.name = TOO_LARGE;
              finish(err);
              c.abort(err);
              return;
            }
            chunks.push(chunk);
          },
          onResponseEnd() {
            finish(undefined, { status, text: Buffer.concat(chunks).toString('utf8') });
          },
          onResponseError(_c: unknown, err: Error) {
            finish(err);
          },
        } as unknown as Dispatcher.DispatchHandler,
      );
    });
  }

  async function send(endpoint: string, method: 'GET' | 'POST', query: string, body?: string): Promise<Json> {
    let last: WechatError | undefined;
    for (let i = 0; i <= retries; i++) {
      if (i > 0) await sleep(backoffMs * 2 ** (i - 1) * (0.5 + random() / 2));
      let res: { status: number; text: string };
      try {
        res = await attempt(endpoint, method, query, body);
      } catch (err) {
        if ((err as Error).name === TOO_LARGE) throw bad(endpoint, (err as Error).message);
        // Refused, reset, dropped mid-answer, or timed out: nothing usable came back.
        const code = (err as { code?: string }).code;
        const why = abortReason(err) ?? code ?? (err as Error).message;
        last = new WechatError({ errcode: -1, errmsg: `unreachable (${why})`, kind: 'unavailable', endpoint, cause: err });
        continue;
      }
      if (res.status >= 500) {
        last = new WechatError({ errcode: -1, errmsg: `HTTP ${res.status}`, kind: 'unavailable', endpoint, status: res.status });
        continue;
      }
      if (res.status !== 200) throw bad(endpoint, `HTTP ${res.status}`, res.status);
      const json = parseBody(endpoint, res.text, res.status);
      if (json.errcode === -1) {
        // -1 is "system busy, retry later" (https://developers.weixin.qq.com/doc/channels/API/basics/commErrCode.html); other codes are answers, not accidents.
        last = new WechatError({ errcode: -1, errmsg: String(json.errmsg ?? 'system error'), kind: 'unavailable', endpoint, status: 200 });
        continue;
      }
      return json;
    }
    throw last!;
  }

  const q = (params: Record<string, string>) => new URLSearchParams(params).toString();
  // The constant part of every jscode2session query, built once (the hot path of every login).
  const loginQuery = q({ appid: opts.appId, secret: opts.appSecret, grant_type: 'authorization_code' });

  return {
    async code2Session(code) {
      // toWellFormed: encodeURIComponent throws on a lone surrogate; the schema refuses those first, this is the backstop.
      const query = `${loginQuery}&js_code=${encodeURIComponent(code.toWellFormed())}`;
      return parseCode2Session(await send('/sns/jscode2session', 'GET', query));
    },
    async getAccessToken() {
      const query = q({ grant_type: 'client_credential', appid: opts.appId, secret: opts.appSecret });
      return parseAccessToken(await send('/cgi-bin/token', 'GET', query));
    },
    async getStableAccessToken(forceRefresh = false) {
      const body = JSON.stringify({ grant_type: 'client_credential', appid: opts.appId, secret: opts.appSecret, force_refresh: forceRefresh });
      return parseAccessToken(await send('/cgi-bin/stable_token', 'POST', '', body), '/cgi-bin/stable_token');
    },
    async checkSessionKey({ accessToken, openid, sessionKey }) {
      const signature = loginStateSignature(sessionKey, '');
      const query = q({ access_token: accessToken, signature, openid, sig_method: 'hmac_sha256' });
      checkErrcode('/wxa/checksession', await send('/wxa/checksession', 'GET', query));
    },
    async getPhoneNumber({ accessToken, code, openid }) {
      const body = JSON.stringify(openid ? { code, openid } : { code });
      return parsePhoneNumber(await send('/wxa/business/getuserphonenumber', 'POST', q({ access_token: accessToken }), body));
    },
  };
}
