// Bounds on what callers may make the mock hold, and the defaults of the HTTP server's own guards. The mock is meant
// to run unattended (CI, a shared box), so every user field, the number of users and every connection is bounded,
// and going past a bound is a clear 4xx or a refused config, never an out-of-memory crash.
import type { MockUserSeed } from './state/user-schema.js';

/**
 * Longest value per user field, in characters. A WeChat nickname is a few dozen characters at most; the rest are
 * short identifiers, place names and phone numbers. With consent bounded too, one user stays under about 4 KB.
 */
export const USER_FIELD_LIMITS = {
  alias: 128,
  appid: 64,
  openid: 128,
  unionid: 128,
  nickName: 64,
  avatarUrl: 1024,
  language: 16,
  city: 64,
  province: 64,
  country: 64,
  phoneNumber: 32,
  purePhoneNumber: 32,
  countryCode: 8,
} as const;

/** Per-scope consent decisions per user, and the length of a scope name (wx.authorize scopes are ~30 characters). */
export const CONSENT_SCOPES_MAX = 32;
export const CONSENT_KEY_MAX = 64;

/** Users the mock holds, across all apps, before it refuses to create more (0 = no limit). */
export const DEFAULT_MAX_USERS = 10_000;

/** Scripted faults active at once, and the length of a fault's errmsg. */
export const FAULTS_MAX = 1000;
export const FAULT_ERRMSG_MAX = 512;

/**
 * The HTTP server's guards against slow or idle clients, as Node's http docs ask of a server with no reverse proxy
 * in front: the whole request must arrive within requestTimeoutMs, its headers within headersTimeoutMs, an idle
 * keep-alive connection closes after keepAliveTimeoutMs, and at most maxConnections sockets are open at once.
 */
export const SERVER_DEFAULTS = {
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1024,
} as const;

/** What is wrong with a user seed's sizes, or undefined: "nickName is 70 characters, at most 64". */
export function userSeedProblem(seed: MockUserSeed): string | undefined {
  const s = seed as Record<string, unknown>;
  for (const [k, max] of Object.entries(USER_FIELD_LIMITS)) {
    const v = s[k];
    if (typeof v === 'string' && v.length > max) return `${k} is ${v.length} characters, at most ${max}`;
  }
  const c = s.consent;
  if (c !== null && typeof c === 'object') {
    const keys = Object.keys(c);
    if (keys.length > CONSENT_SCOPES_MAX) return `consent has ${keys.length} scopes, at most ${CONSENT_SCOPES_MAX}`;
    const long = keys.find((k) => k.length > CONSENT_KEY_MAX);
    if (long !== undefined) return `consent scope "${long.slice(0, 20)}…" is ${long.length} characters, at most ${CONSENT_KEY_MAX}`;
  }
  return undefined;
}
