// The built CLI as a subprocess (npm test builds first): `wxlogin mock` prints where it listens, serves, and exits 0
// on SIGTERM.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killStarted, startCli } from '../cli/helpers.js';

afterEach(killStarted);

function start(args: string[], env: Record<string, string> = {}) {
  const base: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete base.WXLOGIN_MOCK_ADMIN_TOKEN;
  return startCli(args, { env: { ...base, ...env } });
}

// Each test starts the built CLI several times in a row (about a second of CPU each): on a loaded 2-core machine
// that outgrows the default 20 s, which is meant to catch hangs, not to time start-ups.
describe('wxlogin mock (built CLI)', { timeout: 60_000 }, () => {
  it('prints URL, apps and users, serves, and exits 0 on SIGTERM', async () => {
    const p = start(['mock', '--port', '0', '--seed', '3']);
    const out = await p.output(/users[\s\S]*mallory/);
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
    expect(out).toContain('wx1234567890abcdef  secret mocksecret000000000000000000000a');
    expect(out).toMatch(/alice\s+o[A-Za-z0-9_-]{27}/);
    const login = (await (
      await fetch(`${url}/__client/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"user":"alice"}',
      })
    ).json()) as { errMsg: string; code: string };
    expect(login.errMsg).toBe('login:ok');
    const q = `appid=wx1234567890abcdef&secret=mocksecret000000000000000000000a&js_code=${login.code}&grant_type=authorization_code`;
    const session = (await (await fetch(`${url}/sns/jscode2session?${q}`)).json()) as { openid: string };
    expect(out).toContain(session.openid);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('--json prints the same as JSON; --app replaces the default app; SIGINT also ends it cleanly', async () => {
    const p = start(['mock', '--json', '--port', '0', '--app', 'wx1111111111111111:s1', '--app', 'wx2222222222222222:s2']);
    const out = await p.output(/^\}$/m);
    const info = JSON.parse(out) as { url: string; apps: { appid: string }[]; users: { appid: string }[] };
    expect(info.apps.map((a) => a.appid)).toEqual(['wx1111111111111111', 'wx2222222222222222']);
    expect(new Set(info.users.map((u) => u.appid)).size).toBe(2);
    const apps = (await (await fetch(`${info.url}/__admin/apps`)).json()) as { apps: unknown[] };
    expect(apps.apps).toHaveLength(2);
    p.child.kill('SIGINT');
    expect(await p.exited).toBe(0);
  });

  it('a bad config file is a clear error and a non-zero exit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wxlogin-mock-cli-'));
    const cfg = join(dir, 'mock.json');
    writeFileSync(cfg, '{"apps": [{"appid": "wx1"}]}');
    const p = start(['mock', '--port', '0', '--config', cfg]);
    expect(await p.exited).toBe(2);
    expect(p.stderr()).toMatch(/apps\[0\]\.secret must be a non-empty string/);
    const bad = start(['mock', '--port', '0', '--app', 'nocolon']);
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toMatch(/--app expects APPID:SECRET/);
  });

  it('on a non-loopback host it warns on stderr that the admin and client APIs are unauthenticated', async () => {
    const p = start(['mock', '--host', '0.0.0.0', '--port', '0']);
    const out = await p.output(/users[\s\S]*mallory/);
    const port = /listening on http:\/\/[^:]+:(\d+)/.exec(out)![1]!;
    const err = p.stderr();
    expect(err).toMatch(/warning: the mock listens on 0\.0\.0\.0/);
    expect(err).toMatch(/admin API \(\/__admin[^)]*\) and the client simulator \(\/__client\) have no authentication/);
    expect(err).toContain('--admin-token');
    expect(err).toContain('WXLOGIN_MOCK_ADMIN_TOKEN');
    expect((await fetch(`http://127.0.0.1:${port}/__admin/apps`)).status).toBe(200);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('no warning on loopback', async () => {
    const p = start(['mock', '--port', '0']);
    await p.output(/users[\s\S]*mallory/);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.stderr()).not.toMatch(/warning/);
  });

  it.each([
    ['--admin-token', (t: string) => [['--admin-token', t], {}] as const],
    ['WXLOGIN_MOCK_ADMIN_TOKEN', (t: string) => [[], { WXLOGIN_MOCK_ADMIN_TOKEN: t }] as const],
  ])('%s guards /__admin with a bearer token; the warning then names only the client simulator', async (_n, how) => {
    const token = 'cli-token-5b1e9a';
    const [flags, env] = how(token);
    const p = start(['mock', '--host', '0.0.0.0', '--port', '0', ...flags], env);
    const out = await p.output(/users[\s\S]*mallory/);
    const base = `http://127.0.0.1:${/listening on http:\/\/[^:]+:(\d+)/.exec(out)![1]!}`;
    const none = await fetch(`${base}/__admin/apps`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: string }).error).toMatch(/Bearer/);
    expect((await fetch(`${base}/__admin/apps`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${base}/__admin/apps`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    const login = await fetch(`${base}/__client/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"user":"alice"}' });
    expect(login.status).toBe(200);
    const err = p.stderr();
    expect(err).toMatch(/warning: .*client simulator \(\/__client\) has no authentication/);
    expect(err).not.toContain('--admin-token');
    expect(err + out).not.toContain(token);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('--max-users and the server guard flags are applied; bad values are usage errors', async () => {
    const p = start(['mock', '--port', '0', '--max-users', '5', '--request-timeout', '2000', '--headers-timeout', '1000', '--keep-alive-timeout', '1000', '--max-connections', '16']);
    const out = await p.output(/users[\s\S]*mallory/);
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
    const login = (user: string) =>
      fetch(`${url}/__client/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user }) });
    expect((await login('new1')).status).toBe(200);
    const refused = await login('new2');
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { errMsg: string }).errMsg).toMatch(/maxUsers is 5/);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    for (const [args, message] of [
      [['--max-connections', '0'], /--max-connections expects an integer >= 1/],
      [['--request-timeout', 'soon'], /--request-timeout expects an integer >= 1/],
      [['--request-timeout', '1000', '--headers-timeout', '5000'], /headersTimeoutMs \(5000\) must be at most requestTimeoutMs \(1000\)/],
      [['--max-users', '2'], /more than maxUsers 2/],
      [['--admin-token', 'two words'], /--admin-token must be visible ASCII/],
    ] as const) {
      const bad = start(['mock', '--port', '0', ...args]);
      expect(await bad.exited, args.join(' ')).toBe(2);
      expect(bad.stderr()).toMatch(message);
    }
  });
});
