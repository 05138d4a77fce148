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

/** Rows prune() looks at in one DELETE: each is a short write transaction of its own. */
const PRUNE_CHUNK_ROWS = 1000;

export interface SqliteOptions {
  now: () => number;
  prefix: string;
  busyTimeoutMs: number;
  warn: (message: string) => void;
  /** Rows prune() looks at in one statement (PRUNE_CHUNK_ROWS by default). */
  pruneChunkRows?: number;
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
    /**
     * Deletes the expired records of every namespace, a chunk of the namespace's keys at a time. One DELETE over a
     * whole table of sessions held the write lock for as long as it scanned (300,000 sessions: about a second, every
     * 10 minutes), and every login waited for it; a chunk holds it for a few milliseconds, and the batches that waited
     * for it are committed before the next chunk. A namespace's keys are a range of the primary key's index ('ns:'
     * up to 'ns;', ';' being the character after ':'), which a LIKE pattern is not: it scans the whole table, and
     * reads the '_' of 'wxlogin_sessions' as any character.
     */
    async prune() {
      await batcher.flush();
      const chunk = Math.max(1, Math.floor(o.pruneChunkRows ?? PRUNE_CHUNK_ROWS));
      let n = 0;
      for (const name of NAMESPACES) {
        const ns = namespaceOf(prefix, name);
        const end = `${ns};`;
        // The first chunk starts at the namespace's first possible key, each next one after the last key of the last.
        let from = `${ns}:`;
        let op = '>=';
        for (;;) {
          // The last key of the chunk (a read: no lock), then the expired records up to it (a short write).
          const [row] = (await inner.query(
            `SELECT max(key) AS last FROM (SELECT key FROM ${table} WHERE key ${op} ? AND key < ? ORDER BY key LIMIT ${chunk})`,
            from,
            end,
          )) as { last: string | null }[];
          const last = row?.last;
          if (last === null || last === undefined) break;
          const gone = (await inner.query(
            `DELETE FROM ${table} WHERE key ${op} ? AND key <= ? AND json_extract(value, '$.value.e') <= ? RETURNING key`,
            from,
            last,
            now(),
          )) as unknown[];
          n += gone.length;
          from = last;
          op = '>';
          // A batch that found the lock taken by this chunk goes first: the next chunk does not take the lock back
          // from under it while SQLite's busy handler has it sleeping.
          await batcher.barrier();
        }
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
