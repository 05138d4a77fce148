// The Redis engine: several backend instances share sessions, users and the access token. Redis expires keys itself.
import { randomBytes } from 'node:crypto';
import type { Store } from './contract.js';
import { guard, StoreError, StoreUnavailableError, withTimeout } from './errors.js';
import { keyvNamespaces } from './namespace.js';
import { redactUri } from './uri.js';

// Sets KEYS[1] only if it still holds what the caller read: ARGV[1] '1' = it held ARGV[2], '0' = it was absent.
// ARGV[3] is the new text, ARGV[4] its PX ('' = no expiry). 1 = written, 0 = someone wrote in between.
const COMPARE_AND_SET = `
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if cur ~= ARGV[2] then return 0 end
elseif cur then
  return 0
end
if ARGV[4] == '' then redis.call('SET', KEYS[1], ARGV[3]) else redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4]) end
return 1`;

/** Tries of an update before it gives up with StoreUnavailableError (each loses only to a write by someone else). */
const UPDATE_TRIES = 20;

/** The message of an error with the URI's password, if any, taken out (a driver may echo what it was given). */
function scrub(message: string, url: string): string {
  let password = '';
  try {
    password = new URL(url).password;
  } catch {
    return message;
  }
  if (!password) return message;
  let decoded = password;
  try {
    decoded = decodeURIComponent(password);
  } catch {
    // not percent-encoding after all: the raw form is the one to hide
  }
  let out = message;
  for (const p of new Set([password, decoded])) if (p) out = out.split(p).join('***');
  return out;
}

export async function openRedis(url: string, now: () => number, prefix: string): Promise<Store> {
  const { default: KeyvRedis, createClient } = await import('@keyv/redis');
  let connected = false;
  // Fail fast when the server is not there at start-up; once connected, reconnect with a bounded backoff.
  const reconnectStrategy = (n: number, cause: Error) => (connected ? Math.min(n * 100, 2000) : cause);
  // disableOfflineQueue: while the connection is down, a command fails at once (the backend answers 503) instead of
  // waiting in a queue for a reconnect that may never come, which a client would see as a hang.
  const client = createClient({ url, disableOfflineQueue: true, socket: { connectTimeout: 5000, reconnectStrategy } });
  client.on('error', () => {
    // Connection errors surface as rejected commands; without a listener node-redis would crash the process.
  });
  // No cause attached: the driver's error is only known not to carry the password once scrubbed, as its message.
  const failed = (err: unknown) =>
    new StoreError(`cannot connect to Redis at ${redactUri(url)}: ${scrub((err as Error)?.message ?? String(err), url)}`);
  try {
    await client.connect();
  } catch (err) {
    if (client.isOpen) client.destroy();
    throw failed(err);
  }
  try {
    // A server that wants a password connects without one and refuses every command (NOAUTH): find out now.
    await withTimeout(client.ping(), 5000);
    connected = true;
  } catch (err) {
    if (client.isOpen) client.destroy();
    throw failed(err instanceof StoreUnavailableError ? err.cause : err);
  }

  const namespaces = keyvNamespaces(prefix, now, (namespace) => {
    const adapter = new KeyvRedis(client as never, { namespace, throwOnErrors: true });
    // Updates of one key from this instance take turns, so only another instance's writes make one retry.
    const queue = keyedQueue();
    return {
      store: adapter,
      prefixesKeys: true,
      update: (key, step, ttlMs) => {
        const full = adapter.createKeyPrefix(key, namespace);
        return queue(full, async () => {
          for (let i = 0; i < UPDATE_TRIES; i++) {
            const cur = (await client.get(full)) ?? undefined;
            const next = step(cur);
            if (next === undefined) return;
            const args = [cur === undefined ? '0' : '1', cur ?? '', next, ttlMs === undefined ? '' : String(Math.max(1, Math.ceil(ttlMs)))];
            if ((await client.eval(COMPARE_AND_SET, { keys: [full], arguments: args })) === 1) return;
            await new Promise((r) => setTimeout(r, 1 + Math.random() * 4 * (i + 1)));
          }
          throw new StoreUnavailableError(new Error(`update of one key lost to other writers ${UPDATE_TRIES} times`));
        });
      },
    };
  });

  return {
    kind: 'redis',
    ...namespaces,
    async lock(name, ttlMs) {
      const key = `${prefix}_lock:${name}`;
      const id = randomBytes(8).toString('hex');
      const ok = await guard(client.set(key, id, { NX: true, PX: Math.max(1, Math.ceil(ttlMs)) }));
      if (ok !== 'OK') return undefined;
      return async () => {
        // Delete only our own lock: it may have expired and been taken by another instance meanwhile.
        await guard(
          client.eval(`if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`, {
            keys: [key],
            arguments: [id],
          }),
        );
      };
    },
    async prune() {
      return 0;
    },
    async ping(timeoutMs) {
      // While the connection is down the client refuses commands at once (no offline queue); the timeout covers a
      // server that accepted the connection and does not answer.
      await withTimeout(client.ping(), timeoutMs);
    },
    async close() {
      if (client.isOpen) await client.close();
    },
  };
}

/** Runs tasks of one key one after another (in this process), so they do not make each other retry. */
function keyedQueue() {
  const tails = new Map<string, Promise<unknown>>();
  return <R>(key: string, task: () => Promise<R>): Promise<R> => {
    const prev = tails.get(key) ?? Promise.resolve();
    const run = prev.then(task, task);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return run;
  };
}

