// Test helpers: a mock on a fixed clock, query builders, and a test-local AES decrypt (plain node:crypto, neither
// the mock's code nor the backend's).
import { createDecipheriv, createHmac } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterEach } from 'vitest';
import { buildMockWechat, type MockOptions } from '../../mock-wechat/index.js';

export const APPID = 'wx1234567890abcdef';
export const SECRET = 'mocksecret000000000000000000000a';
/** 2023-11-14T22:13:20Z: a fixed base clock; tests move time only through control.advanceClock. */
export const T0 = 1_700_000_000_000;

const open: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of open.splice(0)) await app.close();
});

export function mock(opts: MockOptions = {}) {
  const m = buildMockWechat({ seed: 'test', now: () => T0, ...opts });
  open.push(m.app);
  return m;
}

export type Mock = ReturnType<typeof mock>;

export async function get(m: Mock, path: string, query: Record<string, string | undefined> = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, v);
  const s = q.toString();
  const res = await m.app.inject({ method: 'GET', url: s ? `${path}?${s}` : path });
  return { status: res.statusCode, headers: res.headers, body: res.json() as Record<string, any> };
}

export async function post(m: Mock, url: string, payload?: unknown, headers: Record<string, string> = {}) {
  const res = await m.app.inject({
    method: 'POST',
    url,
    ...(payload === undefined ? {} : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
    headers: { ...(payload !== undefined && typeof payload !== 'string' ? { 'content-type': 'application/json' } : {}), ...headers },
  });
  return { status: res.statusCode, headers: res.headers, body: res.json() as Record<string, any> };
}

export function exchange(m: Mock, code: string | undefined, over: Record<string, string | undefined> = {}) {
  return get(m, '/sns/jscode2session', {
    appid: APPID,
    secret: SECRET,
    js_code: code,
    grant_type: 'authorization_code',
    ...over,
  });
}

export async function loginAndExchange(m: Mock, user = 'alice', appid?: string) {
  const l = m.control.client.login(appid ? { user, appid } : { user });
  const r = await exchange(m, l.code, appid ? { appid, secret: m.control.apps().find((a) => a.appid === appid)!.secret } : {});
  return r.body as { session_key: string; openid: string; unionid?: string };
}

export async function accessToken(m: Mock, appid = APPID, secret = SECRET): Promise<string> {
  const r = await get(m, '/cgi-bin/token', { grant_type: 'client_credential', appid, secret });
  return r.body.access_token as string;
}

export function decrypt(encryptedData: string, sessionKey: string, iv: string): any {
  const d = createDecipheriv('aes-128-cbc', Buffer.from(sessionKey, 'base64'), Buffer.from(iv, 'base64'));
  return JSON.parse(Buffer.concat([d.update(Buffer.from(encryptedData, 'base64')), d.final()]).toString('utf8'));
}

export function hmacEmpty(sessionKey: string): string {
  return createHmac('sha256', sessionKey).update('').digest('hex');
}

/** errmsg ends with ` rid: <unix time hex>-<8 hex>-<8 hex>`; returns the text before it. */
/**
 * An errmsg with its rid suffix in any of the forms an endpoint defaults to (quirks.ts): ` rid: …`, `, rid: …`
 * (jscode2session) or ` hint: […] rid: …` (getuserphonenumber); group 1 is the message, group 2 the rid's time.
 */
export const RID_RE = /^(.*?)(?:,| hint: \[[0-9A-Za-z]{9}-[0-9A-Za-z]{6}\])? rid: ([0-9a-f]{8})-[0-9a-f]{8}-[0-9a-f]{8}$/;
