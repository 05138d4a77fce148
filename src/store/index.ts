// Sessions, users, profiles, phone numbers and access tokens behind a narrow interface over keyv: one keyv namespace
// per kind of record, on an in-memory Map, an SQLite file (the default, WAL journal) or Redis (several backend
// instances share it). Expiry is checked against the injected clock, so deadlines can be tested without sleeping; the
// same TTL is also handed to keyv so Redis expires keys by itself, and prune() sweeps what the other two backends keep.
//
// Where things are: contract.ts (records, the Store interface, options), errors.ts, uri.ts (parsing and redacting
// store URIs), namespace.ts (the namespaces every engine builds on keyv: expiry, update), local-lock.ts; then one
// module per engine, each imported only when a store of its kind is opened: memory.ts, sqlite/ (engine, group
// commit, writer connection, file modes), redis.ts.
import { STORE_KINDS, type OpenStoreOptions, type Store } from './contract.js';
import { StoreError } from './errors.js';
import { parseStoreUri } from './uri.js';

export {
  STORE_KINDS,
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
export { StoreError, StoreUnavailableError } from './errors.js';
export { parseStoreUri, redactUri } from './uri.js';

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

export async function openStore(uri: string, opts: OpenStoreOptions = {}): Promise<Store> {
  const now = opts.now ?? Date.now;
  const prefix = opts.prefix ?? 'wxlogin';
  const busyTimeoutMs = opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  if (!(Number.isInteger(busyTimeoutMs) && busyTimeoutMs >= 0)) throw new StoreError(`busyTimeoutMs must be a whole number of ms, got ${busyTimeoutMs}`);
  const parsed = parseStoreUri(uri, opts.dataDir);
  switch (parsed.kind) {
    case STORE_KINDS.memory:
      return (await import('./memory.js')).openMemory(now, prefix);
    case STORE_KINDS.sqlite: {
      const { openSqlite } = await import('./sqlite/engine.js');
      return openSqlite(parsed.path!, { now, prefix, busyTimeoutMs, warn: opts.onWarning ?? (() => undefined) });
    }
    case STORE_KINDS.redis:
      return (await import('./redis.js')).openRedis(parsed.url!, now, prefix);
  }
}
