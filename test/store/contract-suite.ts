// The store's contract as one suite, run against every engine by its own test file (memory.test.ts, sqlite.test.ts,
// redis.test.ts), as keyv's storageTestSuite is. What differs between engines comes in as capabilities, never as
// the engine's name.
import { randomBytes } from 'node:crypto';
import { afterEach, expect, type TestAPI } from 'vitest';
import { StoreError, type Store, type StoreKind, type UserRecord } from '../../src/store/index.js';

/** How the suite opens a store: its clock and its key prefix (each test has a prefix of its own). */
export interface OpenOptions {
  now: () => number;
  prefix: string;
}

export interface StoreContractOptions {
  /** What the store's kind must say. */
  kind: StoreKind;
  /**
   * Opens a second handle on the records of the store `open` made last (the same file or server), with the prefix
   * given. Absent where each handle's records are its own (memory).
   */
  reopen?: (o: OpenOptions) => Promise<Store>;
  /** Locks exclude other handles too (Redis SET NX PX), not only this one. */
  locksAcrossHandles?: boolean;
  /** Expired keys vanish by themselves, in real time, and prune() has nothing to count (Redis PX). */
  expiresByItself?: boolean;
}

const user = (openid: string): UserRecord => ({
  openid,
  sessionKey: 'tiihtNczf5v6AKRyjwEUhQ==',
  createdAt: 1,
  updatedAt: 1,
});

/** A user record that counts in updatedAt. */
const counted = (openid: string, n: number): UserRecord => ({ ...user(openid), updatedAt: n });
const bump = (cur: UserRecord | undefined) => counted(cur?.openid ?? 'n', (cur?.updatedAt ?? 0) + 1);

/** Registers the contract's tests with `it` (call it inside a describe); every store opened is closed after each test. */
export function storeContractSuite(it: TestAPI, openOn: (o: OpenOptions) => Promise<Store>, options: StoreContractOptions): void {
  let clock = 1_700_000_000_000;
  const now = () => clock;
  const opened: Store[] = [];
  let lastPrefix = '';
  const track = (s: Store) => (opened.push(s), s);
  const open = async (prefix = `t${randomBytes(4).toString('hex')}`) => {
    lastPrefix = prefix;
    return track(await openOn({ now, prefix }));
  };
  const reopen = async () => track(await options.reopen!({ now, prefix: lastPrefix }));
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
  });

  it('keeps records per namespace, and deletes them', async () => {
    const s = await open();
    expect(s.kind).toBe(options.kind);
    await s.users.set('o1', user('o1'));
    await s.sessions.set('o1', { openid: 'other', createdAt: 1, expiresAt: 2 }, 60_000);
    expect(await s.users.get('o1')).toEqual(user('o1'));
    expect((await s.sessions.get('o1'))?.openid).toBe('other');
    expect(await s.tokens.get('o1')).toBeUndefined();
    await s.users.set('o1', { ...user('o1'), unionid: 'u1' });
    expect((await s.users.get('o1'))?.unionid).toBe('u1');
    expect(await s.users.delete('o1')).toBe(true);
    expect(await s.users.get('o1')).toBeUndefined();
    expect(await s.users.delete('o1')).toBe(false);
    expect((await s.sessions.get('o1'))?.openid).toBe('other');
  });

  it('expires on the injected clock: alive 1 ms before, gone at the deadline', async () => {
    const s = await open();
    await s.sessions.set('k', { openid: 'o', createdAt: clock, expiresAt: clock + 1000 }, 1000);
    clock += 999;
    expect(await s.sessions.get('k')).toBeDefined();
    clock += 1;
    expect(await s.sessions.get('k')).toBeUndefined();
    await expect(s.sessions.set('k', { openid: 'o', createdAt: 0, expiresAt: 0 }, 0)).rejects.toThrow(StoreError);
  });

  it('prunes expired sessions that were never read again', async () => {
    const s = await open();
    for (let i = 0; i < 5; i++) await s.sessions.set(`old${i}`, { openid: 'o', createdAt: clock, expiresAt: clock + 10 }, 10);
    await s.sessions.set('fresh', { openid: 'o', createdAt: clock, expiresAt: clock + 60_000 }, 60_000);
    await s.users.set('forever', user('forever'));
    clock += 11;
    const pruned = await s.prune();
    if (!options.expiresByItself) expect(pruned).toBe(5); // an engine that expires keys by itself does so in real time
    expect(await s.sessions.get('fresh')).toBeDefined();
    expect(await s.users.get('forever')).toBeDefined();
    expect(await s.sessions.get('old0')).toBeUndefined();
  });

  it('concurrent writes in one turn: each is durable when acknowledged, and sets of one key in one turn keep the last', async () => {
    const s = await open();
    const writes = Array.from({ length: 50 }, (_, i) => s.sessions.set(`c${i}`, { openid: `o${i}`, createdAt: i, expiresAt: clock + 60_000 }, 60_000));
    await Promise.all(writes);
    expect((await s.sessions.get('c7'))?.openid).toBe('o7');
    const again = [s.users.set('u', user('first')), s.users.set('u', user('second')), s.users.delete('gone'), s.sessions.delete('c3')];
    const [, , goneExisted, c3Existed] = await Promise.all(again);
    expect(goneExisted).toBe(false);
    expect(c3Existed).toBe(true);
    expect((await s.users.get('u'))?.openid).toBe('second');
    expect(await s.sessions.get('c3')).toBeUndefined();
    if (options.reopen) {
      // what was acknowledged is in the database for any other handle
      const other = await reopen();
      for (const i of [0, 25, 49]) expect((await other.sessions.get(`c${i}`))?.openid).toBe(`o${i}`);
      expect((await other.users.get('u'))?.openid).toBe('second');
    }
  });

  it('profiles and phones: namespaces of their own, keyed by openid, pruned like the rest', async () => {
    const s = await open();
    const profile = { profile: { nickName: 'n', avatarUrl: 'https://a/b' }, updatedAt: 5 };
    const phone = { phoneNumber: '+86 13800138000', purePhoneNumber: '13800138000', countryCode: '86', updatedAt: 6 };
    await Promise.all([s.users.set('o1', user('o1')), s.profiles.set('o1', profile), s.phones.set('o1', phone)]);
    expect(await s.profiles.get('o1')).toEqual(profile);
    expect(await s.phones.get('o1')).toEqual(phone);
    expect(await s.users.get('o1')).toEqual(user('o1'));
    expect(await s.profiles.delete('o1')).toBe(true);
    expect(await s.profiles.get('o1')).toBeUndefined();
    expect(await s.phones.get('o1')).toEqual(phone);
    await s.profiles.set('brief', profile, 10);
    await s.phones.set('brief', phone, 10);
    clock += 11;
    const pruned = await s.prune();
    if (!options.expiresByItself) expect(pruned).toBe(2);
    expect(await s.profiles.get('brief')).toBeUndefined();
    expect(await s.phones.get('o1')).toEqual(phone);
  });

  it('update: creates, changes, or leaves a record; resolves to what is stored', async () => {
    const s = await open();
    const seen: (UserRecord | undefined)[] = [];
    expect(await s.users.update('u', (cur) => (seen.push(cur), counted('u', 1)))).toEqual(counted('u', 1));
    expect(seen).toEqual([undefined]);
    expect(await s.users.get('u')).toEqual(counted('u', 1));
    expect(await s.users.update('u', bump)).toEqual(counted('u', 2));
    expect(await s.users.get('u')).toEqual(counted('u', 2));
    // undefined, or the very object it was given: nothing is written, and the current value comes back
    expect(await s.users.update('u', () => undefined)).toEqual(counted('u', 2));
    expect(await s.users.update('u', (cur) => cur)).toEqual(counted('u', 2));
    expect(await s.users.update('absent', () => undefined)).toBeUndefined();
    expect(await s.users.get('absent')).toBeUndefined();
    expect(await s.users.delete('absent')).toBe(false);
    await expect(s.users.update('u', (cur) => cur, 0)).rejects.toThrow(StoreError);
    if (options.reopen) {
      const other = await reopen();
      expect(await other.users.get('u')).toEqual(counted('u', 2));
    }
  });

  it('update: an expired record is absent to fn; ttlMs expires what it writes; writing nothing keeps the TTL', async () => {
    const s = await open();
    await s.sessions.set('k', { openid: 'o', createdAt: clock, expiresAt: clock + 1000 }, 1000);
    clock += 1000;
    let seen: unknown = 'not called';
    await s.sessions.update('k', (cur) => ((seen = cur), undefined));
    expect(seen).toBeUndefined();
    const written = await s.sessions.update('k', () => ({ openid: 'o2', createdAt: clock, expiresAt: clock + 500 }), 500);
    expect(written?.openid).toBe('o2');
    clock += 499;
    // fn returns the record it got: no write, so the 500 ms TTL stands
    expect((await s.sessions.update('k', (cur) => cur))?.openid).toBe('o2');
    expect((await s.sessions.get('k'))?.openid).toBe('o2');
    clock += 1;
    expect(await s.sessions.get('k')).toBeUndefined();
  });

  it('update: an error thrown by fn comes back as is, and nothing is written', async () => {
    const s = await open();
    await s.users.set('u', counted('u', 1));
    const boom = new TypeError('boom');
    await expect(
      s.users.update('u', () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await s.users.get('u')).toEqual(counted('u', 1));
    expect(await s.users.update('u', bump)).toEqual(counted('u', 2));
  });

  it('update: updates issued together apply one after the other, each on the result of the one before', async () => {
    const s = await open();
    const seen: (number | undefined)[] = [];
    const counting = (cur: UserRecord | undefined) => (seen.push(cur?.updatedAt), bump(cur));
    await s.users.set('u', counted('u', 10));
    const [a, c, d] = await Promise.all([s.users.update('u', counting), s.users.update('u', counting), s.users.update('u', counting)]);
    // fn may run more than once (an engine may try it on the value it last saw first): the calls that counted,
    // the last three, each saw the result of the one before.
    expect(seen.slice(-3)).toEqual([10, 11, 12]);
    expect([a?.updatedAt, c?.updatedAt, d?.updatedAt]).toEqual([11, 12, 13]);
    expect((await s.users.get('u'))?.updatedAt).toBe(13);
  });

  it('update: 200 concurrent increments of one record lose none', async () => {
    const s = await open();
    const results = await Promise.all(Array.from({ length: 200 }, () => s.users.update('n', bump)));
    expect((await s.users.get('n'))?.updatedAt).toBe(200);
    // each call saw a different value: every increment happened once, on the one before
    expect(new Set(results.map((r) => r?.updatedAt)).size).toBe(200);
    if (options.reopen) {
      const other = await reopen();
      expect((await other.users.get('n'))?.updatedAt).toBe(200);
    }
  });

  it('lock: one holder at a time, released or expired', async () => {
    const s = await open();
    const release = await s.lock('refresh', 60_000);
    expect(release).toBeTypeOf('function');
    expect(await s.lock('refresh', 60_000)).toBeUndefined();
    await release!();
    const again = await s.lock('refresh', 60_000);
    expect(again).toBeTypeOf('function');
    await again!();
  });

  it.skipIf(!options.reopen)('two handles on the same store see the same records', async () => {
    const a = await open(`shared${randomBytes(4).toString('hex')}`);
    const c = await reopen();
    await a.tokens.set('wx1', { accessToken: 'AT', expiresAt: clock + 7_200_000, fetchedAt: clock }, 7_200_000);
    expect((await c.tokens.get('wx1'))?.accessToken).toBe('AT');
    if (options.locksAcrossHandles) {
      const release = await a.lock('x', 60_000);
      expect(release).toBeTypeOf('function');
      expect(await c.lock('x', 60_000)).toBeUndefined(); // SET NX PX excludes another instance
      await release!();
      const r2 = await c.lock('x', 60_000);
      expect(r2).toBeTypeOf('function');
      await r2!();
    }
  });
}
