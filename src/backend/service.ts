// What the routes do, without HTTP: log in, find the session behind a token, decrypt under the user's key history,
// talk to WeChat. Routes (app.ts) only validate, call these and wrap the result in the envelope.
import { hash, randomBytes } from 'node:crypto';
import { decodeOpenDataBase64, openOpenData, OpenDataError, verifyRawDataSignature } from '../crypto/open-data.js';
import type { Store, UserRecord, SessionRecord, PhoneRecord } from '../store/index.js';
import type { AccessTokenManager } from '../wechat/access-token.js';
import { WechatError, type WechatClient } from '../wechat/client.js';
import { AppError, badParameter, badToken, decryptFailed, fromWechatError } from './errors.js';
import type { PhoneBody, UserinfoBody } from './schemas.js';

export interface ServiceDeps {
  appId: string;
  store: Store;
  wechat: WechatClient;
  accessTokens: AccessTokenManager;
  now: () => number;
  tokenTtlSeconds: number;
  staleKeyGraceSeconds: number;
  /** Failed decryptions a session may have within decryptFailureWindowSeconds; one more revokes its token. 0 = off. */
  decryptFailureBudget: number;
  decryptFailureWindowSeconds: number;
  /** Where a revocation is reported (no token, key or data in it). */
  onRevoked?: (info: { openid: string; failures: number; windowSeconds: number }) => void;
  randomBytes?: (n: number) => Buffer;
}

export interface Authenticated {
  /** Where the session is stored (sessionId of the token). */
  sessionId: string;
  session: SessionRecord;
  user: UserRecord;
}

/** A token's SHA-256 (base64url): all the store keeps of a token (sessionId), so a leaked store hands out nothing. */
export function hashToken(token: string): string {
  // The one-shot hash: a third cheaper than a Hash object for a few bytes, and this runs on every request.
  return hash('sha256', token, 'base64url');
}

// A token is a time prefix and a secret: the first 48 bits of a ULID (milliseconds since 1970 as 10 characters of
// Crockford's base32, https://github.com/ulid/spec), so that tokens sort by when they were issued, then 32 bytes from
// the CSPRNG in base64url. Only the secret is a secret: the prefix says no more than the answer's Date header.
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TOKEN_SHAPE = /^[0-9A-HJKMNP-TV-Z]{10}[A-Za-z0-9_-]{43}$/;

/** ULID's time part for ms: 10 characters, 5 bits each, most significant first (so they sort as the times do). */
export function timePrefix(ms: number): string {
  let t = Math.max(0, Math.floor(ms));
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[t % 32]! + out;
    t = Math.floor(t / 32);
  }
  return out;
}

/**
 * Where a token's session is stored: the token's time prefix, then the SHA-256 of the whole token. The hash keeps a
 * leaked store from handing out sessions; the prefix keeps the sessions of one moment next to each other in the
 * store's index, so that on SQLite a batch of logins adds its sessions to one page of the B-tree instead of dirtying
 * (and writing to the WAL) one random page each. A token of another shape (one issued before tokens had the prefix:
 * 43 characters) is stored under its plain hash.
 */
export function sessionId(token: string): string {
  return TOKEN_SHAPE.test(token) ? token.slice(0, 10) + hashToken(token) : hashToken(token);
}

const PROFILE_KEYS = ['nickName', 'gender', 'language', 'city', 'province', 'country', 'avatarUrl'] as const;

// Every open-data failure (bad padding, not JSON, not an object, another app's watermark, another user's openId, a
// missing field, a wrong signature, a wrong length) is the one decrypt_failed: telling them apart is a padding oracle.

/** Encrypted open data as a route's schema validated it (the token, if any, already read). */
type EncryptedBody = Omit<UserinfoBody, 'token'>;

/** A session with the count of its failed decryptions in the current window. */
type CountedSession = SessionRecord & { decryptFailures?: { count: number; since: number } };

export function createService(deps: ServiceDeps) {
  const { store, wechat, now, appId } = deps;
  // Tokens come from a 4 KiB block of CSPRNG output, each 32-byte slice used once: one OpenSSL call per 128 logins.
  let block = Buffer.alloc(0);
  let offset = 0;
  const pooled = (n: number) => {
    if (offset + n > block.length) {
      block = randomBytes(4096);
      offset = 0;
    }
    offset += n;
    return block.subarray(offset - n, offset);
  };
  const rand = deps.randomBytes ?? pooled;
  // The prefix of the millisecond of the last token issued: logins arrive many to a millisecond under load.
  let prefixAt = -1;
  let prefix = '';
  const newToken = (t: number) => {
    if (t !== prefixAt) {
      prefixAt = t;
      prefix = timePrefix(t);
    }
    return prefix + rand(32).toString('base64url');
  };
  const ttlMs = deps.tokenTtlSeconds * 1000;
  const graceMs = deps.staleKeyGraceSeconds * 1000;
  const windowMs = deps.decryptFailureWindowSeconds * 1000;
  // Concurrent logins with one code share one upstream call and one answer (a code is single-use at WeChat: a
  // second call would get 40163 and a client retrying a slow login would fail its own first attempt).
  const loginsInFlight = new Map<string, Promise<{ token: string; expiresIn: number }>>();

  /**
   * The user's key record after a code2Session answer, or undefined when the stored one already says the same.
   * Runs inside the store's atomic update, so a concurrent login on another instance is never overwritten with what
   * was read before it. Profile and phone live in records of their own: a login never writes them back.
   */
  function nextUser(cur: UserRecord | undefined, s: { openid: string; sessionKey: string; unionid?: string }, t: number) {
    if (!cur) {
      const user: UserRecord = { openid: s.openid, sessionKey: s.sessionKey, createdAt: t, updatedAt: t };
      if (s.unionid) user.unionid = s.unionid;
      return user;
    }
    if (cur.sessionKey !== s.sessionKey) {
      // WeChat rotated the key: keep the one it replaced, with the time, for the stale-key grace period.
      return { ...cur, sessionKey: s.sessionKey, previousSessionKey: cur.sessionKey, keyRotatedAt: t, updatedAt: t, ...(s.unionid ? { unionid: s.unionid } : {}) };
    }
    if (s.unionid && cur.unionid !== s.unionid) return { ...cur, unionid: s.unionid, updatedAt: t };
    return undefined;
  }

  async function doLogin(code: string) {
    let s;
    try {
      s = await wechat.code2Session(code);
    } catch (err) {
      throw err instanceof WechatError ? fromWechatError(err, 'code') : err;
    }
    const t = now();
    const token = newToken(t);
    const session: SessionRecord = { openid: s.openid, createdAt: t, expiresAt: t + ttlMs };
    // The user record is read and, when WeChat's answer changes it or it is missing (a store that lost data), written
    // in the same step as the session: a login never answers a token whose user is not stored.
    await Promise.all([store.users.update(s.openid, (cur) => nextUser(cur, s, t)), store.sessions.set(sessionId(token), session, ttlMs)]);
    return { token, expiresIn: deps.tokenTtlSeconds };
  }

  function login(code: string) {
    let p = loginsInFlight.get(code);
    if (!p) {
      p = doLogin(code).finally(() => loginsInFlight.delete(code));
      loginsInFlight.set(code, p);
    }
    return p;
  }

  async function authenticate(token: string | undefined): Promise<Authenticated> {
    if (!token) throw badToken('missing_token', 'no token: send Authorization: Bearer <token> or a token field');
    const id = sessionId(token);
    const session = await store.sessions.get(id);
    if (!session || session.expiresAt <= now()) throw badToken('invalid_token', 'token unknown, expired or revoked; log in again');
    const user = await store.users.get(session.openid);
    if (!user) throw badToken('invalid_token', 'token unknown, expired or revoked; log in again');
    return { sessionId: id, session, user };
  }

  const previousAccepted = (user: UserRecord) =>
    user.previousSessionKey !== undefined && user.keyRotatedAt !== undefined && now() - user.keyRotatedAt < graceMs;

  /** The decrypted data says nothing about identity that disagrees with code2Session's answer for this session. */
  function sameUser(user: UserRecord, data: Record<string, unknown>) {
    const openId = data.openId ?? data.openid;
    if (openId !== undefined && openId !== user.openid) return false;
    const unionId = data.unionId ?? data.unionid;
    if (unionId !== undefined && user.unionid !== undefined && unionId !== user.unionid) return false;
    return true;
  }

  /**
   * Decrypts and checks open data under the session's key and, when that fails, under the key it replaced. Data
   * that is whole and valid under the previous key is a real decryption: accepted during the grace period, then
   * stale_session_key. Every other failure is the one decrypt_failed answer and counts against the session's budget.
   */
  async function open(auth: Authenticated, body: EncryptedBody, accept: (data: Record<string, unknown>) => boolean) {
    // Malformed base64 is refused (201) before any key is used: that says nothing about the key.
    const data = decodeOpenDataBase64(body.encryptedData, 'encryptedData');
    const iv = decodeOpenDataBase64(body.iv, 'iv');
    const { user } = auth;
    const check = (sessionKey: string) => (obj: Record<string, unknown>) =>
      sameUser(user, obj) &&
      accept(obj) &&
      (body.rawData === undefined || verifyRawDataSignature(body.rawData, sessionKey, body.signature ?? ''));
    const current = openOpenData({ data, iv, appId, sessionKey: user.sessionKey, accept: check(user.sessionKey) });
    if (current) return current;
    if (user.previousSessionKey) {
      const previous = openOpenData({ data, iv, appId, sessionKey: user.previousSessionKey, accept: check(user.previousSessionKey) });
      if (previous) {
        if (previousAccepted(user)) return previous;
        throw new OpenDataError('stale_session_key');
      }
    }
    await countFailure(auth);
    throw decryptFailed();
  }

  /** One more failed decryption for this session; past the budget the token is revoked and the caller gets 203. */
  async function countFailure(auth: Authenticated) {
    const budget = deps.decryptFailureBudget;
    if (budget <= 0) return;
    const t = now();
    const left = auth.session.expiresAt - t;
    if (left <= 0) return;
    const after = (await store.sessions.update(
      auth.sessionId,
      (cur) => {
        if (!cur) return undefined;
        const c = cur as CountedSession;
        const f = c.decryptFailures && t - c.decryptFailures.since < windowMs ? c.decryptFailures : { count: 0, since: t };
        return { ...c, decryptFailures: { count: f.count + 1, since: f.since } } as SessionRecord;
      },
      left,
    )) as CountedSession | undefined;
    const failures = after?.decryptFailures?.count ?? budget + 1;
    if (failures <= budget) return;
    await store.sessions.delete(auth.sessionId);
    deps.onRevoked?.({ openid: auth.user.openid, failures, windowSeconds: deps.decryptFailureWindowSeconds });
    throw badToken('invalid_token', 'token revoked after repeated data that could not be decrypted; log in again');
  }

  async function userinfo(auth: Authenticated, body: EncryptedBody) {
    if ((body.rawData === undefined) !== (body.signature === undefined)) {
      throw badParameter('rawData and signature go together: send both or neither');
    }
    const data = await open(auth, body, () => true);
    const profile: Record<string, unknown> = {};
    for (const k of PROFILE_KEYS) if (data[k] !== undefined) profile[k] = data[k];
    await store.profiles.set(auth.user.openid, { profile, updatedAt: now() });
    // Identity is code2Session's: the openId and unionId answered are the session's, never the ciphertext's.
    const out: Record<string, unknown> = { openId: auth.user.openid, ...profile };
    if (auth.user.unionid) out.unionId = auth.user.unionid;
    return out;
  }

  async function phone(auth: Authenticated, body: PhoneBody) {
    const byCode = body.code !== undefined;
    const byData = body.encryptedData !== undefined || body.iv !== undefined;
    if (byCode === byData) throw badParameter('send either a phone code or encryptedData + iv', byCode ? 'bad_parameter' : 'missing_parameter');
    let rec: PhoneRecord;
    if (byCode) {
      let info;
      try {
        // The session's openid goes along: WeChat refuses (40003) a phone code that belongs to another user.
        info = await deps.accessTokens.withToken((accessToken) => wechat.getPhoneNumber({ accessToken, code: body.code!, openid: auth.user.openid }));
      } catch (err) {
        if (err instanceof WechatError && err.kind === 'business' && err.errcode === 40003) {
          throw new AppError('phone_code_mismatch', "the phone code belongs to another user than this session's", { errcode: 40003 });
        }
        // A refused phone code (40029, expired, used) is the client's code problem: 202, like a refused login code.
        throw err instanceof WechatError ? fromWechatError(err, 'code') : err;
      }
      if (info.watermark.appid !== appId) throw decryptFailed();
      rec = { phoneNumber: info.phoneNumber, purePhoneNumber: info.purePhoneNumber, countryCode: info.countryCode };
    } else {
      if (body.encryptedData === undefined || body.iv === undefined) throw badParameter('encryptedData and iv go together', 'missing_parameter');
      const data = await open(auth, { encryptedData: body.encryptedData, iv: body.iv }, (d) => typeof d.phoneNumber === 'string' && typeof d.purePhoneNumber === 'string');
      rec = { phoneNumber: data.phoneNumber as string, purePhoneNumber: data.purePhoneNumber as string, countryCode: String(data.countryCode ?? '') };
    }
    await store.phones.set(auth.user.openid, { ...rec, updatedAt: now() });
    return rec;
  }

  async function werun(auth: Authenticated, body: EncryptedBody) {
    const data = await open(auth, { encryptedData: body.encryptedData, iv: body.iv }, (d) => Array.isArray(d.stepInfoList));
    return { stepInfoList: data.stepInfoList as { timestamp: number; step: number }[] };
  }

  async function shareinfo(auth: Authenticated, body: EncryptedBody) {
    // getShareInfo says openGId; getGroupEnterInfo says opengid (https://developers.weixin.qq.com/miniprogram/dev/api/share/wx.getShareInfo.html).
    const data = await open(auth, { encryptedData: body.encryptedData, iv: body.iv }, (d) => typeof (d.openGId ?? d.opengid) === 'string');
    return { openGId: (data.openGId ?? data.opengid) as string };
  }

  async function logout(auth: Authenticated) {
    await store.sessions.delete(auth.sessionId);
  }

  async function checkSession(auth: Authenticated) {
    try {
      await deps.accessTokens.withToken((accessToken) =>
        wechat.checkSessionKey({ accessToken, openid: auth.user.openid, sessionKey: auth.user.sessionKey }),
      );
    } catch (err) {
      if (err instanceof WechatError && err.kind === 'business' && err.errcode === 87009) {
        throw new AppError('session_key_expired', 'WeChat no longer accepts this session\'s session_key; log in again', { errcode: 87009 });
      }
      throw err;
    }
    return { valid: true };
  }

  async function me(auth: Authenticated) {
    const u = auth.user;
    const [profile, phone] = await Promise.all([store.profiles.get(u.openid), store.phones.get(u.openid)]);
    // Records written before profile and phone had their own namespaces kept them inside the user record.
    const legacy = u as UserRecord & { profile?: Record<string, unknown>; phone?: PhoneRecord };
    const out: Record<string, unknown> = {
      openid: u.openid,
      createdAt: u.createdAt,
      updatedAt: Math.max(u.updatedAt, profile?.updatedAt ?? 0, phone?.updatedAt ?? 0),
      session: { createdAt: auth.session.createdAt, expiresAt: auth.session.expiresAt },
    };
    if (u.unionid) out.unionid = u.unionid;
    const p = profile?.profile ?? legacy.profile;
    if (p) out.profile = p;
    const ph = phone ? { phoneNumber: phone.phoneNumber, purePhoneNumber: phone.purePhoneNumber, countryCode: phone.countryCode } : legacy.phone;
    if (ph) out.phone = ph;
    return out;
  }

  return { login, authenticate, userinfo, phone, werun, shareinfo, logout, checkSession, me };
}

export type Service = ReturnType<typeof createService>;
