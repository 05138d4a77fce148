// How an asynchronous wx.* API answers: `success` or `fail`, then `complete`, called after the call returns; with none
// of the three, a Promise (resolving with the success object, rejecting with the fail object) where WeChat offers one
// (https://developers.weixin.qq.com/miniprogram/dev/framework/app-service/api.html#异步-API-返回-Promise).
import type { Tracker } from './tracker.js';

export interface WxResult {
  errMsg: string;
  [k: string]: unknown;
}

export type Callbacks = {
  success?: unknown;
  fail?: unknown;
  complete?: unknown;
  [k: string]: unknown;
};

export interface InvokeHooks {
  tracker: Tracker;
  /** A callback the program passed threw. */
  onThrow(err: unknown, api: string): void;
  /** A fail no callback handles, or whose promise nobody looked at. */
  onUnhandled(api: string, res: WxResult): void;
}

export const isOk = (res: WxResult): boolean => /:ok$/.test(res.errMsg);

const hasCallbacks = (o: Callbacks | undefined) =>
  !!o && (typeof o.success === 'function' || typeof o.fail === 'function' || typeof o.complete === 'function');

/**
 * Runs `work` and answers the way WeChat does. `promise: false` for the APIs that return a task object instead
 * (wx.request), whose calls without callbacks get no answer at all.
 */
export function invoke(api: string, o: Callbacks | undefined, work: () => Promise<WxResult>, hooks: InvokeHooks, promise = true): Promise<WxResult> | undefined {
  const call = (fn: unknown, res: WxResult) => {
    if (typeof fn !== 'function') return;
    try {
      fn.call(o, res);
    } catch (err) {
      hooks.onThrow(err, api);
    }
  };
  const job = work();
  if (hasCallbacks(o) || !promise) {
    hooks.tracker.track(
      job.then((res) => {
        const ok = isOk(res);
        call(ok ? o?.success : o?.fail, res);
        call(o?.complete, res);
        if (!ok && typeof o?.fail !== 'function' && typeof o?.complete !== 'function') hooks.onUnhandled(api, res);
      }),
    );
    return undefined;
  }
  // The promise form. A fail whose promise the program never looked at (no then, catch, finally or await by the
  // next turn) is reported here; the promise is never left rejected with no handler at all, so the process's
  // unhandledRejection (and a test runner's) hears only of promises the program itself made from it and dropped.
  const end = hooks.tracker.begin();
  const p = new WxPromise<WxResult>((resolve, reject) => {
    job.then((res) => (isOk(res) ? resolve(res) : reject(res)), reject);
  });
  Promise.prototype.then.call(p, end, (res: WxResult) => {
    setImmediate(() => {
      if (!p.observed) hooks.onUnhandled(api, res);
      end();
    });
  });
  return p;
}

/**
 * A Promise that knows whether anyone asked for its outcome: `then` (which `catch`, `finally` and `await` call on a
 * promise of another context, as the program's code is) marks it. What it derives are plain promises.
 */
class WxPromise<T> extends Promise<T> {
  observed = false;
  static override get [Symbol.species]() {
    return Promise;
  }
  override then<A = T, B = never>(onFulfilled?: ((v: T) => A | PromiseLike<A>) | null, onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    this.observed = true;
    return super.then(onFulfilled, onRejected);
  }
}
