// `wxlogin/testing`: the mock WeChat for a test file. `startMockWechat()` starts it on a free port and hands back
// what a test needs (its URL, the app's credentials as environment variables, fresh codes, faults); `useMockWechat()`
// does the same inside a test file's hooks (vitest, jest, node:test), resetting the mock after each test so that
// the users and faults a test adds are its own.
import { buildMockWechat, type FaultSpec, type MockControl, type MockOptions } from '../../mock-wechat/index.js';

type Hook = (fn: () => unknown, timeout?: number) => unknown;

/** The hooks of your test runner: vitest's and jest's `beforeAll`/`afterAll`/`afterEach`, or node:test's
 *  `before`/`after`/`afterEach`. Left out, the runner's globals are used (jest; vitest with `globals: true`). */
export interface TestHooks {
  beforeAll?: Hook;
  afterAll?: Hook;
  afterEach?: Hook;
  before?: Hook;
  after?: Hook;
}

export interface TestMockOptions extends MockOptions {
  /** Where to listen; default 127.0.0.1 on a free port. */
  host?: string;
  port?: number;
  /** useMockWechat only: reset the mock after each test (default true). */
  resetEachTest?: boolean;
}

export interface TestMock {
  /** http://127.0.0.1:PORT: give it to the code under test as WeChat's API base. */
  readonly url: string;
  readonly appid: string;
  readonly secret: string;
  /** WX_API_BASE, WX_APPID, WX_SECRET and WXLOGIN_MOCK_URL, as `wxlogin exec` exports them. */
  readonly env: Record<'WX_API_BASE' | 'WX_APPID' | 'WX_SECRET' | 'WXLOGIN_MOCK_URL', string>;
  /** The mock scripted in-process: users, faults, journal, clock, reset. */
  readonly control: MockControl;
  /** What wx.login gives the mini program of `user` (created on first use): a fresh one-time code. */
  code(user?: string): string;
  /** A scripted failure (once unless `times` or `probability` says otherwise); answers its id. */
  fault(spec: FaultSpec): string;
  close(): Promise<void>;
}

export async function startMockWechat(opts: TestMockOptions = {}): Promise<TestMock> {
  const { host = '127.0.0.1', port = 0, resetEachTest: _reset, ...mockOpts } = opts;
  const { app, control } = buildMockWechat({ logger: false, ...mockOpts });
  const url = (await app.listen({ host, port })).replace(/\/$/, '');
  const first = control.apps()[0]!;
  const env = { WX_API_BASE: url, WX_APPID: first.appid, WX_SECRET: first.secret, WXLOGIN_MOCK_URL: url };
  return {
    url,
    appid: first.appid,
    secret: first.secret,
    env,
    control,
    code(user = 'test-user') {
      const r = control.client.login({ user, appid: first.appid });
      if (typeof r.code !== 'string') throw new Error(`the mock refused wx.login for ${user}: ${r.errMsg}`);
      return r.code;
    },
    fault: (spec) => control.addFault(spec),
    close: () => app.close(),
  };
}

/**
 * The mock for one test file: started before the first test, closed after the last, reset after each. Read its
 * properties inside tests and hooks (before the file's first hook ran, there is no mock yet).
 *
 *   import { beforeAll, afterAll, afterEach } from 'vitest';
 *   const wx = useMockWechat({}, { beforeAll, afterAll, afterEach });
 */
export function useMockWechat(opts: TestMockOptions = {}, hooks: TestHooks = {}): TestMock {
  const g = globalThis as unknown as TestHooks;
  const before = hooks.beforeAll ?? hooks.before ?? g.beforeAll ?? g.before;
  const after = hooks.afterAll ?? hooks.after ?? g.afterAll ?? g.after;
  const each = hooks.afterEach ?? g.afterEach;
  if (!before || !after) {
    throw new Error('useMockWechat needs your test runner\'s hooks: useMockWechat({}, { beforeAll, afterAll, afterEach }) (vitest, jest) or { before, after, afterEach } (node:test)');
  }
  let mock: TestMock | undefined;
  before(async () => {
    mock = await startMockWechat(opts);
  }, 30_000);
  after(async () => {
    await mock?.close();
    mock = undefined;
  });
  if (each && opts.resetEachTest !== false) each(() => mock?.control.reset());
  const live = (): TestMock => {
    if (!mock) throw new Error('the mock starts in beforeAll: use it inside a test or a hook');
    return mock;
  };
  return {
    get url() {
      return live().url;
    },
    get appid() {
      return live().appid;
    },
    get secret() {
      return live().secret;
    },
    get env() {
      return live().env;
    },
    get control() {
      return live().control;
    },
    code: (user) => live().code(user),
    fault: (spec) => live().fault(spec),
    close: () => live().close(),
  };
}
