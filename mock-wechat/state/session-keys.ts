// Session keys: one live key per user, rotated on wx.login by policy, reset by resetusersessionkey, lapsing after
// keyLifetimeMs (https://developers.weixin.qq.com/miniprogram/dev/framework/open-ability/login.html).
import { Type } from '@sinclair/typebox';
import { loginStateSignature } from '../crypto.js';
import type { ResolvedOptions } from '../options.js';
import type { MockRandom } from '../random.js';

export interface SessionKeyRecord {
  value: string;
  issuedAt: number;
  expiresAt: number;
  /** hmac_sha256(key, ''): what checksession and resetusersessionkey expect, computed once per key. */
  emptySig?: string;
}

/** A key in a snapshot (state/snapshot.ts), held by its user: 16 bytes in base64, as code2Session hands it out. */
export const SessionKeyPart = Type.Object(
  { value: Type.String({ pattern: '^[A-Za-z0-9+/]{22}==$' }), issuedAt: Type.Integer(), expiresAt: Type.Integer() },
  { additionalProperties: false },
);

/** Whatever holds a key: the user record. */
export interface KeyHolder {
  key?: SessionKeyRecord;
}

export function createSessionKeys(o: ResolvedOptions, now: () => number, random: () => MockRandom) {
  function liveKey(u: KeyHolder, t = now()): SessionKeyRecord | undefined {
    return u.key && t < u.key.expiresAt ? u.key : undefined;
  }

  function newKey(t: number, expiresAt: number): SessionKeyRecord {
    return { value: random().stream('session_key').bytes(16).toString('base64'), issuedAt: t, expiresAt };
  }

  /** A code fetch (wx.login) may replace the key: always, at most once per period, or never (then only on expiry). */
  function rotateOnLogin(u: KeyHolder): SessionKeyRecord {
    const t = now();
    const k = liveKey(u, t);
    const fresh = !k || o.rotation === 'always' || (o.rotation === 'period' && t - k.issuedAt >= o.rotationPeriodMs);
    if (fresh) u.key = newKey(t, t + o.keyLifetimeMs);
    return u.key!;
  }

  /** The key a code exchange hands out: the live one, or a new one if it lapsed while the code waited. */
  function ensureKey(u: KeyHolder): SessionKeyRecord {
    const t = now();
    const k = liveKey(u, t);
    if (k) return k;
    u.key = newKey(t, t + o.keyLifetimeMs);
    return u.key;
  }

  /** resetusersessionkey: the old key dies at once; the new one inherits its expiry. */
  function resetKey(u: KeyHolder): SessionKeyRecord {
    const t = now();
    const old = liveKey(u, t);
    u.key = newKey(t, old ? old.expiresAt : t + o.keyLifetimeMs);
    return u.key;
  }

  /**
   * The live key lapses now (as if keyLifetimeMs had run out): the next code exchange hands out a new one, and
   * checksession refuses the old. Undefined when no key is live.
   */
  function expireKey(u: KeyHolder): SessionKeyRecord | undefined {
    const t = now();
    const k = liveKey(u, t);
    if (!k) return undefined;
    u.key = { value: k.value, issuedAt: k.issuedAt, expiresAt: t };
    return u.key;
  }

  function emptySignature(k: SessionKeyRecord): string {
    k.emptySig ??= loginStateSignature(k.value, '');
    return k.emptySig;
  }

  return { liveKey, rotateOnLogin, ensureKey, resetKey, expireKey, emptySignature };
}
