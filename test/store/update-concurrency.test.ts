// update() is atomic across store instances: two instances on one SQLite file (two writer connections) or on one Redis
// (two clients, same prefix), and another OS process writing the SQLite file in its own transactions, all increment
// one counter at once; no increment is lost.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, type Store, type UserRecord } from '../../src/store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'wxlogin-update-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const redisUri = process.env.WXLOGIN_TEST_REDIS;
const PER_INSTANCE = 300;

const bump = (cur: UserRecord | undefined): UserRecord => ({
  openid: 'n',
  sessionKey: 'tiihtNczf5v6AKRyjwEUhQ==',
  createdAt: 0,
  updatedAt: (cur?.updatedAt ?? 0) + 1,
});

/** Each instance fires its increments at once, in a few waves so the instances' batches interleave. */
async function hammer(stores: Store[]): Promise<number[]> {
  const runs = stores.map(async (s) => {
    const results: Promise<UserRecord | undefined>[] = [];
    for (let wave = 0; wave < 10; wave++) {
      for (let i = 0; i < PER_INSTANCE / 10; i++) results.push(s.users.update('n', bump));
      await new Promise((r) => setImmediate(r));
    }
    return Promise.all(results);
  });
  return (await Promise.all(runs)).flat().map((r) => r!.updatedAt);
}

describe('update across instances', () => {
  it('two instances on one SQLite file', async () => {
    const uri = `sqlite://${join(dir, 'two.sqlite')}`;
    const a = await openStore(uri, { prefix: 'p' });
    const b = await openStore(uri, { prefix: 'p' });
    const seen = await hammer([a, b]);
    // every call resolved to a different count: each increment was applied once, to the one before
    expect(new Set(seen).size).toBe(2 * PER_INSTANCE);
    expect((await a.users.get('n'))?.updatedAt).toBe(2 * PER_INSTANCE);
    await a.close();
    await b.close();
    const c = await openStore(uri, { prefix: 'p' });
    expect((await c.users.get('n'))?.updatedAt).toBe(2 * PER_INSTANCE);
    await c.close();
  });

  it('a store and another OS process incrementing in its own transactions', async () => {
    const path = join(dir, 'proc.sqlite');
    const s = await openStore(`sqlite://${path}`, { prefix: 'p' });
    await s.users.set('n', bump(undefined));
    // Read-modify-write in BEGIN IMMEDIATE transactions, on the row the store keeps for users/'n'.
    const script = `
      const sqlite3 = require('sqlite3');
      const db = new sqlite3.Database(process.argv[1]);
      db.configure('busyTimeout', 5000);
      const q = (m, sql, p = []) => new Promise((res, rej) => db[m](sql, p, function (e, r) { e ? rej(e) : res(r); }));
      (async () => {
        for (let i = 0; i < ${PER_INSTANCE}; i++) {
          await q('run', 'BEGIN IMMEDIATE');
          const row = await q('get', "SELECT value FROM p_kv WHERE key = 'p_users:n'");
          const data = JSON.parse(row.value);
          data.value.v.updatedAt += 1;
          await q('run', "UPDATE p_kv SET value = ? WHERE key = 'p_users:n'", [JSON.stringify(data)]);
          await q('run', 'COMMIT');
        }
        db.close(() => process.exit(0));
      })().catch((e) => { process.stderr.write(String(e)); process.exit(1); });`;
    const child = spawn(process.execPath, ['-e', script, path], { cwd: process.cwd(), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const seen = await hammer([s]);
    expect(await exited, stderr).toBe(0);
    expect(new Set(seen).size).toBe(PER_INSTANCE);
    expect((await s.users.get('n'))?.updatedAt).toBe(1 + 2 * PER_INSTANCE);
    await s.close();
  });

  it.skipIf(!redisUri)('two instances on one Redis, same prefix', async () => {
    const prefix = `upd${randomBytes(4).toString('hex')}`;
    const a = await openStore(redisUri!, { prefix });
    const b = await openStore(redisUri!, { prefix });
    const seen = await hammer([a, b]);
    expect(new Set(seen).size).toBe(2 * PER_INSTANCE);
    expect((await b.users.get('n'))?.updatedAt).toBe(2 * PER_INSTANCE);
    await a.users.delete('n');
    await a.close();
    await b.close();
  });
});
