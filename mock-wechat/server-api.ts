// The server API: what a backend calls, answered the way api.weixin.qq.com answers. Every failure is a body
// {errcode, errmsg} (HTTP 200); a successful jscode2session carries no errcode, the newer APIs add errcode 0 / "ok".
// Parameters come from the query string only, except stable_token and getuserphonenumber, which read a JSON body.
import { timingSafeEqual } from 'node:crypto';
import type { WeChatErrorBody } from './errors.js';
import type { MockState, TokenRecord } from './state.js';
import { TOKEN_OVERLAP_MS, TOKEN_TTL_MS } from './state.js';

export type Query = Record<string, string | undefined>;
export type ServerReply = WeChatErrorBody | Record<string, unknown>;

export const SERVER_ENDPOINTS = [
  '/sns/jscode2session',
  '/cgi-bin/token',
  '/cgi-bin/stable_token',
  '/wxa/checksession',
  '/wxa/resetusersessionkey',
  '/wxa/business/getuserphonenumber',
] as const;

const FORCE_REFRESH_MIN_GAP_MS = 30_000;
const FORCE_REFRESH_PER_DAY = 20;
const DAY_MS = 86_400_000;
const CST_MS = 8 * 3600_000;

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function parseJsonObject(raw: string | undefined): Record<string, unknown> | undefined {
  if (raw === undefined || raw === '') return undefined;
  try {
    const v: unknown = JSON.parse(raw);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export function createServerApi(state: MockState) {
  const e = state.wxError;

  /** Checks appid and secret in WeChat's order: missing appid, unknown appid, missing secret, wrong secret. */
  function appCredentials(appid: string | undefined, secret: string | undefined): WeChatErrorBody | undefined {
    if (!appid) return e(41002);
    const a = state.app(appid);
    if (!a) return e(40013);
    if (!secret) return e(41004);
    if (!sameText(secret, a.config.secret)) return e(40125);
    return undefined;
  }

  function checkToken(token: string | undefined): TokenRecord | WeChatErrorBody {
    if (!token) return e(41001);
    const rec = state.token(token);
    if (!rec) return e(40001);
    const t = state.now();
    if (t >= rec.expiresAt) return e(42001);
    if (t >= rec.validUntil) return e(40001);
    return rec;
  }

  function jscode2session(q: Query): ServerReply {
    const bad = appCredentials(q.appid, q.secret);
    if (bad) return bad;
    if (!q.js_code) return e(41008);
    if (q.grant_type !== 'authorization_code') return e(40002);
    const c = state.lookupCode(q.js_code);
    if (!c || c.appid !== q.appid) return e(40029);
    if (c.used) return e(40163);
    const u = state.app(c.appid)?.byOpenid.get(c.openid);
    if (!u) return e(40029);
    if (u.risk) return e(40226);
    const limit = state.options.loginRateLimitPerMinute;
    if (limit > 0) {
      const w = Math.floor(state.now() / 60_000);
      if (u.rateWindow !== w) {
        u.rateWindow = w;
        u.rateCount = 0;
      }
      if (u.rateCount >= limit) return e(45011);
      u.rateCount++;
    }
    c.used = true;
    const k = state.ensureKey(u);
    return u.unionid === undefined
      ? { session_key: k.value, openid: u.openid }
      : { session_key: k.value, openid: u.openid, unionid: u.unionid };
  }

  /** getAccessToken: each call issues a new token; the previous one keeps working for 5 more minutes, then 40001. */
  function token(q: Query): ServerReply {
    const bad = appCredentials(q.appid, q.secret);
    if (bad) return bad;
    if (q.grant_type !== 'client_credential') return e(40002);
    const a = state.app(q.appid!)!;
    const t = state.now();
    const prev = a.latestToken;
    if (prev) prev.validUntil = Math.min(prev.validUntil, t + TOKEN_OVERLAP_MS);
    const rec = state.mintToken(a.config.appid);
    a.latestToken = rec;
    return { access_token: rec.token, expires_in: TOKEN_TTL_MS / 1000 };
  }

  /**
   * getStableAccessToken, kept apart from getAccessToken's tokens. Normal mode returns the same token until its last
   * 5 minutes, then a new one while the old lives out its time. force_refresh issues a new token and kills the old
   * one at once, at most 20 times a (UTC+8) day; a force refresh within 30 s of the previous one does not refresh.
   */
  function stableToken(method: string, raw: string | undefined): ServerReply {
    if (method !== 'POST') return e(43002);
    // Form-encoded or otherwise non-JSON bodies carry no appid for WeChat: 41002 (community captures).
    const b = parseJsonObject(raw) ?? {};
    const appid = str(b.appid);
    const bad = appCredentials(appid, str(b.secret));
    if (bad) return bad;
    if (b.grant_type !== 'client_credential') return e(40002);
    const a = state.app(appid!)!;
    const slot = a.stable;
    const t = state.now();
    const cur = slot.current && t < slot.current.validUntil ? slot.current : undefined;
    const answer = (rec: TokenRecord) => ({ access_token: rec.token, expires_in: Math.floor((rec.expiresAt - t) / 1000) });
    if (b.force_refresh === true) {
      if (cur && slot.lastForceAt !== undefined && t - slot.lastForceAt < FORCE_REFRESH_MIN_GAP_MS) return answer(cur);
      const day = Math.floor((t + CST_MS) / DAY_MS);
      if (slot.forceDay !== day) {
        slot.forceDay = day;
        slot.forceCount = 0;
      }
      if (slot.forceCount >= FORCE_REFRESH_PER_DAY) return e(45009);
      slot.forceCount++;
      slot.lastForceAt = t;
      if (cur) cur.validUntil = t;
      slot.current = state.mintToken(a.config.appid);
      return answer(slot.current);
    }
    if (cur && cur.expiresAt - t > TOKEN_OVERLAP_MS) return answer(cur);
    slot.current = state.mintToken(a.config.appid);
    return answer(slot.current);
  }

  /** Shared by checksession and resetusersessionkey: token, sig_method, openid, then the signature of "". */
  function signedUser(q: Query) {
    const tok = checkToken(q.access_token);
    if ('errcode' in tok) return tok;
    if (q.sig_method !== 'hmac_sha256') return e(87008);
    if (!q.openid) return e(41009);
    const u = state.app(tok.appid)?.byOpenid.get(q.openid);
    if (!u) return e(40003);
    const k = state.liveKey(u);
    if (!k || !q.signature || !sameText(q.signature, state.emptySignature(k))) return e(87009);
    return u;
  }

  function checkSession(q: Query): ServerReply {
    const u = signedUser(q);
    if ('errcode' in u) return u;
    return { errcode: 0, errmsg: 'ok' };
  }

  function resetUserSessionKey(q: Query): ServerReply {
    const u = signedUser(q);
    if ('errcode' in u) return u;
    const k = state.resetKey(u);
    return { errcode: 0, errmsg: 'ok', openid: u.openid, session_key: k.value };
  }

  function getUserPhoneNumber(method: string, q: Query, raw: string | undefined): ServerReply {
    if (method !== 'POST') return e(43002);
    const tok = checkToken(q.access_token);
    if ('errcode' in tok) return tok;
    if (raw === undefined || raw.trim() === '') return e(44002);
    const b = parseJsonObject(raw);
    const code = b && str(b.code);
    if (!b || !code) return e(47001);
    const c = state.lookupPhoneCode(code);
    if (!c) return e(40029);
    if (c.appid !== tok.appid) return e(40013);
    if (c.used) return e(40029);
    // The optional openid must be the code's own user, else 40003 invalid openid
    // (https://developers.weixin.qq.com/miniprogram/dev/server/API/user-info/phone-number/api_getphonenumber).
    if (b.openid !== undefined && b.openid !== c.openid) return e(40003);
    const u = state.app(c.appid)?.byOpenid.get(c.openid);
    if (!u) return e(40029);
    c.used = true;
    const countryCode = state.options.countryCodeType === 'number' ? Number(u.countryCode) : u.countryCode;
    return {
      errcode: 0,
      errmsg: 'ok',
      phone_info: {
        phoneNumber: u.phoneNumber,
        purePhoneNumber: u.purePhoneNumber,
        countryCode,
        watermark: { timestamp: c.timestamp, appid: c.appid },
      },
    };
  }

  return { jscode2session, token, stableToken, checkSession, resetUserSessionKey, getUserPhoneNumber };
}
