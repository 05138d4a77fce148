// The store's namespaces on keyv, seen through the contract: one keyv namespace per kind of record, expiry on the
// injected clock, engine failures as StoreUnavailableError, and update() as a step on the raw stored text that each
// engine runs atomically. An engine gives, per namespace, the keyv store adapter and that atomic step.
import Keyv from 'keyv';
import {
  type AccessTokenRecord,
  type Namespace,
  type NamespaceName,
  type PhoneRecordStored,
  type ProfileRecord,
  type SessionRecord,
  type UserRecord,
} from './contract.js';
import { guard, StoreError, StoreUnavailableError } from './errors.js';

/** What keyv holds: the value and its expiry on the injected clock. */
interface Boxed<T> {
  v: T;
  e?: number;
}

// Records are plain JSON (no Buffers, no Dates): JSON.stringify/parse are several times cheaper than keyv's default
// serializer with its reviver, and this is the login hot path.
const JSON_CODEC = {
  serialize: (data: unknown) => JSON.stringify(data),
  deserialize: (data: string) => JSON.parse(data),
} as const;

/**
 * Computes the raw text to store from the raw text stored (undefined: absent), or undefined to write nothing. An
 * engine runs it atomically with respect to every other write of the key, possibly more than once.
 */
export type RawStep = (raw: string | undefined) => string | undefined;

export interface RawUpdater {
  /** key is the caller's key (the engine adds its namespace); ttlMs is the TTL of a written value, for engines that expire by themselves. */
  update(key: string, step: RawStep, ttlMs: number | undefined): Promise<void>;
}

/** The key keyv stores for `key` in namespace `ns` when it prefixes keys itself (memory, SQLite). */
export function keyvKey(ns: string, key: string): string {
  // keyv leaves a key alone when it already carries the prefix; do the same so update() and get() meet.
  return key.startsWith(`${ns}:`) ? key : `${ns}:${key}`;
}

/** fn threw: its error goes back to the caller of update() as is, not as a store failure. */
class UpdateFnError extends Error {
  constructor(readonly original: unknown) {
    super('update fn threw');
  }
}

/** The value in a raw record as get() would return it, or undefined when absent or expired. */
function decode<T>(raw: string | undefined, now: number): T | undefined {
  if (raw === undefined) return undefined;
  const data = JSON_CODEC.deserialize(raw) as { value?: Boxed<T> | null; expires?: number } | null;
  const box = data?.value;
  if (box === undefined || box === null) return undefined;
  // keyv's own expiry is on the real clock; get() goes through keyv, so honour it too.
  if (typeof data!.expires === 'number' && Date.now() > data!.expires) return undefined;
  if (box.e !== undefined && box.e <= now) return undefined;
  return box.v;
}

/** The raw record keyv itself would store for set(value, ttlMs), so get() reads what update() wrote. */
function encode<T>(value: T, ttlMs: number | undefined, now: number): string {
  const box: Boxed<T> = ttlMs === undefined ? { v: value } : { v: value, e: now + ttlMs };
  return JSON_CODEC.serialize({ value: box, expires: ttlMs === undefined ? undefined : Date.now() + ttlMs });
}

function checkTtl(ttlMs: number | undefined): void {
  if (ttlMs !== undefined && !(ttlMs > 0)) throw new StoreError(`ttl must be positive, got ${ttlMs}`);
}

function wrap<T>(keyv: Keyv, now: () => number, raw: RawUpdater & Pick<EngineNamespace, 'set'>): Namespace<T> {
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
      if (raw.set) {
        checkTtl(ttlMs);
        await guard(raw.set(key, encode(value, ttlMs, now())));
        return;
      }
      if (ttlMs === undefined) {
        await guard(keyv.set(key, { v: value } satisfies Boxed<T>));
        return;
      }
      checkTtl(ttlMs);
      await guard(keyv.set(key, { v: value, e: now() + ttlMs } satisfies Boxed<T>, ttlMs));
    },
    async delete(key) {
      return guard(keyv.delete(key));
    },
    async update(key, fn, ttlMs) {
      checkTtl(ttlMs);
      let result: T | undefined;
      const step: RawStep = (text) => {
        const current = decode<T>(text, now());
        let next: T | undefined;
        try {
          next = fn(current);
        } catch (err) {
          throw new UpdateFnError(err);
        }
        // The last call is the one that counted: an engine that retries calls step again.
        if (next === undefined || next === current) {
          result = current;
          return undefined;
        }
        result = next;
        return encode(next, ttlMs, now());
      };
      try {
        await raw.update(key, step, ttlMs);
      } catch (err) {
        if (err instanceof UpdateFnError) throw err.original;
        throw err instanceof StoreError ? err : new StoreUnavailableError(err);
      }
      return result;
    },
  };
}

/** The keyv namespace of a kind of record: every key of it starts with `${namespace}:`. */
export function namespaceOf(prefix: string, name: NamespaceName): string {
  return `${prefix}_${name}`;
}

/** What an engine gives for one namespace. */
export interface EngineNamespace extends RawUpdater {
  /** keyv's store: a Map or a keyv storage adapter. */
  store: unknown;
  /**
   * Writes the raw record keyv would write for set() (the engine adds its namespace): where an engine gives it, a
   * set skips keyv's own machinery (hooks, statistics, its serializer), which cost as much as the write's enqueueing.
   */
  set?(key: string, raw: string): Promise<unknown>;
  /** The adapter adds the namespace to keys itself (Redis): keyv must not add it again. */
  prefixesKeys?: boolean;
}

/** Every namespace of a Store, each on what the engine gives for it. */
export function keyvNamespaces(prefix: string, now: () => number, engine: (namespace: string, name: NamespaceName) => EngineNamespace) {
  const ns = <T>(name: NamespaceName): Namespace<T> => {
    const namespace = namespaceOf(prefix, name);
    const e = engine(namespace, name);
    const keyv = new Keyv({ store: e.store, namespace, useKeyPrefix: !e.prefixesKeys, throwOnErrors: true, ...JSON_CODEC });
    return wrap<T>(keyv, now, e);
  };
  return {
    sessions: ns<SessionRecord>('sessions'),
    users: ns<UserRecord>('users'),
    tokens: ns<AccessTokenRecord>('tokens'),
    profiles: ns<ProfileRecord>('profiles'),
    phones: ns<PhoneRecordStored>('phones'),
  };
}
