// What the routes do, without HTTP: log in, find the session behind a token, decrypt under the user's key history,
// talk to WeChat. Routes (app.ts) only validate, call these and wrap the result in the envelope.
import { createHash, randomBytes } from 'node:crypto';
import { decryptWithKeyHistory, OpenDataError, verifyRawDataSignature } from '../crypto/open-data.js';
import type { Store, UserRecord, SessionRecord, PhoneRecord } from '../store/index.js';
import type { AccessTokenManager } from '../wechat/access-token.js';
import { WechatError, type WechatClient } from '../wechat/client.js';
import { AppError, badParameter, badToken, fromWechatError } from './errors.js';

export interface ServiceDeps {
  appId: string;
  store: Store;
  wechat: WechatClient;
  accessTokens: AccessTokenManager;
  now: () => number;
  tokenTtlSeconds: number;
  staleKeyGraceSeconds: number;
  randomBytes?: (n: number) => Buffer;
}

export interface Authenticated {
  tokenHash: string;
  session: SessionRecord;
  user: UserRecord;
}

/** Tokens are stored only as this hash: a leaked store does not hand out sessions. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

const PROFILE_KEYS = ['nickName', 'gender', 'language', 'city', 'province', 'country', 'avatarUrl'] as const;

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
  const ttlMs = deps.tokenTtlSeconds * 1000;
  const graceMs = deps.staleKeyGraceSeconds * 1000;
  // Concurrent logins with one code share one upstream call and one answer (a code is single-use at WeChat: a
  // second call would get 40163 and a client retrying a slow login would fail its own first attempt).
  const loginsInFlight = new Map<string, Promise<{ token: string; expiresIn: number }>>();

  // openid -> the session_key (and unionid) this process last read or wrote for the user. A login whose key from
  // WeChat equals it cannot be a rotation (keys are never reused), so the user record needs neither a read nor a
  // write: one store round trip per login instead of three. Any other answer goes to the store, which stays the
  // authority when several instances share it.
  const knownKeys = new Map<string, string>();
  const KNOWN_KEYS_MAX = 50_000;
  const remember = (u: UserRecord) => {
    if (knownKeys.size >= KNOWN_KEYS_MAX) knownKeys.delete(knownKeys.keys().next().value as string);
    knownKeys.set(u.openid, `${u.sessionKey}|${u.unionid ?? ''}`);
  };

  async function updateUser(s: { openid: string; sessionKey: string; unionid?: string }, t: number) {
    if (knownKeys.get(s.openid) === `${s.sessionKey}|${s.unionid ?? ''}`) return;
    const existing = await store.users.get(s.openid);
    let user: UserRecord | undefined;
    if (!existing) {
      user = { openid: s.openid, sessionKey: s.sessionKey, createdAt: t, updatedAt: t };
      if (s.unionid) user.unionid = s.unionid;
    } else if (existing.sessionKey !== s.sessionKey) {
      // WeChat rotated the key: keep the one it replaced, with the time, for the stale-key grace period.
      user = { ...existing, sessionKey: s.sessionKey, previousSessionKey: existing.sessionKey, keyRotatedAt: t, updatedAt: t };
      if (s.unionid) user.unionid = s.unionid;
    } else if (s.unionid && existing.unionid !== s.unionid) {
      user = { ...existing, unionid: s.unionid, updatedAt: t };
    }
    if (user) await store.users.set(s.openid, user);
    remember(user ?? existing!);
  }

  async function doLogin(code: string) {
    let s;
    try {
      s = await wechat.code2Session(code);
    } catch (err) {
      throw err instanceof WechatError ? fromWechatError(err, 'code') : err;
    }
    const t = now();
    const token = rand(32).toString('base64url');
    const session: SessionRecord = { openid: s.openid, createdAt: t, expiresAt: t + ttlMs };
    await Promise.all([updateUser(s, t), store.sessions.set(hashToken(token), session, ttlMs)]);
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
    const tokenHash = hashToken(token);
    const session = await store.sessions.get(tokenHash);
    if (!session || session.expiresAt <= now()) throw badToken('invalid_token', 'token unknown, expired or revoked; log in again');
    const user = await store.users.get(session.openid);
    if (!user) {
      // The record is gone (deleted, or evicted by a Redis under memory pressure): the next login must write it again.
      knownKeys.delete(session.openid);
      throw badToken('invalid_token', 'token unknown, expired or revoked; log in again');
    }
    return { tokenHash, session, user };
  }

  const previousAccepted = (user: UserRecord) =>
    user.previousSessionKey !== undefined && user.keyRotatedAt !== undefined && now() - user.keyRotatedAt < graceMs;

  function decrypt(user: UserRecord, encryptedData: string, iv: string) {
    return decryptWithKeyHistory({
      encryptedData,
      iv,
      appId,
      sessionKey: user.sessionKey,
      previousSessionKey: user.previousSessionKey,
      previousAccepted: previousAccepted(user),
    }).data;
  }

  function checkSignature(user: UserRecord, rawData: string, signature: string) {
    if (verifyRawDataSignature(rawData, user.sessionKey, signature)) return;
    if (user.previousSessionKey && verifyRawDataSignature(rawData, user.previousSessionKey, signature)) {
      if (previousAccepted(user)) return;
      throw new OpenDataError('stale_session_key');
    }
    throw new OpenDataError('bad_signature');
  }

  function checkOpenid(auth: Authenticated, data: Record<string, unknown>) {
    const openId = data.openId ?? data.openid;
    if (openId !== undefined && openId !== auth.user.openid) throw new OpenDataError('openid_mismatch');
  }

  async function userinfo(auth: Authenticated, body: { encryptedData: string; iv: string; rawData?: string; signature?: string }) {
    if ((body.rawData === undefined) !== (body.signature === undefined)) {
      throw badParameter('rawData and signature go together: send both or neither');
    }
    if (body.rawData !== undefined) checkSignature(auth.user, body.rawData, body.signature!);
    const data = decrypt(auth.user, body.encryptedData, body.iv);
    checkOpenid(auth, data);
    const profile: Record<string, unknown> = {};
    for (const k of PROFILE_KEYS) if (data[k] !== undefined) profile[k] = data[k];
    const t = now();
    const user: UserRecord = { ...auth.user, profile, updatedAt: t };
    if (typeof data.unionId === 'string' && data.unionId) user.unionid = data.unionId;
    await store.users.set(user.openid, user);
    const out: Record<string, unknown> = { openId: user.openid, ...profile };
    if (user.unionid) out.unionId = user.unionid;
    return out;
  }

  async function phone(auth: Authenticated, body: { code?: string; encryptedData?: string; iv?: string }) {
    const byCode = body.code !== undefined;
    const byData = body.encryptedData !== undefined || body.iv !== undefined;
    if (byCode === byData) throw badParameter('send either a phone code or encryptedData + iv', byCode ? 'bad_parameter' : 'missing_parameter');
    let rec: PhoneRecord;
    if (byCode) {
      let info;
      try {
        info = await deps.accessTokens.withToken((accessToken) => wechat.getPhoneNumber({ accessToken, code: body.code! }));
      } catch (err) {
        // A refused phone code (40029, expired, used) is the client's code problem: 202, like a refused login code.
        throw err instanceof WechatError ? fromWechatError(err, 'code') : err;
      }
      if (info.watermark.appid !== appId) throw new OpenDataError('watermark_appid_mismatch', `got ${info.watermark.appid || 'none'}`);
      rec = { phoneNumber: info.phoneNumber, purePhoneNumber: info.purePhoneNumber, countryCode: info.countryCode };
    } else {
      if (body.encryptedData === undefined || body.iv === undefined) throw badParameter('encryptedData and iv go together', 'missing_parameter');
      const data = decrypt(auth.user, body.encryptedData, body.iv);
      if (typeof data.phoneNumber !== 'string' || typeof data.purePhoneNumber !== 'string') {
        throw new OpenDataError('bad_json', 'no phoneNumber in the decrypted data');
      }
      rec = { phoneNumber: data.phoneNumber, purePhoneNumber: data.purePhoneNumber, countryCode: String(data.countryCode ?? '') };
    }
    await store.users.set(auth.user.openid, { ...auth.user, phone: rec, updatedAt: now() });
    return rec;
  }

  function werun(auth: Authenticated, body: { encryptedData: string; iv: string }) {
    const data = decrypt(auth.user, body.encryptedData, body.iv);
    if (!Array.isArray(data.stepInfoList)) throw new OpenDataError('bad_json', 'no stepInfoList in the decrypted data');
    return { stepInfoList: data.stepInfoList as { timestamp: number; step: number }[] };
  }

  function shareinfo(auth: Authenticated, body: { encryptedData: string; iv: string }) {
    const data = decrypt(auth.user, body.encryptedData, body.iv);
    // getShareInfo says openGId; getGroupEnterInfo says opengid (protocol.md 5d).
    const gid = data.openGId ?? data.opengid;
    if (typeof gid !== 'string') throw new OpenDataError('bad_json', 'no openGId in the decrypted data');
    return { openGId: gid };
  }

  async function logout(auth: Authenticated) {
    await store.sessions.delete(auth.tokenHash);
  }

  async function checkSession(auth: Authenticated) {
    try {
      await deps.accessTokens.withToken((accessToken) =>
        wechat.checkSessionKey({ accessToken, openid: auth.user.openid, sessionKey: auth.user.sessionKey }),
      );
    } catch (err) {
      if (err instanceof WechatError && err.kind === 'business' && err.errcode === 87009) {
        throw new AppError(203, 401, 'session_key_expired', 'WeChat no longer accepts this session\'s session_key; log in again', { errcode: 87009 });
      }
      throw err;
    }
    return { valid: true };
  }

  function me(auth: Authenticated) {
    const u = auth.user;
    const out: Record<string, unknown> = {
      openid: u.openid,
      createdAt: u.createdAt,
      updatedAt: u.updatedAt,
      session: { createdAt: auth.session.createdAt, expiresAt: auth.session.expiresAt },
    };
    if (u.unionid) out.unionid = u.unionid;
    if (u.profile) out.profile = u.profile;
    if (u.phone) out.phone = u.phone;
    return out;
  }

  return { login, authenticate, userinfo, phone, werun, shareinfo, logout, checkSession, me };
}

export type Service = ReturnType<typeof createService>;
