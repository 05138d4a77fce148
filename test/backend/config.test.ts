import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Agent, request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { backendConfigFromEnv, ConfigError } from '../../src/backend/index.js';
import { main } from '../../src/cli/main.js';
import { describeStore, startBackend } from '../../src/cli/commands/backend/run.js';
import { APPID, SECRET, startMock } from './helpers.js';

const ENV = { WX_APPID: APPID, WX_SECRET: SECRET };
const dir = mkdtempSync(join(tmpdir(), 'wxlogin-cfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('backendConfigFromEnv', () => {
  it('defaults: real WeChat, an SQLite file in .wxlogin', () => {
    expect(backendConfigFromEnv(ENV)).toEqual({
      appId: APPID,
      appSecret: SECRET,
      wechatBaseUrl: 'https://api.weixin.qq.com',
      store: 'sqlite://backend.sqlite',
      dataDir: '.wxlogin',
    });
  });
  it('reads every setting from env, and flags override env', () => {
    const env = {
      ...ENV,
      WX_API_BASE: 'http://127.0.0.1:9400',
      WXLOGIN_STORE: 'redis://127.0.0.1:6379',
      WXLOGIN_DATA_DIR: '/var/lib/wxlogin',
      WXLOGIN_RATE_LIMIT: '0',
      WXLOGIN_TOKEN_TTL: '3600',
      WXLOGIN_STALE_KEY_GRACE: '30',
      WXLOGIN_BODY_LIMIT: '2048',
      WXLOGIN_WECHAT_TIMEOUT_MS: '1500',
      WXLOGIN_WECHAT_RETRIES: '1',
    };
    expect(backendConfigFromEnv(env)).toMatchObject({
      wechatBaseUrl: 'http://127.0.0.1:9400',
      store: 'redis://127.0.0.1:6379',
      dataDir: '/var/lib/wxlogin',
      loginRateLimitPerMinute: 0,
      tokenTtlSeconds: 3600,
      staleKeyGraceSeconds: 30,
      bodyLimitBytes: 2048,
      wechatTimeoutMs: 1500,
      wechatRetries: 1,
    });
    const c = backendConfigFromEnv(env, { rateLimit: '5', store: 'memory://', apiBase: 'http://127.0.0.1:1', secret: 'other', staleKeyGrace: 0 });
    expect(c).toMatchObject({ loginRateLimitPerMinute: 5, store: 'memory://', wechatBaseUrl: 'http://127.0.0.1:1', appSecret: 'other', staleKeyGraceSeconds: 0 });
  });
  it('refuses missing or bad settings with a message naming the setting', () => {
    const bad: [Record<string, string>, Record<string, string>, RegExp][] = [
      [{ WX_APPID: APPID }, {}, /no AppSecret: set WX_SECRET/],
      [{ WX_SECRET: SECRET }, {}, /no AppID: set WX_APPID/],
      [{ ...ENV, WX_APPID: 'abc' }, {}, /WX_APPID "abc" is not an AppID/],
      [ENV, { apiBase: 'ftp://x' }, /--api-base must be an http\(s\) URL/],
      [ENV, { apiBase: 'not a url' }, /--api-base "not a url" is not a URL/],
      [{ ...ENV, WXLOGIN_RATE_LIMIT: 'lots' }, {}, /WXLOGIN_RATE_LIMIT must be a whole number, got "lots"/],
      [ENV, { tokenTtl: '0' }, /--token-ttl must be between 1 and/],
      [ENV, { store: 'mongodb://x' }, /--store: unknown store "mongodb:\/\/x"/],
      [ENV, { wechatRetries: '99' }, /--wechat-retries must be between 0 and 10/],
    ];
    for (const [env, flags, msg] of bad) {
      expect(() => backendConfigFromEnv(env, flags)).toThrow(ConfigError);
      expect(() => backendConfigFromEnv(env, flags)).toThrow(msg);
    }
  });
});

function io(env: Record<string, string>) {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d) => (stdout += d));
  err.on('data', (d) => (stderr += d));
  return { io: { env, stdout: out, stderr: err }, text: () => ({ stdout, stderr }) };
}

describe('wxlogin backend', () => {
  it('a missing secret is one clear line and a non-zero exit', async () => {
    const t = io({ WX_APPID: APPID });
    const code = await main(['node', 'wxlogin', 'backend', '--port', '0'], t.io as never);
    expect(code).not.toBe(0);
    const { stderr, stdout } = t.text();
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/no AppSecret: set WX_SECRET/);
  });
  it('a bad flag is refused before anything starts', async () => {
    const t = io(ENV);
    expect(await main(['node', 'wxlogin', 'backend', '--rate-limit', '-3'], t.io as never)).not.toBe(0);
    expect(t.text().stderr).toMatch(/--rate-limit must be a whole number/);
  });
  it('starts on a real port from env + flags, secret from a file, and logs JSON lines to the given stream', async () => {
    const mock = await startMock();
    const secretFile = join(dir, 'secret');
    writeFileSync(secretFile, `${SECRET}\n`);
    const agent = new Agent();
    const logs = new PassThrough();
    let logText = '';
    logs.on('data', (d) => (logText += d));
    const running = await startBackend(
      { WX_APPID: APPID, WX_API_BASE: 'http://127.0.0.1:1', WXLOGIN_DATA_DIR: join(dir, 'data') },
      { port: '0', apiBase: mock.url, secretFile },
      logs,
    );
    try {
      expect(running.config.wechatBaseUrl).toBe(mock.url);
      expect(running.config.store).toBe('sqlite://backend.sqlite');
      expect(describeStore(running.config)).toBe(`sqlite://${join(dir, 'data', 'backend.sqlite')}`);
      expect(existsSync(join(dir, 'data', 'backend.sqlite'))).toBe(true);
      const code = mock.control.client.login({ user: 'alice' }).code!;
      const r = await request(`${running.url}/login`, { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
      expect(r.statusCode).toBe(200);
      expect(((await r.body.json()) as { data: { token: string } }).data.token).toMatch(/^[0-9A-Z]{10}[\w-]{43}$/);
    } finally {
      // Closed first, so that no keep-alive connection holds the servers' close() open.
      await agent.close();
      await running.app.close();
      await mock.close();
    }
    expect(logText).toContain('"url":"/login"');
    expect(logText).not.toContain(SECRET);
  });
});
