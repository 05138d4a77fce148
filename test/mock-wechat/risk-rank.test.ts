import { describe, expect, it } from 'vitest';
import { APPID, RID_RE, accessToken, mock, post, type Mock } from './helpers.js';

const URL = '/wxa/getuserriskrank';
const rank = (m: Mock, token: string | undefined, body: unknown) => post(m, token === undefined ? URL : `${URL}?access_token=${token}`, body);

describe('getUserRiskRank: POST /wxa/getuserriskrank', () => {
  it('ranks the high-risk user 4 and others 0, with the documented field names (unoin_id, sic)', async () => {
    const m = mock();
    const token = await accessToken(m);
    const alice = m.control.getUser('alice')!;
    const mallory = m.control.getUser('mallory')!;
    const a = await rank(m, token, { appid: APPID, openid: alice.openid, scene: 0, client_ip: '203.0.113.5' });
    expect(a.body).toEqual({ errcode: 0, errmsg: 'getuserriskrank succ', risk_rank: 0, unoin_id: expect.any(Number) });
    expect(Number.isSafeInteger(a.body.unoin_id)).toBe(true);
    const b = await rank(m, token, { appid: APPID, openid: mallory.openid, scene: 1, client_ip: '203.0.113.5', mobile_no: '1', is_test: true });
    expect(b.body.risk_rank).toBe(4);
    // unoin_id marks one request.
    expect(b.body.unoin_id).not.toBe(a.body.unoin_id);
    expect(m.control.journal({ endpoint: URL, openid: mallory.openid })).toHaveLength(1);
  });

  it('checks in order: token, body (44002, 47001), missing parameters 47001, bad values 40097, appid 40013, openid 40003', async () => {
    const m = mock();
    const openid = m.control.getUser('alice')!.openid;
    const ok = { appid: APPID, openid, scene: 0, client_ip: '203.0.113.5' };
    expect((await rank(m, undefined, ok)).body.errcode).toBe(41001);
    const token = await accessToken(m);
    expect((await rank(m, token, '')).body.errcode).toBe(44002);
    expect((await rank(m, token, 'nope')).body.errcode).toBe(47001);
    for (const k of ['appid', 'openid', 'scene', 'client_ip']) {
      const { [k]: _gone, ...rest } = ok as Record<string, unknown>;
      expect((await rank(m, token, rest)).body.errcode).toBe(47001);
    }
    expect((await rank(m, token, { ...ok, scene: 3 })).body.errcode).toBe(40097);
    expect((await rank(m, token, { ...ok, scene: '0' })).body.errcode).toBe(40097);
    expect((await rank(m, token, { ...ok, client_ip: '' })).body.errcode).toBe(40097);
    expect((await rank(m, token, { ...ok, appid: 'wx00000000000000b2' })).body.errcode).toBe(40013);
    const unknown = await rank(m, token, { ...ok, openid: 'oNoSuchUser0000000000000000A' });
    expect(unknown.body.errcode).toBe(40003);
    expect(unknown.body.errmsg).toMatch(RID_RE);
  });

  it('a scripted fault hits the endpoint', async () => {
    const m = mock();
    m.control.addFault({ endpoint: URL, kind: 'errcode', errcode: -1 });
    expect((await rank(m, await accessToken(m), {})).body.errcode).toBe(-1);
  });
});
