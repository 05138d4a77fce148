// `wxlogin mock` implementation: merge config file and flags, build the mock, listen, print what it serves, and
// serve until SIGINT/SIGTERM.
import { isIP, type AddressInfo } from 'node:net';
import {
  adminTokenProblem,
  buildMockWechat,
  DEFAULT_HOST,
  DEFAULT_PORT,
  loadMockConfig,
  MockConfigError,
  type MockAppConfig,
  type MockFileConfig,
  type MockUser,
} from '../../../mock-wechat/index.js';
import { CliError, type CliContext } from '../context.js';

export interface MockFlags {
  port?: string;
  host?: string;
  config?: string;
  app?: string[];
  seed?: string;
  adminToken?: string;
  maxUsers?: string;
  requestTimeout?: string;
  headersTimeout?: string;
  keepAliveTimeout?: string;
  maxConnections?: string;
}

export interface RunningMock {
  url: string;
  seed: string;
  apps: MockAppConfig[];
  users: MockUser[];
  /** Things the person starting the mock should know (an unauthenticated API on a reachable address). */
  warnings: string[];
  close(): Promise<void>;
}

/** The environment variable that carries the admin token (argv is visible to every user of the machine). */
export const ADMIN_TOKEN_ENV = 'WXLOGIN_MOCK_ADMIN_TOKEN';

export function parseAppFlag(value: string): MockAppConfig {
  const i = value.indexOf(':');
  const appid = i > 0 ? value.slice(0, i).trim() : '';
  const secret = i > 0 ? value.slice(i + 1).trim() : '';
  if (!appid || !secret) throw new CliError(`--app expects APPID:SECRET, got "${value}"`, { exitCode: 2 });
  return { appid, secret };
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new CliError(`--port expects 0..65535, got "${value}"`, { exitCode: 2 });
  return n;
}

function intFlag(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) {
    throw new CliError(`${flag} expects an integer >= ${min}, got "${value}"`, { exitCode: 2 });
  }
  return n;
}

/** 127.0.0.0/8, ::1 and IPv4-mapped loopback: reachable from this machine only. */
export function isLoopback(address: string): boolean {
  const a = address.replace(/^\[|\]$/g, '').toLowerCase();
  if (a === 'localhost') return true;
  const v4 = a.startsWith('::ffff:') ? a.slice(7) : a;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return a === '::1' || a === '0:0:0:0:0:0:0:1';
}

function exposureWarnings(address: string, guarded: boolean): string[] {
  if (isLoopback(address)) return [];
  const where = `the mock listens on ${address}, which other machines may reach`;
  return guarded
    ? [`warning: ${where}: the client simulator (/__client) has no authentication (the admin API requires the admin token)`]
    : [
        `warning: ${where}: the admin API (/__admin: app secrets, session keys, users, faults, clock, reset) and the ` +
          `client simulator (/__client) have no authentication. Set --admin-token TOKEN (or ${ADMIN_TOKEN_ENV}) to ` +
          'require Authorization: Bearer TOKEN on /__admin, or listen on 127.0.0.1.',
      ];
}

/** Builds and starts the mock from flags (over an optional config file and the environment); the caller owns close(). */
export async function startMock(flags: MockFlags, env: NodeJS.ProcessEnv = {}): Promise<RunningMock> {
  let file: MockFileConfig = {};
  if (flags.config !== undefined) {
    try {
      file = await loadMockConfig(flags.config);
    } catch (err) {
      if (err instanceof MockConfigError) throw new CliError(err.message, { exitCode: 2 });
      throw err;
    }
  }
  const { port: filePort, host: fileHost, ...options } = file;
  if (flags.app && flags.app.length > 0) options.apps = flags.app.map(parseAppFlag);
  if (flags.seed !== undefined) options.seed = /^-?\d+$/.test(flags.seed) ? Number(flags.seed) : flags.seed;
  const numeric = [
    ['--max-users', 'maxUsers', flags.maxUsers, 0],
    ['--request-timeout', 'requestTimeoutMs', flags.requestTimeout, 1],
    ['--headers-timeout', 'headersTimeoutMs', flags.headersTimeout, 1],
    ['--keep-alive-timeout', 'keepAliveTimeoutMs', flags.keepAliveTimeout, 1],
    ['--max-connections', 'maxConnections', flags.maxConnections, 1],
  ] as const;
  for (const [flag, key, value, min] of numeric) {
    const n = intFlag(flag, value, min);
    if (n !== undefined) options[key] = n;
  }
  // Flag over environment over config file; the token itself is never echoed in an error.
  const envToken = env[ADMIN_TOKEN_ENV] === '' ? undefined : env[ADMIN_TOKEN_ENV];
  const token = flags.adminToken ?? envToken;
  if (token !== undefined) {
    const problem = adminTokenProblem(token);
    const source = flags.adminToken !== undefined ? '--admin-token' : ADMIN_TOKEN_ENV;
    if (problem) throw new CliError(`${source} ${problem}`, { exitCode: 2 });
    options.adminToken = token;
  }
  const port = flags.port !== undefined ? parsePort(flags.port) : (filePort ?? DEFAULT_PORT);
  const host = flags.host ?? fileHost ?? DEFAULT_HOST;

  let built;
  try {
    built = buildMockWechat(options);
  } catch (err) {
    throw new CliError(`cannot start the mock: ${(err as Error).message}`, { exitCode: 2 });
  }
  const { app, control } = built;
  try {
    await app.listen({ port, host });
  } catch (err) {
    await app.close();
    throw new CliError(`cannot listen on ${host}:${port}: ${(err as Error).message}`);
  }
  const addr = app.server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shownHost}:${addr.port}`,
    seed: control.seed(),
    apps: control.apps(),
    users: control.listUsers(),
    warnings: exposureWarnings(addr.address, options.adminToken !== undefined),
    close: () => app.close(),
  };
}

export async function runMock(ctx: CliContext, flags: MockFlags): Promise<RunningMock> {
  const mock = await startMock(flags, ctx.env);
  const { c, ce } = ctx;
  for (const w of mock.warnings) ctx.note(ce.yellow(w));
  if (ctx.global.json) {
    ctx.printJson({
      url: mock.url,
      seed: mock.seed,
      apps: mock.apps,
      users: mock.users.map((u) => ({ alias: u.alias, appid: u.appid, openid: u.openid, unionid: u.unionid, nickName: u.nickName })),
    });
  } else {
    ctx.print(`${c.bold('mock WeChat')} listening on ${c.cyan(mock.url)}  (seed ${mock.seed})`);
    ctx.print('');
    ctx.print(c.bold('apps (fake credentials)'));
    for (const a of mock.apps) {
      ctx.print(`  ${a.appid}  secret ${a.secret}${a.openPlatform ? `  open platform ${a.openPlatform}` : ''}`);
    }
    ctx.print('');
    ctx.print(c.bold('users'));
    const width = Math.max(5, ...mock.users.map((u) => u.alias.length));
    for (const u of mock.users) {
      const notes = [u.consent.default === 'deny' ? 'denies consent' : '', u.risk ? 'high risk: code2Session answers 40226' : '']
        .filter(Boolean)
        .join(', ');
      const app = mock.apps.length > 1 ? `${u.appid}  ` : '';
      ctx.print(`  ${app}${u.alias.padEnd(width)}  ${u.openid}  ${u.nickName}${notes ? c.dim(`  (${notes})`) : ''}`);
    }
    ctx.print('');
    ctx.print(`try: curl -s ${mock.url}/__client/login -H 'content-type: application/json' -d '{"user":"alice"}'`);
  }
  ctx.note(c.dim('serving until Ctrl-C (SIGINT) or SIGTERM'));
  const signal = await ctx.waitForShutdown();
  ctx.note(c.dim(`${signal}: closing the mock`));
  await mock.close();
  return mock;
}
