import { createDecipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encryptOpenData, loginStateSignature, rawDataSignature } from '../../mock-wechat/crypto.js';
import { LOGIN_STATE_HMAC, OFFICIAL_DEMO, RAW_DATA_SIGNATURE } from './vectors.js';

describe('mock-wechat crypto: known-answer vectors', () => {
  it('re-encrypts the official demo plaintext to the official ciphertext byte for byte', () => {
    const out = encryptOpenData(OFFICIAL_DEMO.plaintext, OFFICIAL_DEMO.sessionKey, OFFICIAL_DEMO.iv);
    expect(out).toBe(OFFICIAL_DEMO.encryptedData);
    expect(Buffer.from(out, 'base64').length).toBe(400);
  });

  it('pads with standard 16-byte PKCS#7 (seven 0x07 bytes for the 393-byte demo plaintext)', () => {
    const key = Buffer.from(OFFICIAL_DEMO.sessionKey, 'base64');
    const d = createDecipheriv('aes-128-cbc', key, Buffer.from(OFFICIAL_DEMO.iv, 'base64'));
    d.setAutoPadding(false);
    const raw = Buffer.concat([d.update(Buffer.from(OFFICIAL_DEMO.encryptedData, 'base64')), d.final()]);
    expect(Buffer.byteLength(OFFICIAL_DEMO.plaintext)).toBe(393);
    expect([...raw.subarray(393)]).toEqual([7, 7, 7, 7, 7, 7, 7]);
  });

  it('rejects keys and ivs that do not decode to 16 bytes', () => {
    expect(() => encryptOpenData('{}', 'c2hvcnQ=', OFFICIAL_DEMO.iv)).toThrow(/16 bytes/);
    expect(() => encryptOpenData('{}', OFFICIAL_DEMO.sessionKey, 'c2hvcnQ=')).toThrow(/16 bytes/);
  });

  it('computes the documented rawData sha1 signature', () => {
    expect(rawDataSignature(RAW_DATA_SIGNATURE.rawData, RAW_DATA_SIGNATURE.sessionKey)).toBe(RAW_DATA_SIGNATURE.signature);
  });

  it('computes the documented login-state hmac_sha256 keyed by the session_key text', () => {
    expect(loginStateSignature(LOGIN_STATE_HMAC.sessionKey, LOGIN_STATE_HMAC.body)).toBe(LOGIN_STATE_HMAC.signature);
    expect(loginStateSignature(LOGIN_STATE_HMAC.sessionKey)).toBe(LOGIN_STATE_HMAC.emptyBodySignature);
    expect(loginStateSignature(LOGIN_STATE_HMAC.sessionKey, '')).toBe(LOGIN_STATE_HMAC.emptyBodySignature);
  });
});
