// The SQLite engine (the default): one file in WAL mode, read through keyv's connection, written through a connection
// of its own that groups the writes of concurrent requests into one transaction (group commit).
import { NAMESPACES, type Store } from '../contract.js';
import { StoreError, withTimeout } from '../errors.js';
import { localLocks } from '../local-lock.js';
import { keyvKey, keyvNamespaces, namespaceOf } from '../namespace.js';
import { prepareSqliteFiles, type PreparedFiles } from './files.js';
import { loadOptional } from './optional.js';
import { groupCommit } from './group-commit.js';
import { innerWriter, openWriter, type SqliteInner, type TxWriter } from './writer.js';

const KEYV_SQLITE = '@keyv/sqlite';

export interface SqliteOptions {
  now: () => number;
  prefix: string;
  busyTimeoutMs: number;
  warn: (message: string) => void;
}

export async function openSqlite(path: string, o: SqliteOptions): Promise<Store> {
  const { now, prefix, busyTimeoutMs } = o;
  // Not a literal specifier: @keyv/sqlite is optional, and the build must not need it or its types.
  const { default: KeyvSqlite } = (await loadOptional(() => import(KEYV_SQLITE))) as {
    default: new (o: { uri: string; table: string; busyTimeout: number }) => SqliteInner;
  };
  const cannotOpen = (err: unknown) =>
    new StoreError(`cannot open SQLite store at ${path}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  let files: PreparedFiles | undefined;
  try {
    files = path === ':memory:' ? undefined : await prepareSqliteFiles(path, o.warn);
  } catch (err) {
    throw cannotOpen(err);
  }
  const table = `${prefix.replace(/[^a-zA-Z0-9_]/g, '_')}_kv`;
  // One connection shared by the namespaces (keyv prefixes each key with its namespace); busyTimeout lets two
  // processes on one file wait for each other instead of failing with SQLITE_BUSY at once.
  const inner: SqliteInner = new KeyvSqlite({ uri: `sqlite://${path}`, table, busyTimeout: busyTimeoutMs });
  try {
    // WAL: a write appends to the log instead of rewriting pages and syncing each time; synchronous=NORMAL is the
    // setting SQLite recommends with WAL (durable across process crashes, not power loss).
    await inner.query('PRAGMA journal_mode=WAL');
    await inner.query('PRAGMA synchronous=NORMAL');
  } catch (err) {
    await inner.disconnect().catch(() => undefined);
    throw cannotOpen(err);
  }
  // The group commit writes through a connection of its own with its statements prepared once: through keyv's
  // connection every batch would prepare, run and finalize each statement (three trips to SQLite's thread, and the
  // prepare was a tenth of the backend's CPU under load). ':memory:' is one database per connection, so it keeps
  // writing through keyv's.
  const connect = path === ':memory:' ? undefined : () => openWriter(path, table, busyTimeoutMs);
  let writer: TxWriter | undefined;
  try {
    writer = connect ? await connect() : innerWriter(inner, table);
    await files?.afterOpen();
  } catch (err) {
    await writer?.close().catch(() => undefined);
    await inner.disconnect().catch(() => undefined);
    throw cannotOpen(err);
  }
  const batcher = groupCommit(inner, writer, connect);
  return {
    kind: 'sqlite',
    ...keyvNamespaces(prefix, now, (namespace) => ({
      store: batcher.adapter,
      set: (key, raw) => batcher.adapter.set(keyvKey(namespace, key), raw),
      update: (key, step) => batcher.update(keyvKey(namespace, key), step),
    })),
    lock: localLocks(now),
    async prune() {
      await batcher.flush();
      let n = 0;
      for (const name of NAMESPACES) {
        const rows = (await inner.query(
          `DELETE FROM ${table} WHERE key LIKE ? AND json_extract(value, '$.value.e') <= ? RETURNING key`,
          `${namespaceOf(prefix, name)}:%`,
          now(),
        )) as unknown[];
        n += rows.length;
      }
      return n;
    },
    async ping(timeoutMs) {
      // keyv's connection serves the reads. The writer does not answer while it waits for another process's write
      // lock, and writes fail meanwhile: worth reporting too.
      await withTimeout(Promise.all([inner.query('SELECT 1'), batcher.ping()]), timeoutMs);
    },
    async close() {
      await batcher.flush();
      await batcher.close();
      await inner.disconnect();
    },
  };
}
