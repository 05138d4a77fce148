// `wxlogin mock` implementation: merge config file and flags, build the mock, listen, print what it serves, and
// serve until SIGINT/SIGTERM.
import type { AddressInfo } from 'node:net';
import {
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
}

export interface RunningMock {
  url: string;
  seed: string;
  apps: MockAppConfig[];
  users: MockUser[];
  close(): Promise<void>;
}

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

/** Builds and starts the mock from flags (over an optional config file); the caller owns close(). */
export async function startMock(flags: MockFlags): Promise<RunningMock> {
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
    close: () => app.close(),
  };
}

export async function runMock(ctx: CliContext, flags: MockFlags): Promise<RunningMock> {
  const mock = await startMock(flags);
  const { c } = ctx;
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
