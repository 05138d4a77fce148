// The SQLite file holds session keys: what the store creates is 0600 in 0700 directories whatever the umask, and a
// file or directory it finds open to others is reported (one line: path and chmod), never changed behind the user's back.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openStore, type UserRecord } from '../../src/store/index.js';

const root = mkdtempSync(join(tmpdir(), 'wxlogin-files-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const user = (openid: string): UserRecord => ({ openid, sessionKey: 'tiihtNczf5v6AKRyjwEUhQ==', createdAt: 1, updatedAt: 1 });
const mode = (p: string) => statSync(p).mode & 0o777;
const fresh = () => join(root, randomBytes(4).toString('hex'));

/** An empty file with the given mode, made by hand in a fresh 0700 directory before the store opens it. */
const existing = (mode: number): string => {
  const dir = fresh();
  mkdirSync(dir, { mode: 0o700 });
  const path = join(dir, 'backend.sqlite');
  writeFileSync(path, '');
  chmodSync(path, mode);
  return path;
};

const savedUmask = process.umask();
afterEach(() => {
  process.umask(savedUmask);
});

describe('SQLite files at rest', () => {
  for (const umask of [0o022, 0o000]) {
    it(`umask ${umask.toString(8).padStart(3, '0')}: directories 0700, the file and its -wal/-shm 0600, no warning`, async () => {
      process.umask(umask);
      const base = fresh();
      const path = join(base, 'data/sub/backend.sqlite');
      const warnings: string[] = [];
      const s = await openStore(`sqlite://${path}`, { onWarning: (m) => warnings.push(m) });
      await s.users.set('o', user('o'));
      expect(existsSync(`${path}-wal`)).toBe(true);
      expect(existsSync(`${path}-shm`)).toBe(true);
      for (const d of [base, join(base, 'data'), join(base, 'data/sub')]) expect(mode(d), d).toBe(0o700);
      for (const f of [path, `${path}-wal`, `${path}-shm`]) expect(mode(f), f).toBe(0o600);
      // A second open of the file it created finds nothing to report.
      const again = await openStore(`sqlite://${path}`, { onWarning: (m) => warnings.push(m) });
      await again.users.get('o');
      await again.close();
      await s.close();
      expect(warnings).toEqual([]);
    });
  }

  it('an existing 0644 file is reported with the fix, and left as it is', async () => {
    process.umask(0o022);
    const path = existing(0o644);
    const warnings: string[] = [];
    const s = await openStore(`sqlite://${path}`, { onWarning: (m) => warnings.push(m) });
    await s.users.set('o', user('o'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(path);
    expect(warnings[0]).toContain(`chmod 600 ${path}`);
    expect(warnings[0]).not.toContain('\n');
    expect(mode(path)).toBe(0o644);
    await s.close();
  });

  it('an existing -wal open to others is reported too', async () => {
    process.umask(0o022);
    const path = existing(0o600);
    writeFileSync(`${path}-wal`, '');
    chmodSync(`${path}-wal`, 0o664);
    const warnings: string[] = [];
    const s = await openStore(`sqlite://${path}`, { onWarning: (m) => warnings.push(m) });
    await s.close();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`chmod 600 ${path}-wal`);
  });

  it('a directory the store did not create, open to others, is reported; a 0700 one with a 0600 file is not', async () => {
    process.umask(0o022);
    const open = fresh();
    mkdirSync(open, { mode: 0o755 });
    const warnings: string[] = [];
    const s = await openStore(`sqlite://${join(open, 'backend.sqlite')}`, { onWarning: (m) => warnings.push(m) });
    await s.close();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(open);
    expect(warnings[0]).toContain(`chmod 700 ${open}`);
    expect(mode(open)).toBe(0o755);
    // the file it created there is still 0600
    expect(mode(join(open, 'backend.sqlite'))).toBe(0o600);

    const tidy = fresh();
    mkdirSync(tidy, { mode: 0o700 });
    const quiet: string[] = [];
    const t = await openStore(`sqlite://${join(tidy, 'backend.sqlite')}`, { onWarning: (m) => quiet.push(m) });
    await t.close();
    expect(quiet).toEqual([]);
  });
});
