// The mock's options (what buildMockWechat takes, and what a config file holds) and their defaults, resolved once.
import { MockUsageError } from './errors.js';
import { DEFAULT_MAX_USERS } from './limits.js';
import { QUIRK_MODES, type QuirkMode } from './quirks.js';
import type { MockAppConfig } from './state/apps.js';
import type { MockUserSeed } from './state/user-schema.js';

export type SessionKeyRotation = 'always' | 'period' | 'never';

export interface MockOptions {
  seed?: number | string;
  apps?: MockAppConfig[];
  users?: MockUserSeed[];
  codeTtlSeconds?: number;
  phoneCodeTtlSeconds?: number;
  sessionKey?: { rotation?: SessionKeyRotation; rotationPeriodSeconds?: number; lifetimeSeconds?: number };
  loginRateLimitPerMinute?: number;
  strictUsers?: boolean;
  /**
   * How getuserphonenumber types countryCode. Default "string": Go SDKs (silenceper/wechat since 2022) declare it a
   * string and fail on a number, which says the service sends a string; the documentation's example shows a number.
   */
  countryCodeType?: 'number' | 'string';
  /**
   * Where captures and docs disagree on an answer's wire form (content type, charset label, legacy expires_in,
   * countryCode's type, errmsg suffix, key order: quirks.ts). "off" (default): one form each, the most recent evidence
   * (countryCode per countryCodeType). "rotate": each server-API answer takes the next variant of every quirk that
   * applies to it, dealt from the seeded random source (same seed, same sequence); the journal names them.
   */
  quirks?: QuirkMode;
  /**
   * The errcode a wrong AppSecret gets: 40125 (invalid appsecret, today's tables) or 40001 (older tables; some SDKs
   * then refresh their access token in a loop, which is worth testing). Default 40125.
   */
  wrongSecretErrcode?: 40125 | 40001;
  /**
   * What checkencryptedmsg's encrypted_msg_hash is a SHA-256 of: "base64" (default: the encryptedData text a backend
   * received) or "bytes" (the decoded ciphertext). WeChat's page does not say which.
   */
  encryptedMsgHash?: 'base64' | 'bytes';
  journalLimit?: number;
  /** Users held across all apps (seeded, added or created on first use) before more are refused; 0 = no limit. Default 10000. */
  maxUsers?: number;
  /**
   * When set, every /__admin route requires `Authorization: Bearer <adminToken>` and answers 401 otherwise.
   * Visible ASCII, no spaces. The client simulator stays open.
   */
  adminToken?: string;
  /** The whole request (headers and body) must arrive within this many ms, else 408 and the socket closes. Default 30000. */
  requestTimeoutMs?: number;
  /** The request headers must arrive within this many ms (at most requestTimeoutMs). Default 10000, or requestTimeoutMs if lower. */
  headersTimeoutMs?: number;
  /** An idle keep-alive connection closes after this many ms. Default 5000. */
  keepAliveTimeoutMs?: number;
  /** Open connections at most; more are closed as they arrive. Default 1024. */
  maxConnections?: number;
  now?: () => number;
  /** fastify's logger: true, or pino options such as { level, stream }. Off by default. */
  logger?: boolean | { level?: string; stream?: NodeJS.WritableStream };
}

export interface ResolvedOptions {
  codeTtlMs: number;
  phoneCodeTtlMs: number;
  rotation: SessionKeyRotation;
  rotationPeriodMs: number;
  keyLifetimeMs: number;
  loginRateLimitPerMinute: number;
  strictUsers: boolean;
  countryCodeType: 'number' | 'string';
  quirks: QuirkMode;
  wrongSecretErrcode: 40125 | 40001;
  journalLimit: number;
  maxUsers: number;
}

export function resolveOptions(opts: MockOptions): ResolvedOptions {
  const sk = opts.sessionKey ?? {};
  if (opts.quirks !== undefined && !(QUIRK_MODES as readonly unknown[]).includes(opts.quirks)) {
    throw new MockUsageError(`quirks must be "off" or "rotate", got ${JSON.stringify(opts.quirks)}`);
  }
  return {
    codeTtlMs: (opts.codeTtlSeconds ?? 300) * 1000,
    phoneCodeTtlMs: (opts.phoneCodeTtlSeconds ?? 300) * 1000,
    rotation: sk.rotation ?? 'period',
    rotationPeriodMs: (sk.rotationPeriodSeconds ?? 300) * 1000,
    // WeChat does not publish the lifetime; a staff reply in the developer community once said three days.
    keyLifetimeMs: (sk.lifetimeSeconds ?? 259_200) * 1000,
    loginRateLimitPerMinute: opts.loginRateLimitPerMinute ?? 100,
    strictUsers: opts.strictUsers ?? false,
    countryCodeType: opts.countryCodeType ?? 'string',
    quirks: opts.quirks ?? 'off',
    wrongSecretErrcode: opts.wrongSecretErrcode ?? 40125,
    journalLimit: opts.journalLimit ?? 1000,
    maxUsers: opts.maxUsers ?? DEFAULT_MAX_USERS,
  };
}
