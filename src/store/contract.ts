// The store's contract: the records it keeps, the narrow interface every engine implements, its errors and options.
// index.ts re-exports what callers use; the engines (memory.ts, sqlite.ts, redis.ts) import from here.

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

export class StoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/** The store could not be reached or failed a read or write (Redis down, SQLite I/O error): retry later. */
export class StoreUnavailableError extends StoreError {
  constructor(cause: unknown) {
    super(`store unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'StoreUnavailableError';
  }
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

/** The namespaces of a Store, each made by an engine's own factory. */
export function namespacesOf(ns: <T>(name: NamespaceName) => Namespace<T>) {
  return {
    sessions: ns<SessionRecord>('sessions'),
    users: ns<UserRecord>('users'),
    tokens: ns<AccessTokenRecord>('tokens'),
    profiles: ns<ProfileRecord>('profiles'),
    phones: ns<PhoneRecordStored>('phones'),
  };
}

/** Every failure of the storage engine becomes a StoreUnavailableError, so callers tell it from their own bugs. */
export async function guard<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    throw err instanceof StoreError ? err : new StoreUnavailableError(err);
  }
}

/** p, or a StoreUnavailableError once ms have passed without an answer. */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new StoreUnavailableError(new Error(`no answer within ${ms} ms`))), ms);
    guard(p).then(
      (v) => (clearTimeout(timer), resolve(v)),
      (err) => (clearTimeout(timer), reject(err)),
    );
  });
}
