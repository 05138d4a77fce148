// Many simulated users at once. Each user logs in at the mock, logs in at the backend and, when the backend offers
// it, sends its encrypted profile. Concurrency is bounded by a fixed pool of workers pulling user numbers, and
// nothing per user is kept: latencies go to histograms and failures to counters, so 20k users cost the same memory
// as 20.
import { describeFailure, type BackendClient } from './backend-client.js';
import { createHistogram, type Histogram, type LatencySummary } from './histogram.js';
import { NetworkError } from './http.js';
import { loginOnce, type LoginOutcome } from './login.js';
import type { MockClient } from './mock-client.js';

export interface LoadOptions {
  mock: MockClient;
  backend: BackendClient;
  users: number;
  concurrency: number;
  /** Users are `<prefix><n>`; the mock creates them on first use. */
  userPrefix?: string;
  /** Send getUserInfo to the backend after login (default: when the contract offers userinfo). */
  userinfo?: boolean;
  onProgress?: (done: number, total: number, failed: number) => void;
  /**
   * Stops the run when aborted (Ctrl-C): no user starts after it, users in flight get up to `drainMs` to finish,
   * and the report counts what finished, marked `interrupted`.
   */
  signal?: AbortSignal;
  /** How long users in flight may take to finish once `signal` aborts (default 5000 ms). */
  drainMs?: number;
  now?: () => number;
}

/** How long users in flight get to finish after an interruption, unless told otherwise. */
export const DEFAULT_DRAIN_MS = 5000;

export interface LoadReport {
  /** No user failed and the run was not interrupted. */
  ok: boolean;
  /** Users asked for. */
  users: number;
  concurrency: number;
  /** Stopped early (Ctrl-C): the counts and latencies cover the users that finished. */
  interrupted: boolean;
  /** Users that finished, ok or failed (`users` unless interrupted). */
  completed: number;
  /** Users still in flight when the run stopped waiting for them (interrupted runs only): neither ok nor failed. */
  abandoned: number;
  succeeded: number;
  failed: number;
  requests: number;
  seconds: number;
  /** Requests per second (mock and backend together). */
  throughput: number;
  usersPerSecond: number;
  latency: LatencySummary;
  /** Latency of each kind of request: `wx.login`, `backend login`, ... */
  byRequest: Record<string, LatencySummary>;
  /** Failures by kind, most frequent first. */
  errors: Record<string, number>;
}

class UserFailed extends Error {
  constructor(readonly kind: string) {
    super(kind);
  }
}

export async function runLoad(o: LoadOptions): Promise<LoadReport> {
  const now = o.now ?? (() => performance.now());
  const users = Math.max(0, Math.floor(o.users));
  const concurrency = Math.max(1, Math.min(Math.floor(o.concurrency), users || 1));
  const prefix = o.userPrefix ?? 'load-';
  const sendUserinfo = o.userinfo ?? o.backend.offers('userinfo');
  const overall = createHistogram();
  const byRequest = new Map<string, Histogram>();
  const errors = new Map<string, number>();
  let requests = 0;
  let done = 0;
  let failed = 0;
  let next = 0;

  const record = (name: string, ms: number) => {
    requests++;
    overall.record(ms);
    let h = byRequest.get(name);
    if (!h) byRequest.set(name, (h = createHistogram()));
    h.record(ms);
  };

  async function wx(name: string, call: () => ReturnType<MockClient['login']>) {
    const r = await call();
    record(name, r.ms);
    if (!r.ok) throw new UserFailed(`${name}: ${shortErrMsg(r.errMsg)}`);
    return r.body;
  }

  async function oneUser(n: number) {
    const user = `${prefix}${n}`;
    const login = await loginOnce(o.mock, o.backend, user, { onAnswer: record });
    if (!login.ok) throw new UserFailed(loginFailure(login));
    const { token } = login;
    if (sendUserinfo) {
      const info = await wx('wx.getUserInfo', () => o.mock.getUserInfo(user, true));
      const r = await o.backend.call('userinfo', {
        token,
        body: { encryptedData: info.encryptedData, iv: info.iv, rawData: info.rawData, signature: info.signature },
      });
      record('backend userinfo', r.ms);
      if (!r.ok) throw new UserFailed(`backend userinfo: ${shortFailure(r)}`);
    }
  }

  const stop = o.signal;
  async function worker() {
    for (;;) {
      if (stop?.aborted) return;
      const n = next++;
      if (n >= users) return;
      try {
        await oneUser(n + 1);
      } catch (err) {
        failed++;
        const kind =
          err instanceof UserFailed ? err.kind : err instanceof NetworkError ? `network: ${err.kind}` : `error: ${err instanceof Error ? err.message.slice(0, 80) : String(err)}`;
        errors.set(kind, (errors.get(kind) ?? 0) + 1);
      }
      done++;
      o.onProgress?.(done, users, failed);
    }
  }

  const t0 = now();
  const all = Promise.all(Array.from({ length: concurrency }, () => worker()));
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  if (stop) {
    // Once aborted, the workers start no one new; those in flight get drainMs to finish, then the run reports
    // without them (their requests end with the connection pool the caller closes).
    const drained = new Promise<void>((resolve) => {
      onAbort = () => {
        timer = setTimeout(resolve, o.drainMs ?? DEFAULT_DRAIN_MS);
        timer.unref?.();
      };
      if (stop.aborted) onAbort();
      else stop.addEventListener('abort', onAbort, { once: true });
    });
    await Promise.race([all, drained]);
  } else {
    await all;
  }
  if (timer) clearTimeout(timer);
  if (stop && onAbort) stop.removeEventListener('abort', onAbort);
  // Read once: a user finishing after this point changes nothing reported.
  const completed = done;
  const failedNow = failed;
  const interrupted = completed < users;
  const seconds = Math.max((now() - t0) / 1000, 1e-6);
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    ok: failedNow === 0 && !interrupted,
    users,
    concurrency,
    interrupted,
    completed,
    abandoned: Math.min(next, users) - completed,
    succeeded: completed - failedNow,
    failed: failedNow,
    requests,
    seconds: Math.round(seconds * 1000) / 1000,
    throughput: round(requests / seconds),
    usersPerSecond: round(completed / seconds),
    latency: overall.summary(),
    byRequest: Object.fromEntries([...byRequest].map(([k, h]) => [k, h.summary()])),
    errors: Object.fromEntries([...errors].sort((a, b) => b[1] - a[1])),
  };
}

function shortFailure(r: Parameters<typeof describeFailure>[0]): string {
  const parts = [`HTTP ${r.status}`];
  if (r.code !== undefined) parts.push(`code ${r.code}`);
  if (r.error) parts.push(r.error);
  return parts.join(' ');
}

/** A failed login as an error kind: the request that failed and how. */
function loginFailure(l: Exclude<LoginOutcome, { ok: true }>): string {
  switch (l.failure) {
    case 'refused':
      return `wx.login: ${shortErrMsg(l.wx.errMsg)}`;
    case 'no_code':
      return 'wx.login: no code';
    case 'no_token':
      return 'backend login: no token in the answer';
    default:
      return `backend login: ${shortFailure(l.result)}`;
  }
}

/** A wx errMsg without its request id, which differs on every answer and would split one kind into many. */
function shortErrMsg(errMsg: string): string {
  return errMsg.replace(/\s*rid:.*$/, '').slice(0, 80);
}
