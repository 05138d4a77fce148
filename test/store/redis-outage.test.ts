// Redis going away under a running backend: every request gets a prompt 503 store_unavailable in the envelope (not a
// hang while commands queue for a reconnect, not a 500), and when Redis is back the same store works again.
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { buildBackend } from '../../src/backend/index.js';
import { openStore, StoreUnavailableError, type Store } from '../../src/store/index.js';
import { freePort, hasRedisServer, startRedis } from './helpers.js';

const hasRedis = hasRedisServer;

const stop = (c: ChildProcess) => new Promise<void>((resolve) => (c.exitCode !== null ? resolve() : (c.once('exit', () => resolve()), c.kill('SIGKILL'))));

describe.skipIf(!hasRedis)('Redis outage', () => {
  let redis: ChildProcess | undefined;
  let store: Store | undefined;
  afterAll(async () => {
    await store?.close().catch(() => undefined);
    if (redis) await stop(redis);
  });

  it('answers 503 store_unavailable at once while Redis is down, and recovers when it is back', async () => {
    const port = await freePort();
    redis = await startRedis(port);
    store = await openStore(`redis://127.0.0.1:${port}`, { prefix: `outage${Date.now()}` });
    await store.sessions.set('s1', { openid: 'o1', createdAt: 1, expiresAt: Date.now() + 60_000 }, 60_000);
    const app = await buildBackend({ appId: 'wx1234567890abcdef', appSecret: 'x'.repeat(32), wechatBaseUrl: 'http://127.0.0.1:9', store, logger: false });

    await stop(redis);
    const t0 = Date.now();
    await expect(store.sessions.get('s1')).rejects.toBeInstanceOf(StoreUnavailableError);
    const res = await app.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${'a'.repeat(43)}` } });
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ code: 503, error: 'store_unavailable' });

    // Back on the same port: the client reconnects by itself (bounded backoff, at most 2 s between tries).
    redis = await startRedis(port);
    let value: unknown;
    for (let i = 0; i < 60 && value === undefined; i++) {
      try {
        await store.sessions.set('s2', { openid: 'o2', createdAt: 1, expiresAt: Date.now() + 60_000 }, 60_000);
        value = await store.sessions.get('s2');
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    expect(value).toMatchObject({ openid: 'o2' });
    await app.close();
  });
});
