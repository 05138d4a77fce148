import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { APPID, RID_RE, SECRET, T0, accessToken, loginAndExchange, mock, post, type Mock } from './helpers.js';
import type { MockOptions } from '../../mock-wechat/index.js';

const URL = '/wxa/business/checkencryptedmsg';
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

async function check(m: Mock, token: string | undefined, body: unknown) {
  return post(m, token === undefined ? URL : `${URL}?access_token=${token}`, body);
}

/** Phone-number data from the button, as the backend receives it. */
async function phoneData(m: Mock, user = 'alice', appid?: string) {
  await loginAndExchange(m, user, appid);
  const r = m.control.client.getPhoneNumber(appid ? { user, appid } : { user });
  expect(r.errMsg).toBe('getPhoneNumber:ok');
  return r.encryptedData!;
}

describe('checkEncryptedData: POST /wxa/business/checkencryptedmsg', () => {
  it('knows phone-number data it issued: vaild (sic) and create_time, by the SHA-256 of the base64 text by default', async () => {
    const m = mock();
    m.control.advanceClock(7);
    const data = await phoneData(m);
    const token = await accessToken(m);
    const r = await check(m, token, { encrypted_msg_hash: sha256(data) });
    expect(r.body).toEqual({ errcode: 0, errmsg: 'ok', vaild: true, create_time: T0 / 1000 + 7 });
    // Upper-case hex is the same hash.
    expect((await check(m, token, { encrypted_msg_hash: sha256(data).toUpperCase() })).body.errcode).toBe(0);
    // The other reading (the decoded bytes) is not what the default setting hashes.
    expect((await check(m, token, { encrypted_msg_hash: sha256(Buffer.from(data, 'base64')) })).body.errcode).toBe(1);
  });

  it('encryptedMsgHash "bytes" hashes the decoded ciphertext instead', async () => {
    const m = mock({ encryptedMsgHash: 'bytes' } as MockOptions);
    const data = await phoneData(m);
    const token = await accessToken(m);
    expect((await check(m, token, { encrypted_msg_hash: sha256(Buffer.from(data, 'base64')) })).body.errcode).toBe(0);
    expect((await check(m, token, { encrypted_msg_hash: sha256(data) })).body.errcode).toBe(1);
  });

  it('a bad encryptedMsgHash setting is refused at build', () => {
    expect(() => mock({ encryptedMsgHash: 'hex' } as unknown as MockOptions)).toThrow(/encryptedMsgHash must be "base64" or "bytes", got "hex"/);
  });

  it('data lives 3 days: at 3 days less 1 ms yes, at 3 days errcode 1', async () => {
    const m = mock();
    const data = await phoneData(m);
    m.control.advanceClock(3 * 86_400 - 0.001);
    const token = await accessToken(m);
    expect((await check(m, token, { encrypted_msg_hash: sha256(data) })).body.errcode).toBe(0);
    m.control.advanceClock(0.001);
    const gone = await check(m, token, { encrypted_msg_hash: sha256(data) });
    expect(gone.body.errcode).toBe(1);
    expect(RID_RE.exec(gone.body.errmsg)![1]).toBe('data not exit');
  });

  it('errcode 1 for data never issued, another app\'s, or not phone data (the only kind the API checks)', async () => {
    const B = 'wx00000000000000b2';
    const m = mock({ apps: [{ appid: APPID, secret: SECRET }, { appid: B, secret: 'secret-b-000000000000000000000000' }] });
    const token = await accessToken(m);
    const other = await phoneData(m, 'bob', B);
    await loginAndExchange(m, 'alice', APPID);
    const info = m.control.client.getUserInfo({ user: 'alice', appid: APPID }).encryptedData!;
    for (const h of ['0'.repeat(64), sha256(other), sha256(info)]) {
      expect((await check(m, token, { encrypted_msg_hash: h })).body.errcode).toBe(1);
    }
    const tokenB = await accessToken(m, B, 'secret-b-000000000000000000000000');
    expect((await check(m, tokenB, { encrypted_msg_hash: sha256(other) })).body.errcode).toBe(0);
  });

  it('checks the token, then the body: 44002 empty, 47001 not JSON or no hash, 40097 not a hex SHA-256, 43002 on GET', async () => {
    const m = mock();
    expect((await check(m, undefined, { encrypted_msg_hash: '0'.repeat(64) })).body.errcode).toBe(41001);
    const token = await accessToken(m);
    expect((await check(m, token, '')).body.errcode).toBe(44002);
    expect((await check(m, token, '{nope')).body.errcode).toBe(47001);
    expect((await check(m, token, {})).body.errcode).toBe(47001);
    expect((await check(m, token, { encrypted_msg_hash: 'abc' })).body.errcode).toBe(40097);
    expect((await check(m, token, { encrypted_msg_hash: 12 })).body.errcode).toBe(40097);
    const getR = await m.app.inject({ method: 'GET', url: `${URL}?access_token=${token}` });
    expect(getR.json().errcode).toBe(43002);
  });

  it('reset forgets issued data; a scripted fault hits the endpoint', async () => {
    const m = mock();
    const data = await phoneData(m);
    m.control.reset();
    const token = await accessToken(m);
    expect((await check(m, token, { encrypted_msg_hash: sha256(data) })).body.errcode).toBe(1);
    m.control.addFault({ endpoint: URL, kind: 'errcode', errcode: -1 });
    const r = await check(m, token, { encrypted_msg_hash: sha256(data) });
    expect(r.body.errcode).toBe(-1);
    expect(r.body.errmsg).toMatch(RID_RE);
  });
});
