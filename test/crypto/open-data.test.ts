import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  OPEN_DATA_ERRORS,
  OpenDataError,
  decryptOpenData,
  loginStateSignature,
  normalizeBase64,
  openOpenData,
  rawDataSignature,
  verifyRawDataSignature,
} from '../../src/crypto/index.js';
import { DEMO, HMAC, RAW_SIGNATURE } from './vectors.js';

// Test-side encryption, independent of src/: raw AES with a caller-chosen padding so bad paddings can be built.
function encrypt(plain: Buffer, keyB64: string, ivB64: string): string {
  const c = createCipheriv('aes-128-cbc', Buffer.from(keyB64, 'base64'), Buffer.from(ivB64, 'base64'));
  c.setAutoPadding(false);
  return Buffer.concat([c.update(plain), c.final()]).toString('base64');
}
function pkcs7(text: string, block = 16): Buffer {
  const b = Buffer.from(text, 'utf8');
  const n = block - (b.length % block);
  return Buffer.concat([b, Buffer.alloc(n, n)]);
}
function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OpenDataError);
    return (err as OpenDataError).code;
  }
  throw new Error('did not throw');
}

describe('decryptOpenData: the official demo vector (aes-sample.zip from signature.html)', () => {
  it('decrypts to exactly the documented plaintext', () => {
    const out = decryptOpenData({ ...DEMO });
    expect(out).toEqual(JSON.parse(DEMO.plaintext));
    expect(out.openId).toBe('oGZUI0egBJY1zhBYw2KhdUfwVJJE');
  });
  it('re-encrypting the plaintext with 16-byte PKCS#7 reproduces the ciphertext byte for byte', () => {
    expect(encrypt(pkcs7(DEMO.plaintext), DEMO.sessionKey, DEMO.iv)).toBe(DEMO.encryptedData);
    expect(Buffer.from(DEMO.encryptedData, 'base64').length).toBe(400);
  });
  it('checks the watermark appid', () => {
    expect(decryptOpenData({ ...DEMO, appId: DEMO.appId }).nickName).toBe('Band');
    expect(codeOf(() => decryptOpenData({ ...DEMO, appId: 'wx1234567890abcdef' }))).toBe('watermark_appid_mismatch');
  });
  it('refuses the 32-byte padded variant (strict 16-byte PKCS#7)', () => {
    const ct = encrypt(pkcs7(DEMO.plaintext, 32), DEMO.sessionKey, DEMO.iv);
    expect(Buffer.from(ct, 'base64').length).toBe(416);
    expect(codeOf(() => decryptOpenData({ ...DEMO, encryptedData: ct }))).toBe('bad_padding');
  });
  it('accepts the demo wrapped over lines, as the demo prints it', () => {
    const wrapped = DEMO.encryptedData.match(/.{1,32}/g)!.join('\n');
    expect(decryptOpenData({ ...DEMO, encryptedData: wrapped }).nickName).toBe('Band');
    expect(decryptOpenData({ ...DEMO, encryptedData: wrapped.replaceAll('\n', '\r\n') }).nickName).toBe('Band');
  });
});

describe('damaged base64: repaired only where unambiguous', () => {
  it('restores + turned into spaces by form decoding', () => {
    const spaced = DEMO.encryptedData.replaceAll('+', ' ');
    expect(spaced).not.toBe(DEMO.encryptedData);
    expect(decryptOpenData({ ...DEMO, encryptedData: spaced })).toEqual(JSON.parse(DEMO.plaintext));
    expect(decryptOpenData({ ...DEMO, iv: DEMO.iv.replaceAll('+', ' ') }).nickName).toBe('Band');
  });
  it('decodes URL-encoded +, / and =', () => {
    const enc = encodeURIComponent(DEMO.encryptedData);
    expect(enc).toMatch(/%2B/);
    expect(enc).toMatch(/%2F/);
    expect(enc).toMatch(/%3D/);
    expect(decryptOpenData({ ...DEMO, encryptedData: enc, iv: encodeURIComponent(DEMO.iv) }).nickName).toBe('Band');
    expect(decryptOpenData({ ...DEMO, encryptedData: enc.toLowerCase().replace(/[^%]/g, (c, i) => enc[i]!) }).nickName).toBe('Band');
  });
  it('refuses any other URL escape, URL-safe base64, tabs, missing padding and junk with bad_base64', () => {
    expect(codeOf(() => decryptOpenData({ ...DEMO, encryptedData: `${DEMO.encryptedData.slice(0, 8)}%41${DEMO.encryptedData.slice(8)}` }))).toBe('bad_base64');
    expect(codeOf(() => decryptOpenData({ ...DEMO, encryptedData: DEMO.encryptedData.replaceAll('+', '-').replaceAll('/', '_') }))).toBe('bad_base64');
    expect(codeOf(() => decryptOpenData({ ...DEMO, encryptedData: DEMO.encryptedData.replace('+', '\t') }))).toBe('bad_base64');
    expect(codeOf(() => decryptOpenData({ ...DEMO, encryptedData: DEMO.encryptedData.replace(/=+$/, '') }))).toBe('bad_base64');
    expect(codeOf(() => decryptOpenData({ ...DEMO, encryptedData: 'not*base64!!' }))).toBe('bad_base64');
    expect(codeOf(() => decryptOpenData({ ...DEMO, iv: 'r7BXXKkLb8qrSNn05n0qiA=?' }))).toBe('bad_base64');
    expect(codeOf(() => decryptOpenData({ ...DEMO, encryptedData: 42 as unknown as string }))).toBe('bad_base64');
    // '=' inside, three '=' at the end, and characters outside ASCII are each refused, never skipped.
    const ed = DEMO.encryptedData;
    expect(codeOf(() => decryptOpenData({ ...DEMO, encryptedData: `${ed.slice(0, 16)}=${ed.slice(17)}` }))).toBe('bad_base64');
    expect(codeOf(() => decryptOpenData({ ...DEMO, encryptedData: `${ed.slice(0, -4)}A===` }))).toBe('bad_base64');
    expect(codeOf(() => decryptOpenData({ ...DEMO, encryptedData: `${ed.slice(0, 16)}é${ed.slice(17)}` }))).toBe('bad_base64');
    expect(codeOf(() => decryptOpenData({ ...DEMO, iv: 'r7BXXKkLb8qrSNn05n0q=A==' }))).toBe('bad_base64');
  });
  it('normalizeBase64 leaves clean input alone', () => {
    expect(normalizeBase64(DEMO.encryptedData)).toBe(DEMO.encryptedData);
    expect(normalizeBase64('')).toBe('');
  });
});

describe('every refusal has its own name', () => {
  it('bad_iv: iv not 16 bytes', () => {
    expect(codeOf(() => decryptOpenData({ ...DEMO, iv: Buffer.alloc(12).toString('base64') }))).toBe('bad_iv');
    expect(codeOf(() => decryptOpenData({ ...DEMO, iv: '' }))).toBe('bad_iv');
  });
  it('bad_session_key: key not 16 bytes or not base64', () => {
    expect(codeOf(() => decryptOpenData({ ...DEMO, sessionKey: Buffer.alloc(24).toString('base64') }))).toBe('bad_session_key');
    expect(codeOf(() => decryptOpenData({ ...DEMO, sessionKey: 'tiihtNczf5v6AKRy-wEUhQ==' }))).toBe('bad_session_key');
  });
  it('bad_ciphertext: empty or not whole blocks', () => {
    expect(codeOf(() => decryptOpenData({ ...DEMO, encryptedData: '' }))).toBe('bad_ciphertext');
    expect(codeOf(() => decryptOpenData({ ...DEMO, encryptedData: Buffer.alloc(30).toString('base64') }))).toBe('bad_ciphertext');
  });
  it('bad_padding: a wrong key almost always breaks the padding', () => {
    let padding = 0;
    for (let i = 0; i < 64; i++) {
      const key = Buffer.alloc(16, i + 1).toString('base64');
      const code = codeOf(() => decryptOpenData({ ...DEMO, sessionKey: key }));
      expect(['bad_padding', 'bad_json']).toContain(code);
      if (code === 'bad_padding') padding++;
    }
    expect(padding).toBeGreaterThan(50);
    // A pad byte of 0, one above 16, and unequal pad bytes are each refused.
    for (const tail of [Buffer.from([0]), Buffer.from([17]), Buffer.from([1, 2])]) {
      const body = Buffer.concat([Buffer.from('{"a":1}'.padEnd(32 - tail.length, ' ')), tail]);
      expect(codeOf(() => decryptOpenData({ ...DEMO, encryptedData: encrypt(body, DEMO.sessionKey, DEMO.iv) }))).toBe('bad_padding');
    }
  });
  it('bad_json: valid padding around something that is not a JSON object', () => {
    for (const text of ['not json', '[1,2]', 'null', '"str"']) {
      expect(codeOf(() => decryptOpenData({ ...DEMO, encryptedData: encrypt(pkcs7(text), DEMO.sessionKey, DEMO.iv) }))).toBe('bad_json');
    }
    const badUtf8 = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const padded = Buffer.concat([badUtf8, Buffer.alloc(16 - (badUtf8.length % 16), 16 - (badUtf8.length % 16))]);
    expect(codeOf(() => decryptOpenData({ ...DEMO, encryptedData: encrypt(padded, DEMO.sessionKey, DEMO.iv) }))).toBe('bad_json');
  });
  it('watermark_appid_mismatch when the watermark is missing and an appId is required', () => {
    const ct = encrypt(pkcs7('{"openGId":"tGXVqG5IZmqkGArWBhZNJwn2NsqaQ"}'), DEMO.sessionKey, DEMO.iv);
    expect(decryptOpenData({ encryptedData: ct, iv: DEMO.iv, sessionKey: DEMO.sessionKey }).openGId).toBe('tGXVqG5IZmqkGArWBhZNJwn2NsqaQ');
    expect(codeOf(() => decryptOpenData({ ...DEMO, encryptedData: ct, appId: DEMO.appId }))).toBe('watermark_appid_mismatch');
  });
  it('every error code has a message', () => {
    for (const code of Object.keys(OPEN_DATA_ERRORS) as (keyof typeof OPEN_DATA_ERRORS)[]) {
      const e = new OpenDataError(code);
      expect(e.code).toBe(code);
      expect(e.message.length).toBeGreaterThan(5);
    }
  });
});

describe('signatures', () => {
  it('rawData signature vector (sha1(rawData + session_key))', () => {
    expect(rawDataSignature(RAW_SIGNATURE.rawData, RAW_SIGNATURE.sessionKey)).toBe(RAW_SIGNATURE.signature);
    expect(verifyRawDataSignature(RAW_SIGNATURE.rawData, RAW_SIGNATURE.sessionKey, RAW_SIGNATURE.signature)).toBe(true);
    expect(verifyRawDataSignature(RAW_SIGNATURE.rawData, RAW_SIGNATURE.sessionKey, RAW_SIGNATURE.signature.toUpperCase())).toBe(true);
    expect(verifyRawDataSignature(`${RAW_SIGNATURE.rawData} `, RAW_SIGNATURE.sessionKey, RAW_SIGNATURE.signature)).toBe(false);
    expect(verifyRawDataSignature(RAW_SIGNATURE.rawData, DEMO.sessionKey, RAW_SIGNATURE.signature)).toBe(false);
    expect(verifyRawDataSignature(RAW_SIGNATURE.rawData, RAW_SIGNATURE.sessionKey, 'abc')).toBe(false);
  });
  it('login-state HMAC vector keyed with the session_key text (the checkSessionKey page example)', () => {
    expect(loginStateSignature(HMAC.key, HMAC.message)).toBe(HMAC.hex);
    expect(loginStateSignature(HMAC.key)).toBe(HMAC.emptyHex);
    expect(loginStateSignature(HMAC.key, '')).toBe(HMAC.emptyHex);
  });
});

describe('openOpenData: the UTF-8 check reads the whole plaintext, padding included, with the same answer as the text', () => {
  const key = DEMO.sessionKey;
  const iv = DEMO.iv;
  const APP = 'wx4f4bc4dec97d474b';
  const open = (plain: Buffer) =>
    openOpenData({ data: Buffer.from(encrypt(plain, key, iv), 'base64'), iv: Buffer.from(iv, 'base64'), sessionKey: key, appId: APP });
  const json = (nick: string) => JSON.stringify({ nickName: nick, watermark: { appid: APP, timestamp: 1 } });

  it('accepts text with multi-byte characters, whatever the padding length', () => {
    // Names of 1 to 16 characters move the end of the text through every position in the last block.
    for (let n = 1; n <= 16; n++) {
      const nick = '微信用户小明晓雨子涵安琪阿强'.repeat(2).slice(0, n);
      expect(open(pkcs7(json(nick)))?.nickName, `${n} characters`).toBe(nick);
    }
  });

  it('refuses text that is not UTF-8 although its padding holds', () => {
    const bytes = Buffer.from(json('ab'), 'utf8');
    bytes[bytes.indexOf('a'.charCodeAt(0))] = 0xff; // not a UTF-8 byte, inside the string
    const n = 16 - (bytes.length % 16);
    expect(open(Buffer.concat([bytes, Buffer.alloc(n, n)]))).toBeUndefined();
  });

  it('refuses text that ends inside a multi-byte character: the padding bytes cannot complete it', () => {
    // '}' replaced by the first two bytes of 用 (e7 94 a8): the text is cut inside a character, then padded.
    const text = Buffer.from(json('ab'), 'utf8');
    for (let cut = 1; cut <= 2; cut++) {
      const bytes = Buffer.concat([text.subarray(0, text.length - 1), Buffer.from([0xe7, 0x94, 0xa8]).subarray(0, cut)]);
      const n = 16 - (bytes.length % 16);
      expect(open(Buffer.concat([bytes, Buffer.alloc(n, n)])), `${cut} of 3 bytes`).toBeUndefined();
    }
  });
});
