// What a server-API handler reads of a request: the query string, the method, and the raw body (WeChat judges bodies
// itself, so they reach handlers as text), plus the checks several APIs share.
import { timingSafeEqual } from 'node:crypto';
import { WeChatError } from '../errors.js';
import type { MockState } from '../state.js';

export type Query = Record<string, string | undefined>;

export interface ServerRequest {
  method: string;
  query: Query;
  /** The body as text, or undefined when there was none. */
  raw: string | undefined;
  /** Names the user the request turned out to concern (a code's owner, a signed openid), for the journal. */
  concern?: (openid: string) => void;
}

/** A server-API handler: the answer on success; a WeChatError (its errcode) on failure. */
export type ServerHandler = (state: MockState, r: ServerRequest) => object;

export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function parseJsonObject(raw: string | undefined): Record<string, unknown> | undefined {
  if (raw === undefined || raw === '') return undefined;
  try {
    const v: unknown = JSON.parse(raw);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export const nonEmpty = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export function requirePost(r: ServerRequest): void {
  if (r.method !== 'POST') throw new WeChatError(43002);
}

/** Checks appid and secret in WeChat's order: missing appid, unknown appid, missing secret, wrong secret. */
export function checkApp(state: MockState, appid: string | undefined, secret: string | undefined): string {
  if (!appid) throw new WeChatError(41002);
  const a = state.app(appid);
  if (!a) throw new WeChatError(40013);
  if (!secret) throw new WeChatError(41004);
  if (!sameText(secret, a.config.secret)) throw new WeChatError(state.options.wrongSecretErrcode);
  return appid;
}
