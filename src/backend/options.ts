// What buildBackend takes, and the defaults of everything optional.
import type { Dispatcher } from 'undici';
import type { Store } from '../store/index.js';

export interface BackendConfig {
  appId: string;
  appSecret: string;
  wechatBaseUrl: string;
  /** 'sqlite://PATH' | 'redis://HOST:PORT' | 'memory://', or a store you opened (then you close it). */
  store: string | Store;
  /** Where a relative sqlite path lives. */
  dataDir?: string;
  tokenTtlSeconds?: number;
  staleKeyGraceSeconds?: number;
  /** Logins per minute per client address; 0 turns the limit off. */
  loginRateLimitPerMinute?: number;
  bodyLimitBytes?: number;
  wechatTimeoutMs?: number;
  wechatRetries?: number;
  /** Failed decryptions a session may have in decryptFailureWindowSeconds; one more revokes the token. 0 = off. */
  decryptFailureBudget?: number;
  decryptFailureWindowSeconds?: number;
  /** Requests per minute per token on the open-data routes (/userinfo, /phone, /werun, /shareinfo); 0 = off. */
  dataRateLimitPerMinute?: number;
  /** Calls to WeChat per minute per user (/session/check, /phone by code); 0 = off. */
  wechatRateLimitPerMinute?: number;
  /** Accept `?token=` on GET /me (off: tokens belong in the Authorization header or the body). */
  allowQueryToken?: boolean;
  /** Whole request (headers and body) must arrive within this; slow clients are answered 408 and closed. */
  requestTimeoutMs?: number;
  headersTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
  /** Open connections at once; more are refused until some close. */
  maxConnections?: number;
  /**
   * Origins whose pages may call the backend from a browser (CORS), exactly as the browser sends them
   * (`http://127.0.0.1:9400`). None by default: no CORS headers, as a backend only mini programs call needs.
   */
  corsOrigins?: string[];
  /** /healthz waits this long for the store to answer. */
  healthTimeoutMs?: number;
  now?: () => number;
  dispatcher?: Dispatcher;
  logger?: boolean | object;
}

export const BACKEND_DEFAULTS = {
  tokenTtlSeconds: 86_400,
  staleKeyGraceSeconds: 300,
  loginRateLimitPerMinute: 60,
  bodyLimitBytes: 64 * 1024,
  wechatTimeoutMs: 5000,
  wechatRetries: 2,
  decryptFailureBudget: 5,
  decryptFailureWindowSeconds: 600,
  dataRateLimitPerMinute: 60,
  wechatRateLimitPerMinute: 10,
  allowQueryToken: false,
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1024,
  healthTimeoutMs: 1_000,
  pruneIntervalMs: 10 * 60_000,
} as const;

/** A config with every default filled in. */
type Defaulted = { [K in keyof typeof BACKEND_DEFAULTS]: (typeof BACKEND_DEFAULTS)[K] extends boolean ? boolean : number };
export type ResolvedConfig = Omit<BackendConfig, keyof Defaulted> & Defaulted;
