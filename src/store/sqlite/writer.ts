// The connection that writes an SQLite store's batches, each in one explicit transaction, with its statements
// prepared once; and, for ':memory:', the same writes through keyv's own connection.
import { loadOptional } from './optional.js';

// The parts of sqlite3's API this file uses, declared here rather than imported: sqlite3 is an optional dependency,
// and a light install (`npm install --omit=optional`) must still build.
type Callback = (err: Error | null) => void;
interface Statement {
  run(params: unknown[], cb: Callback): unknown;
  all(params: unknown[], cb: (err: Error | null, rows: unknown[]) => void): unknown;
  get(cb: Callback): unknown;
  reset(cb: () => void): unknown;
  finalize(cb: () => void): unknown;
}
interface Database {
  exec(sql: string, cb: Callback): unknown;
  prepare(sql: string, cb: Callback): Statement;
  configure(option: 'busyTimeout', value: number): void;
  close(cb?: Callback): void;
}
interface Sqlite3 {
  Database: new (path: string, cb: Callback) => Database;
}
/** A specifier TypeScript does not resolve: the build needs neither the package nor its types. */
const SQLITE3 = 'sqlite3';

/** keyv's SQLite adapter (@keyv/sqlite), as the engine, the group commit and the ':memory:' writer use it. */
export interface SqliteInner {
  query(sql: string, ...params: unknown[]): Promise<unknown>;
  get(key: string): Promise<unknown>;
  clear(): Promise<void>;
  disconnect(): Promise<void>;
  on(event: string, fn: (...a: unknown[]) => void): unknown;
  namespace?: string;
  opts: unknown;
}

/** The writes of one batch, run in one explicit transaction. */
export interface TxWriter {
  begin(): Promise<void>;
  commit(): Promise<void>;
  /**
   * Undoes a failed batch: resets every statement (a statement left active would keep its implicit transaction open,
   * and later writes would join it) and rolls back. Throws when the connection may still be inside a transaction.
   */
  abort(): Promise<void>;
  /** The stored rows among the keys of a JSON array. */
  select(keysJson: string): Promise<{ key: string; value: string }[]>;
  /**
   * Writes a JSON array of [key, value] pairs in one statement. A key named in `expectJson` (an object of key to the
   * stored text expected, or null for "absent") is written only when the database holds what is expected; the answer
   * lists the keys written, and the database's data_version as the statement saw it (undefined when nothing was
   * written).
   */
  write(rowsJson: string, expectJson: string): Promise<{ keys: string[]; version: number | undefined }>;
  /**
   * SQLite's data_version for this connection: it changes when another connection (another process, keyv's reading
   * connection) commits, never for this connection's own commits (https://www.sqlite.org/pragma.html#pragma_data_version).
   */
  version(): Promise<number>;
  /** JSON array of keys; answers the data_version as the statement saw it (undefined when nothing was deleted). */
  remove(json: string): Promise<number | undefined>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

// One statement for the sets and compare-and-sets of a batch. The expectation of a key is looked up in ?2 by a quoted
// JSON path label (keys with a '"' or a backslash never take this path); json_type is NULL where the key has none
// (an unconditional set), 'null' where it must be absent (insert only) and 'text' where it must hold that text.
// Each key written comes back with the data_version the statement saw: read inside its write transaction, when no
// other connection can commit, it tells whether another one did since the previous batch.
const VERSION = 'SELECT data_version AS v FROM pragma_data_version()';
const WRITE = (table: string) => {
  const at = `'$."' || excluded.key || '"'`;
  return (
    `INSERT INTO ${table} (key, value) SELECT json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]') FROM json_each(?1) AS j WHERE true ` +
    `ON CONFLICT(key) DO UPDATE SET value = excluded.value WHERE json_type(?2, ${at}) IS NULL ` +
    `OR (json_type(?2, ${at}) = 'text' AND ${table}.value = json_extract(?2, ${at})) RETURNING key, (${VERSION}) AS v`
  );
};
type Written = { key: string; v: number }[];
const written = (rows: Written) => ({ keys: rows.map((r) => r.key), version: rows[0]?.v });
const REMOVE = (table: string) => `DELETE FROM ${table} WHERE key IN (SELECT value FROM json_each(?)) RETURNING (${VERSION}) AS v`;
const SELECT = (table: string) => `SELECT key, value FROM ${table} WHERE key IN (SELECT value FROM json_each(?))`;

const noTransaction = (err: unknown) => /no transaction is active/i.test((err as Error)?.message ?? '');

export async function openWriter(path: string, table: string, busyTimeoutMs: number): Promise<TxWriter> {
  const { default: sqlite3 } = (await loadOptional(() => import(SQLITE3))) as { default: Sqlite3 };
  const db = await new Promise<Database>((resolve, reject) => {
    const d = new sqlite3.Database(path, (err) => (err ? reject(err) : resolve(d)));
  });
  const exec = (sql: string) => new Promise<void>((resolve, reject) => db.exec(sql, (err) => (err ? reject(err) : resolve())));
  const prepare = (sql: string) =>
    new Promise<Statement>((resolve, reject) => {
      const st = db.prepare(sql, (err) => (err ? reject(err) : resolve(st)));
    });
  const prepared: Statement[] = [];
  try {
    db.configure('busyTimeout', busyTimeoutMs);
    // synchronous is a setting of the connection: the writer needs it as much as keyv's (journal_mode is the file's).
    // Checkpoint every 10000 WAL pages (~40 MB) instead of SQLite's 1000: session keys are token hashes, so every
    // login dirties a random index page, and a longer window lets the many rewrites of one page go back to the
    // database file as one copy (and one fsync stalls the commit pipeline ten times less often). Commits are durable
    // in the WAL either way. temp_store=MEMORY: inside an explicit transaction each multi-row statement keeps a
    // statement journal (the pages it changes, to undo it alone), in a temporary file unless told otherwise; in memory
    // it costs the batch a third less.
    await exec('PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=10000; PRAGMA temp_store=MEMORY');
    const st = async (sql: string) => {
      const s = await prepare(sql);
      prepared.push(s);
      return s;
    };
    // BEGIN IMMEDIATE takes the write lock up front (waiting up to busyTimeout for another process), so a batch
    // either gets the whole transaction or fails before writing anything.
    const begin = await st('BEGIN IMMEDIATE');
    const commit = await st('COMMIT');
    const rollback = await st('ROLLBACK');
    const select = await st(SELECT(table));
    const write = await st(WRITE(table));
    const remove = await st(REMOVE(table));
    const one = await st('SELECT 1');
    const dataVersion = await st(VERSION);
    const run = (s: Statement, params: unknown[] = []) =>
      new Promise<void>((resolve, reject) => s.run(params, (err) => (err ? reject(err) : resolve())));
    return {
      begin: () => run(begin),
      commit: () => run(commit),
      async abort() {
        await Promise.all(prepared.map((s) => new Promise<void>((r) => s.reset(() => r()))));
        try {
          await run(rollback);
        } catch (err) {
          if (!noTransaction(err)) throw err;
        } finally {
          await new Promise<void>((r) => rollback.reset(() => r()));
        }
      },
      select: (json) =>
        new Promise((resolve, reject) => select.all([json], (err, rows) => (err ? reject(err) : resolve(rows as { key: string; value: string }[])))),
      write: (rows, expect) =>
        new Promise((resolve, reject) =>
          write.all([rows, expect], (err, got) => (err ? reject(err) : resolve(written(got as Written)))),
        ),
      version: () =>
        new Promise((resolve, reject) => dataVersion.all([], (err, got) => (err ? reject(err) : resolve((got as { v: number }[])[0]!.v)))),
      remove: (json) =>
        new Promise((resolve, reject) => remove.all([json], (err, got) => (err ? reject(err) : resolve((got as { v: number }[])[0]?.v)))),
      ping: () => new Promise<void>((resolve, reject) => one.get((err) => (err ? reject(err) : resolve()))),
      async close() {
        await Promise.all(prepared.map((s) => new Promise<void>((r) => s.finalize(() => r()))));
        await new Promise<void>((resolve, reject) => db.close((err) => (err ? reject(err) : resolve())));
      },
    };
  } catch (err) {
    await Promise.all(prepared.map((s) => new Promise<void>((r) => s.finalize(() => r()))));
    db.close();
    throw err;
  }
}

/** ':memory:' writes through keyv's own connection (a second connection would be a second, empty database). */
export function innerWriter(inner: SqliteInner, table: string): TxWriter {
  const q = async (sql: string, ...params: unknown[]) => {
    await inner.query(sql, ...params);
  };
  return {
    begin: () => q('BEGIN IMMEDIATE'),
    commit: () => q('COMMIT'),
    async abort() {
      try {
        await q('ROLLBACK');
      } catch (err) {
        if (!noTransaction(err)) throw err;
      }
    },
    select: async (json) => (await inner.query(SELECT(table), json)) as { key: string; value: string }[],
    write: async (rows, expect) => written((await inner.query(WRITE(table), rows, expect)) as Written),
    version: async () => ((await inner.query(VERSION)) as { v: number }[])[0]!.v,
    remove: async (json) => ((await inner.query(REMOVE(table), json)) as { v: number }[])[0]?.v,
    ping: () => q('SELECT 1'),
    async close() {},
  };
}
