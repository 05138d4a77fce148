// The SQLite engine against the store's contract, each test on a file of its own in a directory it creates; then what
// only SQLite has: its directory and WAL files, and ':memory:' on one connection.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, type UserRecord } from '../../src/store/index.js';
import { storeContractSuite, type OpenOptions } from './contract-suite.js';

const dir = mkdtempSync(join(tmpdir(), 'wxlogin-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const user = (openid: string): UserRecord => ({ openid, sessionKey: 'tiihtNczf5v6AKRyjwEUhQ==', createdAt: 1, updatedAt: 1 });

describe('store contract: sqlite', () => {
  let uri = '';
  const open = (o: OpenOptions) => {
    uri = `sqlite://${join(dir, `nested/dir/${randomBytes(4).toString('hex')}.sqlite`)}`;
    return openStore(uri, o);
  };
  storeContractSuite(it, open, { kind: 'sqlite', reopen: (o) => openStore(uri, o) });
});

describe('sqlite store', () => {
  it('creates the sqlite directory on first use, in WAL mode', async () => {
    const p = join(dir, 'fresh/sub/backend.sqlite');
    expect(existsSync(join(dir, 'fresh'))).toBe(false);
    const s = await openStore(`sqlite://${p}`);
    await s.users.set('o', user('o'));
    expect(existsSync(p)).toBe(true);
    expect(existsSync(`${p}-wal`)).toBe(true);
    await s.close();
  });
  it('sqlite://:memory: writes, updates and prunes through its one connection', async () => {
    let t = 1000;
    const s = await openStore('sqlite://:memory:', { now: () => t });
    await s.users.set('o', user('o'));
    expect(await s.users.update('o', (cur) => ({ ...cur!, updatedAt: 2 }))).toMatchObject({ updatedAt: 2 });
    expect((await s.users.get('o'))?.updatedAt).toBe(2);
    await s.sessions.set('s', { openid: 'o', createdAt: t, expiresAt: t + 10 }, 10);
    t += 10;
    expect(await s.prune()).toBe(1);
    await expect(s.ping(1000)).resolves.toBeUndefined();
    await s.close();
  });
});

// Another connection to the file, as another process would have: sqlite3 straight, not the store.
type Raw = { all(sql: string, params: unknown[], cb: (err: Error | null, rows: unknown[]) => void): void; close(cb: () => void): void };
const sqlite3 = createRequire(import.meta.url)('sqlite3') as { Database: new (path: string, cb: (err: Error | null) => void) => Raw };
async function rawConnection(path: string) {
  const db = await new Promise<Raw>((resolve, reject) => {
    const d = new sqlite3.Database(path, (err) => (err ? reject(err) : resolve(d)));
  });
  const all = (sql: string, ...params: unknown[]) =>
    new Promise<Record<string, unknown>[]>((resolve, reject) => db.all(sql, params, (err, rows) => (err ? reject(err) : resolve(rows as Record<string, unknown>[]))));
  return { all, close: () => new Promise<void>((r) => db.close(r)) };
}

describe('sqlite store: updates that change nothing', () => {
  // A returning user's login updates the user record to what it already is. The store must still make sure the
  // record is there (a login never answers a token whose user is gone), but while no other connection writes to the
  // file it has no need to rewrite the row for that.
  it('write no row while the file is quiet, and see what another connection changed or deleted meanwhile', async () => {
    const p = join(dir, `quiet-${randomBytes(4).toString('hex')}.sqlite`);
    const s = await openStore(`sqlite://${p}`);
    await s.users.set('o', user('o'));
    const raw = await rawConnection(p);
    // Every row the store's statements insert or update.
    await raw.all('CREATE TABLE touched (key TEXT)');
    await raw.all('CREATE TRIGGER t_upd AFTER UPDATE ON wxlogin_kv BEGIN INSERT INTO touched VALUES (new.key); END');
    await raw.all('CREATE TRIGGER t_ins AFTER INSERT ON wxlogin_kv BEGIN INSERT INTO touched VALUES (new.key); END');
    const touched = async () => (await raw.all(`SELECT count(*) AS n FROM touched WHERE key LIKE '%users:o'`))[0]!.n as number;
    const userRow = `key LIKE '%users:o'`;
    // A login: the user as it is (or created when missing), and a session in the same batch.
    const login = (i: number) =>
      Promise.all([
        s.users.update('o', (cur) => cur ?? user('o')),
        s.sessions.set(`t${i}`, { openid: 'o', createdAt: 1, expiresAt: Date.now() + 60_000 }, 60_000),
      ]).then(([u]) => u);
    for (let i = 0; i < 3; i++) await login(i);
    const settled = await touched();
    for (let i = 3; i < 23; i++) expect(await login(i)).toEqual(user('o'));
    expect(await touched()).toBe(settled);
    expect(await s.users.get('o')).toEqual(user('o'));

    // Another process changes the record (a login there got a new key): the next login here sees it and keeps it.
    const [row] = await raw.all(`SELECT value FROM wxlogin_kv WHERE ${userRow}`);
    const changed = JSON.parse(row!.value as string);
    changed.value.v.sessionKey = 'Zm9yZWlnbmtleTAwMDAwMA==';
    await raw.all(`UPDATE wxlogin_kv SET value = ? WHERE ${userRow}`, JSON.stringify(changed));
    expect(await login(23)).toEqual({ ...user('o'), sessionKey: 'Zm9yZWlnbmtleTAwMDAwMA==' });
    expect((await s.users.get('o'))?.sessionKey).toBe('Zm9yZWlnbmtleTAwMDAwMA==');

    // Another process deletes the record: the next login writes it back before it answers.
    for (let i = 24; i < 30; i++) await login(i);
    await raw.all(`DELETE FROM wxlogin_kv WHERE ${userRow}`);
    const deleted = await touched();
    expect(await login(30)).toEqual(user('o'));
    expect(await touched()).toBe(deleted + 1);
    expect((await raw.all(`SELECT count(*) AS n FROM wxlogin_kv WHERE ${userRow}`))[0]!.n).toBe(1);
    await raw.close();
    await s.close();
  });
});

describe('sqlite store: prune', () => {
  // prune() deletes a namespace's expired records a few rows at a time (so that no DELETE holds the write lock for a
  // whole table of sessions), walking the namespace as a range of keys. Three rows a chunk here, so that the walk
  // crosses many chunk boundaries, with keys around them that a wrong bound would skip or take.
  it('deletes every expired record of every namespace, chunk by chunk, and nothing else', async () => {
    const { openSqlite } = await import('../../src/store/sqlite/engine.js');
    const p = join(dir, `prune-${randomBytes(4).toString('hex')}.sqlite`);
    let t = 1_000_000;
    const s = await openSqlite(p, { now: () => t, prefix: 'wxlogin', busyTimeoutMs: 5000, warn: () => undefined, pruneChunkRows: 3 });
    const session = { openid: 'o', createdAt: t, expiresAt: t + 1000 };
    // Keys with LIKE's wildcards and the characters next to ':' in them, and ones that sort first and last.
    const keys = ['', '%', '_', ':', ';', 'a', 'a%b', 'a_b', 'z', '~', '01M8NNHB0000', '01M8NNHB0001', '01M8NNHB0002', '\u00ff', '\u4e2d'];
    const expired = new Set<string>();
    for (const [i, k] of keys.entries()) {
      const short = i % 2 === 0;
      if (short) expired.add(k);
      await s.sessions.set(k, session, short ? 1000 : 60_000);
    }
    await s.tokens.set('wx1', { accessToken: 'a', expiresAt: t + 1000, fetchedAt: t }, 1000);
    await s.tokens.set('wx2', { accessToken: 'b', expiresAt: t + 60_000, fetchedAt: t }, 60_000);
    for (const o of ['o1', 'o2', 'o3', 'o4']) await s.users.set(o, user(o));
    await s.profiles.set('o1', { profile: { nickName: 'n' }, updatedAt: t }, 1000);
    // A row of no namespace that the old LIKE 'wxlogin_sessions:%' matched ('_' is any one character there).
    const raw = await rawConnection(p);
    const box = JSON.stringify({ value: { v: session, e: t + 1000 }, expires: null });
    await raw.all(`INSERT INTO wxlogin_kv (key, value) VALUES ('wxloginXsessions:x', ?)`, box);

    t += 5000;
    expect(await s.prune()).toBe(expired.size + 2);
    for (const k of keys) expect(await s.sessions.get(k), `session ${JSON.stringify(k)}`).toEqual(expired.has(k) ? undefined : session);
    expect(await s.tokens.get('wx1')).toBeUndefined();
    expect((await s.tokens.get('wx2'))?.accessToken).toBe('b');
    for (const o of ['o1', 'o2', 'o3', 'o4']) expect(await s.users.get(o)).toEqual(user(o));
    expect(await s.profiles.get('o1')).toBeUndefined();
    expect((await raw.all(`SELECT count(*) AS n FROM wxlogin_kv WHERE key = 'wxloginXsessions:x'`))[0]!.n).toBe(1);
    // Nothing left to do: a second pass deletes nothing.
    expect(await s.prune()).toBe(0);
    await raw.close();
    await s.close();
  });
  it('writes made while it runs are committed, and none of them is deleted', async () => {
    const { openSqlite } = await import('../../src/store/sqlite/engine.js');
    const p = join(dir, `prune-race-${randomBytes(4).toString('hex')}.sqlite`);
    let t = 1_000_000;
    const s = await openSqlite(p, { now: () => t, prefix: 'wxlogin', busyTimeoutMs: 5000, warn: () => undefined, pruneChunkRows: 50 });
    const rec = { openid: 'o', createdAt: t, expiresAt: t + 1000 };
    await Promise.all(Array.from({ length: 2000 }, (_, i) => s.sessions.set(`old${String(i).padStart(5, '0')}`, rec, 1000)));
    t += 5000;
    const fresh = { openid: 'n', createdAt: t, expiresAt: t + 60_000 };
    const pruning = s.prune();
    // Written while the walk goes on, some of them into the range it has yet to reach.
    const writes = Array.from({ length: 200 }, (_, i) => s.sessions.set(`old${String(i * 10).padStart(5, '0')}x`, fresh, 60_000));
    await Promise.all(writes);
    expect(await pruning).toBe(2000);
    for (let i = 0; i < 200; i++) expect(await s.sessions.get(`old${String(i * 10).padStart(5, '0')}x`)).toEqual(fresh);
    expect(await s.sessions.get('old00001')).toBeUndefined();
    await s.close();
  });
});

describe('sqlite store: more keys than it remembers', () => {
  // The group commit remembers the text of the last 20,000 keys it updated, to try each next update as a
  // compare-and-set; past that it forgets the oldest ones in bulk. A forgotten key's next update must still build on
  // what is stored.
  it('updates keys it has forgotten and keys it remembers alike', async () => {
    const s = await openStore(`sqlite://${join(dir, `many-${randomBytes(4).toString('hex')}.sqlite`)}`);
    const n = 22_000;
    const ids = Array.from({ length: n }, (_, i) => `o${i}`);
    for (let i = 0; i < n; i += 2000) await Promise.all(ids.slice(i, i + 2000).map((o) => s.users.update(o, () => user(o))));
    const bump = (o: string) => s.users.update(o, (cur) => ({ ...cur!, updatedAt: cur!.updatedAt + 1 }));
    // The first keys were forgotten long ago, the last ones are remembered.
    const some = [...ids.slice(0, 50), ...ids.slice(n - 50)];
    expect((await Promise.all(some.map(bump))).map((u) => u?.updatedAt)).toEqual(some.map(() => 2));
    expect((await Promise.all(some.map(bump))).map((u) => u?.updatedAt)).toEqual(some.map(() => 3));
    expect((await s.users.get('o0'))?.updatedAt).toBe(3);
    expect((await s.users.get(`o${n - 1}`))?.updatedAt).toBe(3);
    expect((await s.users.get(`o${n >> 1}`))?.updatedAt).toBe(1);
    await s.close();
  }, 30_000);
});
