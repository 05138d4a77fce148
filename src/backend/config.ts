// Backend settings from env and flags (flags win), validated once into a BackendConfig. The command layer passes
// process.env and the parsed flags in; nothing below reads the environment.
import { parseStoreUri, StoreError } from '../store/index.js';
import type { BackendConfig } from './options.js';
import { parseCorsOrigin } from './cors.js';
import { DEFAULT_DATA_DIR, DEFAULT_STORE_FILE } from './defaults.js';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** One flag per setting; strings as they come from the command line (numbers are parsed here). */
export interface BackendFlags {
  appid?: string;
  secret?: string;
  apiBase?: string;
  store?: string;
  dataDir?: string;
  rateLimit?: string | number;
  tokenTtl?: string | number;
  staleKeyGrace?: string | number;
  bodyLimit?: string | number;
  wechatTimeout?: string | number;
  wechatRetries?: string | number;
  decryptFailureBudget?: string | number;
  decryptFailureWindow?: string | number;
  dataRateLimit?: string | number;
  wechatRateLimit?: string | number;
  allowQueryToken?: string | boolean;
  requestTimeout?: string | number;
  headersTimeout?: string | number;
  keepAliveTimeout?: string | number;
  maxConnections?: string | number;
  /** Origins allowed to call from a browser: the flag repeated, or the env comma-separated. */
  corsOrigin?: string | string[];
}

/** The environment variable behind each flag. */
export const BACKEND_ENV = {
  appid: 'WX_APPID',
  secret: 'WX_SECRET',
  apiBase: 'WX_API_BASE',
  store: 'WXLOGIN_STORE',
  dataDir: 'WXLOGIN_DATA_DIR',
  rateLimit: 'WXLOGIN_RATE_LIMIT',
  tokenTtl: 'WXLOGIN_TOKEN_TTL',
  staleKeyGrace: 'WXLOGIN_STALE_KEY_GRACE',
  bodyLimit: 'WXLOGIN_BODY_LIMIT',
  wechatTimeout: 'WXLOGIN_WECHAT_TIMEOUT_MS',
  wechatRetries: 'WXLOGIN_WECHAT_RETRIES',
  decryptFailureBudget: 'WXLOGIN_DECRYPT_FAILURE_BUDGET',
  decryptFailureWindow: 'WXLOGIN_DECRYPT_FAILURE_WINDOW',
  dataRateLimit: 'WXLOGIN_DATA_RATE_LIMIT',
  wechatRateLimit: 'WXLOGIN_WECHAT_RATE_LIMIT',
  allowQueryToken: 'WXLOGIN_ALLOW_QUERY_TOKEN',
  requestTimeout: 'WXLOGIN_REQUEST_TIMEOUT_MS',
  headersTimeout: 'WXLOGIN_HEADERS_TIMEOUT_MS',
  keepAliveTimeout: 'WXLOGIN_KEEP_ALIVE_TIMEOUT_MS',
  maxConnections: 'WXLOGIN_MAX_CONNECTIONS',
  corsOrigin: 'WXLOGIN_CORS_ORIGINS',
} as const satisfies Record<keyof BackendFlags, string>;

export const DEFAULT_API_BASE = 'https://api.weixin.qq.com';
export { DEFAULT_DATA_DIR } from './defaults.js';

type Env = Record<string, string | undefined>;

export function backendConfigFromEnv(env: Env, flags: Partial<BackendFlags> = {}): BackendConfig {
  const pick = (k: keyof BackendFlags): { value: string | undefined; from: string } => {
    const f = flags[k];
    if (f !== undefined && f !== '') return { value: String(f), from: `--${k.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)}` };
    const e = env[BACKEND_ENV[k]];
    return { value: e === undefined || e === '' ? undefined : e, from: BACKEND_ENV[k] };
  };
  const int = (k: keyof BackendFlags, min: number, max: number): number | undefined => {
    const { value, from } = pick(k);
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value.trim())) throw new ConfigError(`${from} must be a whole number, got "${value}"`);
    const n = Number(value);
    if (n < min || n > max) throw new ConfigError(`${from} must be between ${min} and ${max}, got ${n}`);
    return n;
  };

  const appid = pick('appid');
  if (!appid.value) throw new ConfigError('no AppID: set WX_APPID or pass --appid');
  if (!/^wx[0-9a-zA-Z]{16}$/.test(appid.value)) throw new ConfigError(`${appid.from} "${appid.value}" is not an AppID (wx + 16 characters)`);
  const secret = pick('secret');
  if (!secret.value) throw new ConfigError('no AppSecret: set WX_SECRET (or pass --secret / --secret-file)');
  if (/\s/.test(secret.value)) throw new ConfigError(`${secret.from}: the AppSecret contains whitespace`);

  const base = pick('apiBase');
  const wechatBaseUrl = base.value ?? DEFAULT_API_BASE;
  let u: URL;
  try {
    u = new URL(wechatBaseUrl);
  } catch {
    throw new ConfigError(`${base.from} "${wechatBaseUrl}" is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError(`${base.from} must be an http(s) URL, got "${wechatBaseUrl}"`);

  const dataDir = pick('dataDir').value ?? DEFAULT_DATA_DIR;
  const storeOpt = pick('store');
  // A relative sqlite path lives in the data directory (openStore resolves it there), so the default is just a name.
  const store = storeOpt.value ?? `sqlite://${DEFAULT_STORE_FILE}`;
  try {
    parseStoreUri(store, dataDir);
  } catch (err) {
    throw new ConfigError(`${storeOpt.value ? storeOpt.from : 'store'}: ${err instanceof StoreError ? err.message : String(err)}`);
  }

  const cfg: BackendConfig = { appId: appid.value, appSecret: secret.value, wechatBaseUrl, store, dataDir };
  const set = <K extends keyof BackendConfig>(key: K, v: BackendConfig[K] | undefined) => {
    if (v !== undefined) cfg[key] = v;
  };
  set('loginRateLimitPerMinute', int('rateLimit', 0, 1_000_000));
  set('tokenTtlSeconds', int('tokenTtl', 1, 365 * 86_400));
  set('staleKeyGraceSeconds', int('staleKeyGrace', 0, 86_400));
  set('bodyLimitBytes', int('bodyLimit', 1024, 16 * 1024 * 1024));
  set('wechatTimeoutMs', int('wechatTimeout', 1, 120_000));
  set('wechatRetries', int('wechatRetries', 0, 10));
  set('decryptFailureBudget', int('decryptFailureBudget', 0, 1_000_000));
  set('decryptFailureWindowSeconds', int('decryptFailureWindow', 1, 86_400));
  set('dataRateLimitPerMinute', int('dataRateLimit', 0, 1_000_000));
  set('wechatRateLimitPerMinute', int('wechatRateLimit', 0, 1_000_000));
  set('requestTimeoutMs', int('requestTimeout', 100, 600_000));
  set('headersTimeoutMs', int('headersTimeout', 100, 600_000));
  set('keepAliveTimeoutMs', int('keepAliveTimeout', 1, 600_000));
  set('maxConnections', int('maxConnections', 1, 1_000_000));
  const q = pick('allowQueryToken');
  if (q.value !== undefined) {
    if (!/^(true|false|1|0|yes|no)$/i.test(q.value)) throw new ConfigError(`${q.from} must be true or false, got "${q.value}"`);
    cfg.allowQueryToken = /^(true|1|yes)$/i.test(q.value);
  }
  const flagOrigins = flags.corsOrigin === undefined ? [] : [flags.corsOrigin].flat().filter((o) => o !== '');
  const fromFlag = flagOrigins.length > 0;
  const originTexts = fromFlag ? flagOrigins : (env[BACKEND_ENV.corsOrigin] ?? '').split(',').filter((o) => o.trim() !== '');
  if (originTexts.length > 0) {
    cfg.corsOrigins = originTexts.map((o) => {
      try {
        return parseCorsOrigin(o);
      } catch (err) {
        throw new ConfigError(`${fromFlag ? '--cors-origin' : BACKEND_ENV.corsOrigin}: ${(err as Error).message}`);
      }
    });
  }
  const r = cfg.requestTimeoutMs, h = cfg.headersTimeoutMs;
  if (r !== undefined && h !== undefined && h > r) throw new ConfigError(`--headers-timeout (${h} ms) must not exceed --request-timeout (${r} ms)`);
  return cfg;
}
