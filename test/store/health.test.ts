// ping(): a prompt yes or StoreUnavailableError, never a hang; and a Redis password never reaches a message.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, StoreError, StoreUnavailableError, type Store } from '../../src/store/index.js';
import { freePort, hasRedisServer, holdSqliteWriteLock, sleep, startRedis, stopProcess } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'wxlogin-health-'));
const children: ChildProcess[] = [];
const stores: Store[] = [];
afterAll(async () => {
  for (const s of stores) await s.close().catch(() => undefined);
  for (const c of children) {
    c.kill('SIGCONT');
    await stopProcess(c);
  }
  rmSync(dir, { recursive: true, force: true });
});

/** How a promise ended, and after how long. */
async function settle(p: Promise<unknown>): Promise<{ ok: boolean; err?: unknown; ms: number }> {
  const t0 = Date.now();
  try {
    await p;
    return { ok: true, ms: Date.now() - t0 };
  } catch (err) {
    return { ok: false, err, ms: Date.now() - t0 };
  }
}

describe('ping', () => {
  it('memory answers', async () => {
    const s = await openStore('memory://');
    await expect(s.ping(100)).resolves.toBeUndefined();
    await s.close();
  });

  it('SQLite answers on both connections; a writer stuck behind another process is reported within the timeout', async () => {
    const path = join(dir, `${randomBytes(4).toString('hex')}.sqlite`);
    const s = await openStore(`sqlite://${path}`, { busyTimeoutMs: 3000 });
    stores.push(s);
    await expect(s.ping(1000)).resolves.toBeUndefined();
    const holder = await holdSqliteWriteLock(path);
    const write = settle(s.users.set('o', { openid: 'o', sessionKey: 'k', createdAt: 1, updatedAt: 1 }));
    await sleep(50); // the batch now waits for the lock on the writer's connection
    const r = await settle(s.ping(200));
    expect(r.ok).toBe(false);
    expect(r.err).toBeInstanceOf(StoreUnavailableError);
    expect(r.ms).toBeLessThan(1000);
    await holder.release();
    expect((await write).ok).toBe(true);
    await expect(s.ping(1000)).resolves.toBeUndefined();
  });

  it('SQLite after close is unavailable, not a hang', async () => {
    const s = await openStore(`sqlite://${join(dir, 'closed.sqlite')}`);
    await s.close();
    const r = await settle(s.ping(500));
    expect(r.ok).toBe(false);
    expect(r.err).toBeInstanceOf(StoreUnavailableError);
  });

  describe.skipIf(!hasRedisServer)('Redis', () => {
    it('answers while up; unavailable at once while stopped; unavailable within the timeout while frozen', async () => {
      const port = await freePort();
      const redis = await startRedis(port);
      children.push(redis);
      const s = await openStore(`redis://127.0.0.1:${port}`, { prefix: `h${randomBytes(4).toString('hex')}` });
      stores.push(s);
      await expect(s.ping(1000)).resolves.toBeUndefined();

      // Frozen: the connection is up but nothing answers. Only the timeout can tell.
      redis.kill('SIGSTOP');
      const frozen = await settle(s.ping(300));
      redis.kill('SIGCONT');
      expect(frozen.ok).toBe(false);
      expect(frozen.err).toBeInstanceOf(StoreUnavailableError);
      expect(frozen.ms).toBeGreaterThanOrEqual(250);
      expect(frozen.ms).toBeLessThan(1500);
      await expect(s.ping(1000)).resolves.toBeUndefined();

      await stopProcess(redis);
      const down = await settle(s.ping(5000));
      expect(down.ok).toBe(false);
      expect(down.err).toBeInstanceOf(StoreUnavailableError);
      expect(down.ms).toBeLessThan(1000);
    });

    it('a wrong or missing password fails openStore clearly, and no message carries the password', async () => {
      const port = await freePort();
      const good = 'Good-Pa55word-x7';
      const redis = await startRedis(port, ['--requirepass', good]);
      children.push(redis);
      const wrong = 'Wr0ng-secret-q9';
      const err = await openStore(`redis://:${wrong}@127.0.0.1:${port}`).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StoreError);
      const msg = (err as Error).message;
      expect(msg).toContain(`cannot connect to Redis at redis://:***@127.0.0.1:${port}`);
      expect(msg).toMatch(/WRONGPASS|invalid password|invalid username-password/i);
      expect(msg).not.toContain(wrong);
      expect(JSON.stringify(err, Object.getOwnPropertyNames(err))).not.toContain(wrong);

      const none = await openStore(`redis://127.0.0.1:${port}`).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(none).toBeInstanceOf(StoreError);
      expect((none as Error).message).toMatch(/cannot connect to Redis at redis:\/\/127\.0\.0\.1:\d+: .*NOAUTH/);

      // Connected with the right password; then the server's password changes and the connection drops: every
      // reconnect is refused, and ping says so without hanging or naming either password.
      const s = await openStore(`redis://:${good}@127.0.0.1:${port}`, { prefix: `pw${randomBytes(4).toString('hex')}` });
      stores.push(s);
      await expect(s.ping(1000)).resolves.toBeUndefined();
      const { createClient } = await import('@keyv/redis');
      const admin = createClient({ url: `redis://:${good}@127.0.0.1:${port}` });
      await admin.connect();
      const changed = 'Changed-Pa55-z3';
      await admin.configSet('requirepass', changed);
      await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes']);
      await admin.close();
      await sleep(300);
      const r = await settle(s.ping(500));
      expect(r.ok).toBe(false);
      expect(r.err).toBeInstanceOf(StoreUnavailableError);
      expect(r.ms).toBeLessThan(1000);
      expect((r.err as Error).message).not.toContain(good);
      expect((r.err as Error).message).not.toContain(changed);
    });
  });
});
