// Sessions, users and access tokens behind a narrow interface over keyv: one keyv namespace per kind of record, on an
// in-memory Map, an SQLite file (the default, WAL journal) or Redis (several backend instances share it).
// Expiry is checked against the injected clock, so deadlines can be tested without sleeping; the same TTL is also
// handed to keyv so Redis expires keys by itself, and prune() sweeps what the other two backends keep.
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import Keyv from 'keyv';

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
  /** The session_key of this user's latest code2Session: one valid key per user at a time (protocol.md 7). */
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
}

export const STORE_KINDS = { memory: 'memory', sqlite: 'sqlite', redis: 'redis' } as const;
export type StoreKind = (typeof STORE_KINDS)[keyof typeof STORE_KINDS];

export interface Store {
  readonly kind: StoreKind;
  readonly sessions: Namespace<SessionRecord>;
  readonly users: Namespace<UserRecord>;
  /** Access tokens, keyed by appid. */
  readonly tokens: Namespace<AccessTokenRecord>;
  /**
   * Takes a named lock for ttlMs; resolves to a release function, or undefined when someone holds it. On Redis the lock
   * is SET NX PX, so it excludes other processes; on memory and SQLite it excludes this process only.
   */
  lock(name: string, ttlMs: number): Promise<(() => Promise<void>) | undefined>;
  /** Deletes expired records; returns how many. Redis expires keys by itself (0). */
  prune(): Promise<number>;
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

/** Every failure of the storage engine becomes a StoreUnavailableError, so callers tell it from their own bugs. */
async function guard<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    throw err instanceof StoreError ? err : new StoreUnavailableError(err);
  }
}

export interface OpenStoreOptions {
  /** Directory against which a relative sqlite path is resolved. */
  dataDir?: string;
  now?: () => number;
  /** Prefix of every key and lock (lets tests share one Redis without seeing each other). */
  prefix?: string;
}

/** What keyv holds: the value and its expiry on the injected clock. */
interface Boxed<T> {
  v: T;
  e?: number;
}

const NAMESPACES = ['sessions', 'users', 'tokens'] as const;

// Records are plain JSON (no Buffers, no Dates): JSON.stringify/parse are several times cheaper than keyv's default
// serializer with its reviver, and this is the login hot path.
const JSON_CODEC = {
  serialize: (data: unknown) => JSON.stringify(data),
  deserialize: (data: string) => JSON.parse(data),
} as const;

function wrap<T>(keyv: Keyv, now: () => number): Namespace<T> {
  return {
    async get(key) {
      const box = (await guard(keyv.get(key))) as Boxed<T> | undefined;
      if (box === undefined || box === null) return undefined;
      if (box.e !== undefined && box.e <= now()) {
        await guard(keyv.delete(key));
        return undefined;
      }
      return box.v;
    },
    async set(key, value, ttlMs) {
      if (ttlMs === undefined) {
        await guard(keyv.set(key, { v: value } satisfies Boxed<T>));
        return;
      }
      if (!(ttlMs > 0)) throw new StoreError(`ttl must be positive, got ${ttlMs}`);
      await guard(keyv.set(key, { v: value, e: now() + ttlMs } satisfies Boxed<T>, ttlMs));
    },
    async delete(key) {
      return guard(keyv.delete(key));
    },
  };
}

function localLocks(now: () => number) {
  const held = new Map<string, { id: string; until: number }>();
  return async (name: string, ttlMs: number) => {
    const cur = held.get(name);
    if (cur && cur.until > now()) return undefined;
    const id = randomBytes(8).toString('hex');
    held.set(name, { id, until: now() + ttlMs });
    return async () => {
      if (held.get(name)?.id === id) held.delete(name);
    };
  };
}

/** Parses a store URI: `memory://`, `sqlite://PATH` (relative to dataDir), `redis://HOST:PORT[/DB]`. */
export function parseStoreUri(uri: string, dataDir = '.'): { kind: StoreKind; path?: string; url?: string } {
  if (uri === 'memory://' || uri === 'memory') return { kind: 'memory' };
  if (uri.startsWith('sqlite://')) {
    const p = uri.slice('sqlite://'.length);
    if (p === '') throw new StoreError('sqlite store needs a path: sqlite://PATH');
    return { kind: 'sqlite', path: p === ':memory:' ? p : resolve(dataDir, p) };
  }
  if (uri.startsWith('redis://') || uri.startsWith('rediss://')) {
    try {
      new URL(uri);
    } catch {
      throw new StoreError(`bad redis URI: ${uri}`);
    }
    return { kind: 'redis', url: uri };
  }
  throw new StoreError(`unknown store "${uri}": use sqlite://PATH, redis://HOST:PORT or memory://`);
}

export async function openStore(uri: string, opts: OpenStoreOptions = {}): Promise<Store> {
  const now = opts.now ?? Date.now;
  const prefix = opts.prefix ?? 'wxlogin';
  const parsed = parseStoreUri(uri, opts.dataDir);
  if (parsed.kind === 'memory') return openMemory(now, prefix);
  if (parsed.kind === 'sqlite') return openSqlite(parsed.path!, now, prefix);
  return openRedis(parsed.url!, now, prefix);
}

function openMemory(now: () => number, prefix: string): Store {
  const maps = new Map<string, Map<string, unknown>>();
  const ns = <T>(name: string) => {
    const map = new Map<string, unknown>();
    maps.set(name, map);
    return wrap<T>(new Keyv({ store: map, namespace: `${prefix}_${name}`, throwOnErrors: true, ...JSON_CODEC }), now);
  };
  const store: Store = {
    kind: 'memory',
    sessions: ns<SessionRecord>('sessions'),
    users: ns<UserRecord>('users'),
    tokens: ns<AccessTokenRecord>('tokens'),
    lock: localLocks(now),
    async prune() {
      let n = 0;
      const t = now();
      for (const map of maps.values()) {
        for (const [k, raw] of map) {
          // keyv serialises Map entries as JSON text: {"value":{"v":...,"e":...},"expires":...}
          const e = expiryOf(raw);
          if (e !== undefined && e <= t) {
            map.delete(k);
            n++;
          }
        }
      }
      return n;
    },
    async close() {
      for (const m of maps.values()) m.clear();
    },
  };
  return store;
}

function expiryOf(raw: unknown): number | undefined {
  try {
    const obj = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { value?: { e?: unknown } };
    return typeof obj?.value?.e === 'number' ? obj.value.e : undefined;
  } catch {
    return undefined;
  }
}

async function openSqlite(path: string, now: () => number, prefix: string): Promise<Store> {
  const { default: KeyvSqlite } = await import('@keyv/sqlite');
  if (path !== ':memory:') await mkdir(dirname(path), { recursive: true });
  const table = `${prefix.replace(/[^a-zA-Z0-9_]/g, '_')}_kv`;
  // One connection shared by the three namespaces (keyv prefixes each key with its namespace); busyTimeout lets
  // two processes on one file wait for each other instead of failing with SQLITE_BUSY.
  const inner = new KeyvSqlite({ uri: `sqlite://${path}`, table, busyTimeout: 5000 });
  try {
    // WAL: a write appends to the log instead of rewriting pages and syncing each time; synchronous=NORMAL is the
    // setting SQLite recommends with WAL (durable across process crashes, not power loss).
    await inner.query('PRAGMA journal_mode=WAL');
    await inner.query('PRAGMA synchronous=NORMAL');
  } catch (err) {
    throw new StoreError(`cannot open SQLite store at ${path}: ${(err as Error).message}`, { cause: err });
  }
  // The group commit writes through a connection of its own with its two statements prepared once: through keyv's
  // connection every batch would prepare, run and finalize a statement (three trips to SQLite's thread, and the
  // prepare was a tenth of the backend's CPU under load). ':memory:' is one database per connection, so it keeps
  // writing through keyv's.
  let writer: BatchWriter | undefined;
  if (path !== ':memory:') {
    try {
      writer = await openWriter(path, table);
    } catch (err) {
      await inner.disconnect().catch(() => undefined);
      throw new StoreError(`cannot open SQLite store at ${path}: ${(err as Error).message}`, { cause: err });
    }
  }
  const adapter = batchingSqlite(inner, table, writer);
  const ns = <T>(name: string) =>
    wrap<T>(new Keyv({ store: adapter, namespace: `${prefix}_${name}`, throwOnErrors: true, ...JSON_CODEC }), now);
  return {
    kind: 'sqlite',
    sessions: ns<SessionRecord>('sessions'),
    users: ns<UserRecord>('users'),
    tokens: ns<AccessTokenRecord>('tokens'),
    lock: localLocks(now),
    async prune() {
      await adapter.flush();
      let n = 0;
      for (const name of NAMESPACES) {
        const rows = (await inner.query(
          `DELETE FROM ${table} WHERE key LIKE ? AND json_extract(value, '$.value.e') <= ? RETURNING key`,
          `${prefix}_${name}:%`,
          now(),
        )) as unknown[];
        n += rows.length;
      }
      return n;
    },
    async close() {
      await adapter.flush();
      if (writer) await writer.close();
      await inner.disconnect();
    },
  };
}

/** Runs one batch statement with its single JSON parameter; close() finalizes the statements. */
interface BatchWriter {
  upsert(json: string): Promise<void>;
  remove(json: string): Promise<void>;
  close(): Promise<void>;
}

async function openWriter(path: string, table: string): Promise<BatchWriter> {
  const { default: sqlite3 } = await import('sqlite3');
  const db = await new Promise<import('sqlite3').Database>((resolve, reject) => {
    const d = new sqlite3.Database(path, (err) => (err ? reject(err) : resolve(d)));
  });
  const exec = (sql: string) => new Promise<void>((resolve, reject) => db.exec(sql, (err) => (err ? reject(err) : resolve())));
  const prepare = (sql: string) =>
    new Promise<import('sqlite3').Statement>((resolve, reject) => {
      const st = db.prepare(sql, (err) => (err ? reject(err) : resolve(st)));
    });
  try {
    db.configure('busyTimeout', 5000);
    // synchronous is a setting of the connection: the writer needs it as much as keyv's (journal_mode is the file's).
    // Checkpoint every 10000 WAL pages (~40 MB) instead of SQLite's 1000: session keys are token hashes, so every
    // login dirties a random index page, and a longer window lets the many rewrites of one page go back to the
    // database file as one copy (and one fsync stalls the commit pipeline ten times less often). Commits are durable
    // in the WAL either way.
    await exec('PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=10000');
    const upsert = await prepare(UPSERT(table));
    const remove = await prepare(REMOVE(table));
    const run = (st: import('sqlite3').Statement, json: string) =>
      new Promise<void>((resolve, reject) => st.run([json], (err) => (err ? reject(err) : resolve())));
    return {
      upsert: (json) => run(upsert, json),
      remove: (json) => run(remove, json),
      async close() {
        const fin = (st: import('sqlite3').Statement) => new Promise<void>((r) => st.finalize(() => r()));
        await fin(upsert);
        await fin(remove);
        await new Promise<void>((resolve, reject) => db.close((err) => (err ? reject(err) : resolve())));
      },
    };
  } catch (err) {
    db.close();
    throw err;
  }
}

const UPSERT = (table: string) =>
  `INSERT INTO ${table} (key, value) SELECT json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]') FROM json_each(?) AS j WHERE true ON CONFLICT(key) DO UPDATE SET value = excluded.value`;
const REMOVE = (table: string) => `DELETE FROM ${table} WHERE key IN (SELECT value FROM json_each(?))`;

interface SqliteInner {
  query(sql: string, ...params: unknown[]): Promise<unknown>;
  get(key: string): Promise<unknown>;
  clear(): Promise<void>;
  on(event: string, fn: (...a: unknown[]) => void): unknown;
  namespace?: string;
  opts: unknown;
}

/**
 * A keyv store over @keyv/sqlite that groups the writes of one event-loop turn into a single statement (one
 * implicit transaction, one trip to SQLite's thread) instead of one statement and one commit each: under concurrent
 * logins this cuts the cost of a write several times. Reads see writes still waiting in the batch; a write's promise
 * settles when its batch is committed, so an acknowledged login is on disk (in the WAL) like before.
 */
function batchingSqlite(inner: SqliteInner, table: string, writer?: BatchWriter) {
  type Op = { value: string | null };
  let pending = new Map<string, Op>();
  let waiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  let scheduled = false;
  let writing: Promise<void> | undefined;
  const upsert = UPSERT(table);
  const remove = REMOVE(table);

  async function write(batch: Map<string, Op>) {
    const sets: [string, string][] = [];
    const dels: string[] = [];
    for (const [k, op] of batch) {
      if (op.value === null) dels.push(k);
      else sets.push([k, op.value]);
    }
    if (writer) {
      if (sets.length) await writer.upsert(JSON.stringify(sets));
      if (dels.length) await writer.remove(JSON.stringify(dels));
      return;
    }
    if (sets.length) await inner.query(upsert, JSON.stringify(sets));
    if (dels.length) await inner.query(remove, JSON.stringify(dels));
  }

  // Group commit: one batch in flight at a time; whatever arrives meanwhile goes into the next one. Idle, a write
  // waits one turn of the event loop; under load, batches grow by themselves without a timer.
  function flushNow(): void {
    scheduled = false;
    if (writing || pending.size === 0) return;
    const batch = pending;
    const ws = waiters;
    pending = new Map();
    waiters = [];
    writing = write(batch).then(
      () => ws.forEach((w) => w.resolve()),
      (err) => ws.forEach((w) => w.reject(err)),
    );
    void writing.then(() => {
      writing = undefined;
      flushNow();
    });
  }

  function enqueue(key: string, value: string | null): Promise<void> {
    pending.set(key, { value });
    if (!scheduled && !writing) {
      scheduled = true;
      setImmediate(flushNow);
    }
    return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
  }

  return {
    opts: inner.opts,
    get namespace() {
      return inner.namespace;
    },
    set namespace(v: string | undefined) {
      inner.namespace = v;
    },
    on: (event: string, fn: (...a: unknown[]) => void) => inner.on(event, fn),
    async get(key: string) {
      const op = pending.get(key);
      if (op) return op.value === null ? undefined : op.value;
      return inner.get(key);
    },
    async set(key: string, value: string) {
      await enqueue(key, value);
      return true;
    },
    async delete(key: string) {
      const existed = (await this.get(key)) !== undefined;
      await enqueue(key, null);
      return existed;
    },
    async clear() {
      await this.flush();
      await inner.clear();
    },
    async flush() {
      while (writing || pending.size > 0) {
        if (!writing) flushNow();
        await writing;
        await new Promise((r) => setImmediate(r));
      }
    },
  };
}

async function openRedis(url: string, now: () => number, prefix: string): Promise<Store> {
  const { default: KeyvRedis, createClient } = await import('@keyv/redis');
  let connected = false;
  // Fail fast when the server is not there at start-up; once connected, reconnect with a bounded backoff.
  const reconnectStrategy = (n: number, cause: Error) => (connected ? Math.min(n * 100, 2000) : cause);
  // disableOfflineQueue: while the connection is down, a command fails at once (the backend answers 503) instead of
  // waiting in a queue for a reconnect that may never come, which a client would see as a hang.
  const client = createClient({ url, disableOfflineQueue: true, socket: { connectTimeout: 5000, reconnectStrategy } });
  client.on('error', () => {
    // Connection errors surface as rejected commands; without a listener node-redis would crash the process.
  });
  try {
    await client.connect();
    connected = true;
  } catch (err) {
    throw new StoreError(`cannot connect to Redis at ${url}: ${(err as Error).message}`, { cause: err });
  }
  const ns = <T>(name: string) => {
    const adapter = new KeyvRedis(client as never, { namespace: `${prefix}_${name}`, throwOnErrors: true });
    return wrap<T>(new Keyv({ store: adapter, namespace: `${prefix}_${name}`, useKeyPrefix: false, throwOnErrors: true, ...JSON_CODEC }), now);
  };
  return {
    kind: 'redis',
    sessions: ns<SessionRecord>('sessions'),
    users: ns<UserRecord>('users'),
    tokens: ns<AccessTokenRecord>('tokens'),
    async lock(name, ttlMs) {
      const key = `${prefix}_lock:${name}`;
      const id = randomBytes(8).toString('hex');
      const ok = await guard(client.set(key, id, { NX: true, PX: Math.max(1, Math.ceil(ttlMs)) }));
      if (ok !== 'OK') return undefined;
      return async () => {
        // Delete only our own lock: it may have expired and been taken by another instance meanwhile.
        await guard(
          client.eval(`if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`, {
            keys: [key],
            arguments: [id],
          }),
        );
      };
    },
    async prune() {
      return 0;
    },
    async close() {
      if (client.isOpen) await client.close();
    },
  };
}
