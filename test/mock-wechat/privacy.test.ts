// Privacy authorization in the client simulator: declared APIs (errno 112), the user's agreement (errno 104),
// getPrivacySetting and requirePrivacyAuthorize, over HTTP and in process.
import { describe, expect, it } from 'vitest';
import { validateMockConfig } from '../../mock-wechat/config.js';
import { buildMockWechat } from '../../mock-wechat/index.js';
import { PRIVACY_GUARDED } from '../../mock-wechat/state/app-policy.js';
import { APPID, mock, post, SECRET } from './helpers.js';

const app = (declared: string[]) => ({ appid: APPID, secret: SECRET, privacy: { declared } });
const notAgreed = (api: string) => ({ errMsg: `${api}:fail privacy permission is not authorized`, errno: 104 });
const notDeclared = (api: string) => ({ errMsg: `${api}:fail api scope is not declared in the privacy agreement`, errno: 112 });

describe('privacy authorization', () => {
  it('by default every guarded API is declared and users have agreed', () => {
    const m = mock();
    m.control.client.login({ user: 'alice' });
    expect(m.control.client.getUserProfile({ user: 'alice' }).errMsg).toBe('getUserProfile:ok');
    expect(m.control.client.chooseAvatar({ user: 'alice' }).errMsg).toBe('chooseAvatar:ok');
    expect(m.control.client.getPrivacySetting({ user: 'alice' })).toEqual({
      errMsg: 'getPrivacySetting:ok',
      needAuthorization: false,
      privacyContractName: `《${APPID}小程序隐私保护指引》`,
    });
    expect(m.control.getUser('alice')!.privacyAgreed).toBe(true);
  });

  it('a user who has not agreed gets errno 104 on every guarded call, and nothing is minted', async () => {
    const m = mock({ users: [{ alias: 'dan', privacyAgreed: false }] });
    m.control.client.login({ user: 'dan' });
    const c = m.control.client;
    expect(c.getUserInfo({ user: 'dan' })).toEqual(notAgreed('getUserInfo'));
    expect(c.getUserProfile({ user: 'dan' })).toEqual(notAgreed('getUserProfile'));
    expect(c.getPhoneNumber({ user: 'dan' })).toEqual(notAgreed('getPhoneNumber'));
    expect(c.getRealtimePhoneNumber({ user: 'dan' })).toEqual(notAgreed('getRealtimePhoneNumber'));
    expect(c.getWeRunData({ user: 'dan' })).toEqual(notAgreed('getWeRunData'));
    expect(c.chooseAvatar({ user: 'dan' })).toEqual(notAgreed('chooseAvatar'));
    expect(c.inputNickname({ user: 'dan' })).toEqual(notAgreed('inputNickname'));
    expect(c.authorize({ user: 'dan', scope: 'scope.werun' })).toEqual(notAgreed('authorize'));
    expect(m.control.phoneUsage(APPID)).toMatchObject({ quick: 0, realtime: 0 });
    // Not guarded: login, checkSession, getSetting, getShareInfo, authorize(scope.userInfo).
    expect(c.checkSession({ user: 'dan' }).errMsg).toBe('checkSession:ok');
    expect(c.getShareInfo({ user: 'dan' }).errMsg).toBe('getShareInfo:ok');
    expect(c.authorize({ user: 'dan', scope: 'scope.userInfo' }).errMsg).toBe('authorize:ok');
    // Over HTTP the refusal is a normal 200 answer with errno.
    const r = await post(m, '/__client/getPhoneNumber', { user: 'dan' });
    expect(r.status).toBe(200);
    expect(r.body).toEqual(notAgreed('getPhoneNumber'));
  });

  it('getPrivacySetting says so, and requirePrivacyAuthorize records the agreement', () => {
    const m = mock({ users: [{ alias: 'dan', privacyAgreed: false }] });
    const c = m.control.client;
    expect(c.getPrivacySetting({ user: 'dan' }).needAuthorization).toBe(true);
    expect(c.requirePrivacyAuthorize({ user: 'dan' })).toEqual({ errMsg: 'requirePrivacyAuthorize:ok' });
    expect(c.getPrivacySetting({ user: 'dan' }).needAuthorization).toBe(false);
    expect(c.chooseAvatar({ user: 'dan' }).errMsg).toBe('chooseAvatar:ok');
    expect(m.control.getUser('dan')!.privacyAgreed).toBe(true);
    // Agreement is per app user and reset restores the seed.
    m.control.reset();
    expect(c.getPrivacySetting({ user: 'dan' }).needAuthorization).toBe(true);
  });

  it('a user whose consent refuses the privacy dialog stays unagreed (104), and is asked again next time', () => {
    const m = mock({ users: [{ alias: 'eve', privacyAgreed: false, consent: { privacy: 'deny' } }] });
    const c = m.control.client;
    expect(c.requirePrivacyAuthorize({ user: 'eve' })).toEqual(notAgreed('requirePrivacyAuthorize'));
    expect(c.getPrivacySetting({ user: 'eve' }).needAuthorization).toBe(true);
    m.control.addUser({ alias: 'eve', consent: { privacy: 'grant' } });
    expect(m.control.getUser('eve')!.privacyAgreed).toBe(false); // an upsert keeps what the user did
    expect(c.requirePrivacyAuthorize({ user: 'eve' })).toEqual({ errMsg: 'requirePrivacyAuthorize:ok' });
  });

  it('an API the guide does not declare fails with errno 112, even after agreement; declared ones work', () => {
    const m = mock({ apps: [app(['getUserProfile', 'scope.werun'])] });
    m.control.client.login({ user: 'alice' });
    const c = m.control.client;
    expect(c.getUserProfile({ user: 'alice' }).errMsg).toBe('getUserProfile:ok');
    expect(c.authorize({ user: 'alice', scope: 'scope.werun' })).toEqual({ errMsg: 'authorize:ok' });
    expect(c.getUserInfo({ user: 'alice' })).toEqual(notDeclared('getUserInfo'));
    expect(c.getPhoneNumber({ user: 'alice' })).toEqual(notDeclared('getPhoneNumber'));
    expect(c.getRealtimePhoneNumber({ user: 'alice' })).toEqual(notDeclared('getRealtimePhoneNumber'));
    expect(c.getWeRunData({ user: 'alice' })).toEqual(notDeclared('getWeRunData'));
    expect(c.chooseAvatar({ user: 'alice' })).toEqual(notDeclared('chooseAvatar'));
    expect(c.inputNickname({ user: 'alice' })).toEqual(notDeclared('inputNickname'));
    expect(c.authorize({ user: 'alice', scope: 'scope.camera' })).toEqual(notDeclared('authorize'));
  });

  it('112 comes before 104: an undeclared API fails 112 for a user who has not agreed', () => {
    const m = mock({ apps: [app([])], users: [{ alias: 'dan', privacyAgreed: false }] });
    expect(m.control.client.getUserProfile({ user: 'dan' })).toEqual(notDeclared('getUserProfile'));
  });

  it('rejects a bad privacy config with a message naming the field', () => {
    const bad = (a: Record<string, unknown>) => () => validateMockConfig({ apps: [{ appid: APPID, secret: SECRET, ...a }] });
    expect(bad({ privacy: ['getPhoneNumber'] })).toThrow('mock config: apps[0].privacy must be an object like {"declared": ["getPhoneNumber"]}');
    expect(bad({ privacy: { declared: 'getPhoneNumber' } })).toThrow('apps[0].privacy.declared must be an array of API names, got "getPhoneNumber"');
    expect(bad({ privacy: { declared: ['getPhoneNumber', 'login'] } })).toThrow(
      `apps[0].privacy.declared[1] "login" is not a guarded API (allowed: ${PRIVACY_GUARDED.join(', ')})`,
    );
    expect(bad({ privacy: { declared: [], apis: [] } })).toThrow('apps[0].privacy has an unknown key "apis" (allowed: declared)');
    expect(() => validateMockConfig({ users: [{ alias: 'x', privacyAgreed: 'no' }] })).toThrow('users[0].privacyAgreed must be true or false');
    expect(validateMockConfig({ apps: [app(['getPhoneNumber'])], users: [{ alias: 'x', privacyAgreed: false }] }).apps).toHaveLength(1);
    // buildMockWechat checks the same, as a usage error.
    expect(() => buildMockWechat({ apps: [app(['nope'])] })).toThrow(`app ${APPID}: privacy.declared[0] "nope" is not a guarded API`);
  });

  it('the admin API takes privacyAgreed in a user seed and shows it', async () => {
    const m = mock();
    const r = await post(m, '/__admin/users', { alias: 'dan', privacyAgreed: false });
    expect(r.status).toBe(201);
    expect(r.body.privacyAgreed).toBe(false);
    expect((await post(m, '/__client/getPrivacySetting', { user: 'dan' })).body.needAuthorization).toBe(true);
  });
});
