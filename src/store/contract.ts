// The store's contract: the records it keeps, the narrow interface every engine implements, and its options.
// index.ts re-exports what callers use; the engines (memory.ts, sqlite/, redis.ts) import from here, and the
// contract test suite (test/store/contract-suite.ts) holds each of them to it.

export interface SessionRecord {
  openid: string;
  createdAt: number;
  expiresAt: number;
}

export interface PhoneRecord {
  phoneNumber: string;
  purePhoneNumber: string;
  countryCode: string;
}

export interface UserRecord {
  openid: string;
  unionid?: string;
  /** The session_key of this user's latest code2Session: one valid key per user at a time. */
  sessionKey: string;
  /** The key it replaced, kept so data encrypted just before a re-login can be told apart from corrupt data. */
  previousSessionKey?: string;
  /** When sessionKey replaced previousSessionKey (ms). */
  keyRotatedAt?: number;
  profile?: Record<string, unknown>;
  phone?: PhoneRecord;
  createdAt: number;
  updatedAt: number;
}

/** A user's profile, keyed by openid, in a record of its own so a profile write never races a login's user write. */
export interface ProfileRecord {
  profile: Record<string, unknown>;
  updatedAt: number;
}

/** A user's phone number, keyed by openid (same reason as ProfileRecord). */
export interface PhoneRecordStored extends PhoneRecord {
  updatedAt: number;
}

export interface AccessTokenRecord {
  accessToken: string;
  /** Absolute expiry (ms) as WeChat announced it (expires_in). */
  expiresAt: number;
  fetchedAt: number;
}

export interface Namespace<T> {
  get(key: string): Promise<T | undefined>;
  /** ttlMs omitted: kept until deleted. */
  set(key: string, value: T, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<boolean>;
  /**
   * Atomic read-modify-write of one record, also against other processes sharing an SQLite file or a Redis. fn gets
   * the current value (undefined when absent or expired) and returns the new one, or undefined (or `current` itself)
   * to write nothing. fn must be synchronous and free of side effects: it may be called more than once. Resolves to
   * the value stored afterwards. ttlMs applies to a written value as in set() (omitted: kept until deleted). An error
   * thrown by fn is passed through as is, and nothing is written for that call.
   */
  update(key: string, fn: (current: T | undefined) => T | undefined, ttlMs?: number): Promise<T | undefined>;
}

export const STORE_KINDS = { memory: 'memory', sqlite: 'sqlite', redis: 'redis' } as const;
export type StoreKind = (typeof STORE_KINDS)[keyof typeof STORE_KINDS];

export interface Store {
  readonly kind: StoreKind;
  readonly sessions: Namespace<SessionRecord>;
  readonly users: Namespace<UserRecord>;
  /** Access tokens, keyed by appid. */
  readonly tokens: Namespace<AccessTokenRecord>;
  /** Keyed by openid. */
  readonly profiles: Namespace<ProfileRecord>;
  /** Keyed by openid. */
  readonly phones: Namespace<PhoneRecordStored>;
  /**
   * Takes a named lock for ttlMs; resolves to a release function, or undefined when someone holds it. On Redis the lock
   * is SET NX PX, so it excludes other processes; on memory and SQLite it excludes this process only.
   */
  lock(name: string, ttlMs: number): Promise<(() => Promise<void>) | undefined>;
  /** Deletes expired records; returns how many. Redis expires keys by itself (0). */
  prune(): Promise<number>;
  /** Resolves when the engine answers a trivial query within timeoutMs; otherwise rejects with StoreUnavailableError. */
  ping(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Directory against which a relative sqlite path is resolved. */
  dataDir?: string;
  now?: () => number;
  /** Prefix of every key and lock (lets tests share one Redis without seeing each other). */
  prefix?: string;
  /**
   * SQLite: how long a write waits for another process's write lock before its batch fails with
   * StoreUnavailableError (ms, default 5000).
   */
  busyTimeoutMs?: number;
  /** Told about risky settings found at open, one line each (an SQLite file others can read). */
  onWarning?: (message: string) => void;
}

/** Every namespace of a store: prune and the engines walk this list. */
export const NAMESPACES = ['sessions', 'users', 'tokens', 'profiles', 'phones'] as const;
export type NamespaceName = (typeof NAMESPACES)[number];
