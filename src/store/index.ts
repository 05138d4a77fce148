// Sessions, users, profiles, phone numbers and access tokens behind a narrow interface over keyv: one keyv namespace
// per kind of record, on an in-memory Map, an SQLite file (the default, WAL journal) or Redis (several backend
// instances share it). Expiry is checked against the injected clock, so deadlines can be tested without sleeping; the
// same TTL is also handed to keyv so Redis expires keys by itself, and prune() sweeps what the other two backends keep.
// The contract is in contract.ts, one file per engine next to it.
import { resolve } from 'node:path';
import { StoreError, type OpenStoreOptions, type Store, type StoreKind } from './contract.js';
import { openMemory } from './memory.js';
import { openRedis } from './redis.js';
import { openSqlite } from './sqlite.js';
import { redactUri } from './uri.js';

export {
  STORE_KINDS,
  StoreError,
  StoreUnavailableError,
  type AccessTokenRecord,
  type Namespace,
  type OpenStoreOptions,
  type PhoneRecord,
  type PhoneRecordStored,
  type ProfileRecord,
  type SessionRecord,
  type Store,
  type StoreKind,
  type UserRecord,
} from './contract.js';
export { redactUri } from './uri.js';

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
      throw new StoreError(`bad redis URI: ${redactUri(uri)}`);
    }
    return { kind: 'redis', url: uri };
  }
  throw new StoreError(`unknown store "${redactUri(uri)}": use sqlite://PATH, redis://HOST:PORT or memory://`);
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

export async function openStore(uri: string, opts: OpenStoreOptions = {}): Promise<Store> {
  const now = opts.now ?? Date.now;
  const prefix = opts.prefix ?? 'wxlogin';
  const busyTimeoutMs = opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  if (!(Number.isInteger(busyTimeoutMs) && busyTimeoutMs >= 0)) throw new StoreError(`busyTimeoutMs must be a whole number of ms, got ${busyTimeoutMs}`);
  const parsed = parseStoreUri(uri, opts.dataDir);
  if (parsed.kind === 'memory') return openMemory(now, prefix);
  if (parsed.kind === 'sqlite') return openSqlite(parsed.path!, { now, prefix, busyTimeoutMs, warn: opts.onWarning ?? (() => undefined) });
  return openRedis(parsed.url!, now, prefix);
}
