// The app's access token (https://developers.weixin.qq.com/minigame/dev/api-backend/open-api/access-token/auth.getStableAccessToken.html and cgi-bin/token): cached in memory and in the store, refreshed before it expires,
// one refresh at a time in this process (a shared promise) and, on Redis, across instances (a SET NX PX lock),
// because each cgi-bin/token call invalidates the previous token after 5 minutes and counts against a daily quota.
import type { Store } from '../store/index.js';
import { TOKEN_ERRCODES, WechatError, type AccessTokenResult } from './client.js';

export interface AccessTokenManagerOptions {
  appId: string;
  fetchToken: () => Promise<AccessTokenResult>;
  store: Pick<Store, 'tokens' | 'lock'>;
  now?: () => number;
  /** Refresh this long before expiry (capped at half the token's lifetime). Default 5 minutes. */
  refreshMarginMs?: number;
  /** How long the cross-instance lock is held at most (a crashed holder frees it after this). */
  lockTtlMs?: number;
  /** Poll interval while another instance refreshes. */
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface AccessTokenManager {
  /** A token valid for a while yet: from memory, else the store, else a refresh. */
  get(): Promise<string>;
  /** Replaces `stale` (which WeChat refused) unless someone already did. */
  refresh(stale?: string): Promise<string>;
  /** Runs fn with a token; on 40001/42001 refreshes once and retries once. */
  withToken<T>(fn: (token: string) => Promise<T>): Promise<T>;
}

interface Cached {
  accessToken: string;
  expiresAt: number;
  fetchedAt: number;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function createAccessTokenManager(opts: AccessTokenManagerOptions): AccessTokenManager {
  const now = opts.now ?? Date.now;
  const margin = opts.refreshMarginMs ?? 300_000;
  const lockTtlMs = opts.lockTtlMs ?? 15_000;
  const pollMs = opts.pollMs ?? 25;
  const sleep = opts.sleep ?? defaultSleep;
  const lockName = `access_token:${opts.appId}`;
  let cached: Cached | undefined;
  let inflight: Promise<string> | undefined;

  const fresh = (c: Cached | undefined, stale?: string): c is Cached =>
    !!c && c.accessToken !== stale && now() < c.expiresAt - Math.min(margin, (c.expiresAt - c.fetchedAt) / 2);

  async function fromStore(stale?: string): Promise<string | undefined> {
    const rec = await opts.store.tokens.get(opts.appId);
    if (fresh(rec, stale)) {
      cached = rec;
      return rec.accessToken;
    }
    return undefined;
  }

  async function load(stale?: string): Promise<string> {
    const deadline = now() + lockTtlMs * 3;
    for (;;) {
      const found = await fromStore(stale);
      if (found) return found;
      const release = await opts.store.lock(lockName, lockTtlMs);
      if (release) {
        try {
          // Someone may have finished a refresh between our read and our lock.
          const again = await fromStore(stale);
          if (again) return again;
          const t = await opts.fetchToken();
          const at = now();
          const rec: Cached = { accessToken: t.accessToken, expiresAt: at + t.expiresIn * 1000, fetchedAt: at };
          await opts.store.tokens.set(opts.appId, rec, t.expiresIn * 1000);
          cached = rec;
          return rec.accessToken;
        } finally {
          await release();
        }
      }
      // Another instance is refreshing: wait for its token to appear (or for its lock to lapse).
      if (now() > deadline) throw new WechatError({ errcode: -1, errmsg: 'timed out waiting for another instance to refresh the access token', kind: 'unavailable', endpoint: '/cgi-bin/token' });
      await sleep(pollMs);
    }
  }

  function singleFlight(stale?: string): Promise<string> {
    inflight ??= load(stale).finally(() => {
      inflight = undefined;
    });
    return inflight;
  }

  const manager: AccessTokenManager = {
    async get() {
      if (fresh(cached)) return cached.accessToken;
      return singleFlight();
    },
    async refresh(stale) {
      if (cached && cached.accessToken === stale) cached = undefined;
      if (fresh(cached, stale)) return cached.accessToken;
      return singleFlight(stale);
    },
    async withToken(fn) {
      const token = await manager.get();
      try {
        return await fn(token);
      } catch (err) {
        if (!(err instanceof WechatError) || !TOKEN_ERRCODES.includes(err.errcode)) throw err;
        return fn(await manager.refresh(token));
      }
    },
  };
  return manager;
}
