// The SQLite engine against the store's contract, each test on a file of its own in a directory it creates; then what
// only SQLite has: its directory and WAL files, and ':memory:' on one connection.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
