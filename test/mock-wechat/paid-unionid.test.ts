import { describe, expect, it } from 'vitest';
import { APPID, RID_RE, SECRET, accessToken, get, mock, post } from './helpers.js';

type M = ReturnType<typeof mock>;

/** An app bound to an open platform, so its users have a unionid. */
const bound = () => mock({ apps: [{ appid: APPID, secret: SECRET, openPlatform: 'group1' }] });

const paid = (m: M, token: string, query: Record<string, string | undefined>) =>
  get(m, '/wxa/getpaidunionid', { access_token: token, ...query });

describe('getPaidUnionid: POST /__admin/payments and GET /wxa/getpaidunionid', () => {
  it('a payment recorded through the admin API gives the payer\'s unionid, by transaction_id or by mch_id + out_trade_no', async () => {
    const m = bound();
    const alice = m.control.getUser('alice')!;
    expect(alice.unionid).toMatch(/^o/);
    const rec = await post(m, '/__admin/payments', { user: 'alice', mch_id: '1230000109', out_trade_no: 'order-1' });
    expect(rec.status).toBe(201);
    expect(rec.body).toMatchObject({ appid: APPID, openid: alice.openid, mch_id: '1230000109', out_trade_no: 'order-1' });
    expect(rec.body.transaction_id).toMatch(/^42000\d{23}$/);
    expect(rec.body.paidAt).toBe('2023-11-14T22:13:20.000Z');
    const token = await accessToken(m);
    const byTx = await paid(m, token, { openid: alice.openid, transaction_id: rec.body.transaction_id });
    expect(byTx.body).toEqual({ errcode: 0, errmsg: 'ok', unionid: alice.unionid });
    const byTrade = await paid(m, token, { openid: alice.openid, mch_id: '1230000109', out_trade_no: 'order-1' });
    expect(byTrade.body).toEqual({ errcode: 0, errmsg: 'ok', unionid: alice.unionid });
    // The journal names the payer.
    expect(m.control.journal({ endpoint: '/wxa/getpaidunionid', openid: alice.openid, errcode: 0 })).toHaveLength(2);
  });

  it('answers for 5 minutes after the payment: at 4:59.999 yes, at 5:00 89300 invalid trade', async () => {
    const m = bound();
    const alice = m.control.getUser('alice')!;
    const p = m.control.recordPayment({ user: 'alice' });
    const token = await accessToken(m);
    m.control.advanceClock(299.999);
    expect((await paid(m, token, { openid: alice.openid, transaction_id: p.transaction_id })).body.errcode).toBe(0);
    m.control.advanceClock(0.001);
    const late = await paid(m, token, { openid: alice.openid, transaction_id: p.transaction_id });
    expect(late.body.errcode).toBe(89300);
    expect(late.body.errmsg).toMatch(RID_RE);
    expect(RID_RE.exec(late.body.errmsg)![1]).toBe('invalid trade');
  });

  it('40003 for a missing, unknown or other app\'s openid, before the order is looked at', async () => {
    const m = mock({
      apps: [
        { appid: APPID, secret: SECRET, openPlatform: 'group1' },
        { appid: 'wx00000000000000b2', secret: 'secret-b-000000000000000000000000', openPlatform: 'group1' },
      ],
    });
    const p = m.control.recordPayment({ user: 'alice', appid: APPID });
    const token = await accessToken(m);
    const otherApps = m.control.getUser('alice', 'wx00000000000000b2')!;
    for (const openid of [undefined, 'oNoSuchUser0000000000000000A', otherApps.openid]) {
      const r = await paid(m, token, { openid, transaction_id: p.transaction_id });
      expect(r.body.errcode).toBe(40003);
      expect(r.body.errmsg).toMatch(/^invalid openid rid: /);
    }
  });

  it('89300 for no order, an unknown order, or another user\'s order', async () => {
    const m = bound();
    const alice = m.control.getUser('alice')!;
    const bob = m.control.getUser('bob')!;
    const p = m.control.recordPayment({ user: 'alice', out_trade_no: 'T1' });
    const token = await accessToken(m);
    const cases: Array<Record<string, string | undefined>> = [
      { openid: alice.openid },
      { openid: alice.openid, out_trade_no: 'T1' },
      { openid: alice.openid, transaction_id: '4200000000000000000000000000' },
      { openid: alice.openid, mch_id: '1900000109', out_trade_no: 'T2' },
      { openid: bob.openid, transaction_id: p.transaction_id },
    ];
    for (const q of cases) expect((await paid(m, token, q)).body.errcode).toBe(89300);
    expect((await paid(m, token, { openid: alice.openid, mch_id: '1900000109', out_trade_no: 'T1' })).body.errcode).toBe(0);
  });

  it('89002 when the app is bound to no open platform (its users have no unionid)', async () => {
    const m = mock();
    const alice = m.control.getUser('alice')!;
    const p = m.control.recordPayment({ user: 'alice' });
    const r = await paid(m, await accessToken(m), { openid: alice.openid, transaction_id: p.transaction_id });
    expect(r.body.errcode).toBe(89002);
    expect(r.body).not.toHaveProperty('unionid');
  });

  it('checks the access token first', async () => {
    const m = bound();
    expect((await get(m, '/wxa/getpaidunionid', { openid: 'x' })).body.errcode).toBe(41001);
    expect((await get(m, '/wxa/getpaidunionid', { access_token: 'nope', openid: 'x' })).body.errcode).toBe(40001);
  });

  it('the admin API refuses a bad payment: unknown user 404, repeated ids 409, a malformed id 400', async () => {
    const m = bound();
    expect((await post(m, '/__admin/payments', { user: 'nobody' })).status).toBe(404);
    expect((await post(m, '/__admin/payments', { user: 'alice', appid: 'wxnope' })).status).toBe(404);
    expect((await post(m, '/__admin/payments', { user: 'alice', transaction_id: '42001' })).status).toBe(201);
    const again = await post(m, '/__admin/payments', { user: 'bob', transaction_id: '42001' });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatch(/transaction_id 42001 is already recorded/);
    expect((await post(m, '/__admin/payments', { user: 'alice', mch_id: '' })).status).toBe(400);
    expect((await post(m, '/__admin/payments', { user: 'alice', out_trade_no: 'bad id' })).status).toBe(400);
  });

  it('reset forgets payments', async () => {
    const m = bound();
    const alice = m.control.getUser('alice')!;
    const p = m.control.recordPayment({ user: 'alice' });
    m.control.reset();
    const r = await paid(m, await accessToken(m), { openid: alice.openid, transaction_id: p.transaction_id });
    expect(r.body.errcode).toBe(89300);
  });

  it('a scripted fault hits the endpoint', async () => {
    const m = bound();
    m.control.addFault({ endpoint: '/wxa/getpaidunionid', kind: 'errcode', errcode: -1 });
    const r = await paid(m, await accessToken(m), { openid: 'x' });
    expect(r.body.errcode).toBe(-1);
    expect(r.body.errmsg).toMatch(/^system error rid: /);
  });
});
