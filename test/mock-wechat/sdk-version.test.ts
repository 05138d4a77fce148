// The base library version a simulated client runs: getUserProfile's real profile below 2.27.1, the grey one from it;
// getUserInfo anonymised either way; chooseAvatar and the nickname input; the phone button's code from 2.21.2.
import { describe, expect, it } from 'vitest';
import { ANON_AVATAR, ANON_NICKNAME } from '../../mock-wechat/state.js';
import { atLeast, DEFAULT_SDK_VERSION } from '../../mock-wechat/client/sdk-version.js';
import { decrypt, loginAndExchange, mock, post } from './helpers.js';

const band = { alias: 'band', nickName: 'Band', gender: 1 as const, city: 'Guangzhou', avatarUrl: 'https://thirdwx.qlogo.cn/mmopen/vi_32/band/132' };

describe('sdkVersion', () => {
  it('getUserProfile: 2.27.0 gets the real profile, 2.27.1 the grey avatar and 微信用户', async () => {
    const m = mock({ users: [band] });
    const { session_key } = await loginAndExchange(m, 'band');
    const old = m.control.client.getUserProfile({ user: 'band', sdkVersion: '2.27.0' });
    expect(old.userInfo).toMatchObject({ nickName: 'Band', gender: 1, city: 'Guangzhou', avatarUrl: band.avatarUrl });
    expect(decrypt(old.encryptedData!, session_key, old.iv!)).toMatchObject({ nickName: 'Band' });
    const now = m.control.client.getUserProfile({ user: 'band', sdkVersion: '2.27.1' });
    expect(now.userInfo).toEqual({ nickName: ANON_NICKNAME, gender: 0, language: '', city: '', province: '', country: '', avatarUrl: ANON_AVATAR });
    expect(decrypt(now.encryptedData!, session_key, now.iv!).nickName).toBe(ANON_NICKNAME);
    // Numeric comparison per part: 2.100.0 is after 2.27.1, 2.9.9 before it.
    expect(m.control.client.getUserProfile({ user: 'band', sdkVersion: '2.100.0' }).userInfo!.nickName).toBe(ANON_NICKNAME);
    expect(m.control.client.getUserProfile({ user: 'band', sdkVersion: '2.9.9' }).userInfo!.nickName).toBe('Band');
  });

  it('the default is a current base library: getUserProfile answers as before (grey), a refusal still refuses', async () => {
    expect(atLeast(DEFAULT_SDK_VERSION, '2.27.1')).toBe(true);
    const m = mock({ users: [band, { alias: 'carol', consent: 'deny' }] });
    await loginAndExchange(m, 'band');
    expect(m.control.client.getUserProfile({ user: 'band' }).userInfo!.nickName).toBe(ANON_NICKNAME);
    expect(m.control.client.getUserProfile({ user: 'carol', sdkVersion: '2.27.0' })).toEqual({ errMsg: 'getUserProfile:fail auth deny' });
  });

  it('getUserInfo stays anonymised on both sides of 2.27.1', async () => {
    const m = mock({ users: [band] });
    await loginAndExchange(m, 'band');
    for (const sdkVersion of ['2.27.0', '2.27.1']) {
      expect(m.control.client.getUserInfo({ user: 'band', sdkVersion }).userInfo!.nickName).toBe(ANON_NICKNAME);
    }
  });

  it('the phone button hands over a code from 2.21.2, encryptedData and iv only below it', async () => {
    const m = mock();
    await loginAndExchange(m, 'alice');
    const old = m.control.client.getPhoneNumber({ user: 'alice', sdkVersion: '2.21.1' });
    expect(old.errMsg).toBe('getPhoneNumber:ok');
    expect(old.code).toBeUndefined();
    expect(old.encryptedData).toBeTypeOf('string');
    expect(m.control.client.getPhoneNumber({ user: 'alice', sdkVersion: '2.21.2' }).code).toMatch(/^[0-9a-f]{64}$/);
  });

  it('chooseAvatar gives a temporary file path; inputNickname the suggestion or what was typed', async () => {
    const m = mock({ users: [band] });
    const a = m.control.client.chooseAvatar({ user: 'band' });
    expect(a.errMsg).toBe('chooseAvatar:ok');
    expect(a.avatarUrl).toMatch(/^http:\/\/tmp\/[0-9a-f]{32}\.jpeg$/);
    expect(m.control.client.chooseAvatar({ user: 'band' }).avatarUrl).not.toBe(a.avatarUrl);
    expect(m.control.client.inputNickname({ user: 'band' })).toEqual({ errMsg: 'inputNickname:ok', nickName: 'Band' });
    const typed = await post(m, '/__client/inputNickname', { user: 'band', value: '阿B' });
    expect(typed.body).toEqual({ errMsg: 'inputNickname:ok', nickName: '阿B' });
    expect((await post(m, '/__client/chooseAvatar', { user: 'band' })).body.avatarUrl).toMatch(/^http:\/\/tmp\//);
  });

  it('a malformed sdkVersion is a 400 over HTTP and a fail errMsg in process', async () => {
    const m = mock();
    for (const bad of ['2.27', 'v2.27.1', '2.27.1-beta', '02.27.1']) {
      const r = await post(m, '/__client/getUserProfile', { user: 'alice', sdkVersion: bad });
      expect(r.status).toBe(400);
      expect(r.body.errMsg).toMatch(/^getUserProfile:fail parameter error: .*sdkVersion/);
      expect(m.control.client.getUserProfile({ user: 'alice', sdkVersion: bad })).toEqual({
        errMsg: `getUserProfile:fail parameter error: sdkVersion must look like 2.27.1, got ${JSON.stringify(bad)}`,
      });
    }
    expect(m.control.client.inputNickname({ user: 'alice', value: '' }).errMsg).toBe(
      'inputNickname:fail parameter error: value must be 1 to 64 characters',
    );
  });
});
