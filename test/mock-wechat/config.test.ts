import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildMockWechat, loadMockConfig, MockConfigError } from '../../mock-wechat/index.js';

const dir = mkdtempSync(join(tmpdir(), 'wxlogin-mock-config-'));
const file = (name: string, content: string) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};

describe('loadMockConfig', () => {
  it('reads apps, users and policies that buildMockWechat accepts', async () => {
    const p = file(
      'good.json',
      JSON.stringify({
        seed: 42,
        apps: [{ appid: 'wxaaaaaaaaaaaaaaaa', secret: 'sa', openPlatform: 'g' }],
        users: [{ alias: 'ann', nickName: 'Ann', consent: { 'scope.werun': 'deny' }, risk: false }],
        codeTtlSeconds: 60,
        sessionKey: { rotation: 'always', lifetimeSeconds: 600 },
        loginRateLimitPerMinute: 0,
        strictUsers: true,
        countryCodeType: 'string',
        port: 0,
        host: '127.0.0.1',
      }),
    );
    const cfg = await loadMockConfig(p);
    expect(cfg.port).toBe(0);
    const { control } = buildMockWechat(cfg);
    expect(control.apps()).toEqual([{ appid: 'wxaaaaaaaaaaaaaaaa', secret: 'sa', openPlatform: 'g' }]);
    expect(control.getUser('ann')).toMatchObject({ nickName: 'Ann', consent: { scopes: { 'scope.werun': 'deny' } } });
    expect(control.getUser('ann')!.unionid).toMatch(/^o/);
    expect(control.client.login({ user: 'stranger' }).errMsg).toMatch(/unknown user/);
  });

  it.each([
    ['missing.json', null, /cannot read mock config .*missing\.json/],
    ['bad.json', '{"apps": [', /mock config .*bad\.json is not valid JSON/],
    ['array.json', '[]', /the top level must be a JSON object/],
    ['typo.json', '{"app": []}', /unknown key "app" \(allowed: /],
    ['noapps.json', '{"apps": []}', /apps must be a non-empty array/],
    ['nosecret.json', '{"apps": [{"appid": "wx1"}]}', /apps\[0\]\.secret must be a non-empty string/],
    ['dupe.json', '{"apps": [{"appid": "wx1", "secret": "a"}, {"appid": "wx1", "secret": "b"}]}', /apps\[1\]\.appid wx1 is declared twice/],
    ['userkey.json', '{"users": [{"alias": "a", "nick": "x"}]}', /unknown key "nick" in users\[0\]/],
    ['userapp.json', '{"apps": [{"appid": "wx1", "secret": "a"}], "users": [{"appid": "wx2"}]}', /users\[0\]\.appid wx2 is not one of the apps/],
    ['consent.json', '{"users": [{"consent": "maybe"}]}', /users\[0\]\.consent must be/],
    ['rotation.json', '{"sessionKey": {"rotation": "sometimes"}}', /sessionKey\.rotation must be/],
    ['ttl.json', '{"codeTtlSeconds": 0}', /codeTtlSeconds must be an integer >= 1/],
    ['port.json', '{"port": 70000}', /port must be at most 65535/],
  ])('%s: a clear error naming the problem', async (name, content, message) => {
    const p = content === null ? join(dir, name) : file(name, content);
    const err = await loadMockConfig(p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MockConfigError);
    expect((err as Error).message).toMatch(message);
  });
});
