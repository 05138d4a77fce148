// The CBC-R forgery against an in-process padding oracle (a known key, node:crypto): proven correct without HTTP.
// Also the answer comparison and the timing statistics the padding-oracle check decides with.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  compareTiming,
  decryptBlockByOracle,
  forgeCbcR,
  mannWhitney,
  normaliseText,
  pkcs7,
  telltale,
  type PaddingOracle,
} from '../../src/audit/oracle.js';

const KEY = randomBytes(16);

/** A backend that tells bad padding apart, as the weak one does (its exception text). */
function localOracle(key = KEY) {
  let queries = 0;
  const oracle: PaddingOracle = async (iv, ct) => {
    queries++;
    const d = createDecipheriv('aes-128-cbc', key, iv);
    try {
      Buffer.concat([d.update(ct), d.final()]);
      return { kind: 'valid-padding' };
    } catch {
      return { kind: 'bad-padding' };
    }
  };
  return { oracle, queries: () => queries };
}

const decrypt = (iv: Buffer, ct: Buffer, key = KEY) => {
  const d = createDecipheriv('aes-128-cbc', key, iv);
  return Buffer.concat([d.update(ct), d.final()]);
};

/** D_K(block), the raw block decryption. */
const rawDecrypt = (block: Buffer, key = KEY) => {
  const d = createDecipheriv('aes-128-ecb', key, null);
  d.setAutoPadding(false);
  return Buffer.concat([d.update(block), d.final()]);
};

const far = () => performance.now() + 60_000;

describe('CBC-R forgery', () => {
  it('forges a ciphertext that decrypts under the key to the chosen plaintext, from the oracle alone', async () => {
    const { oracle, queries } = localOracle();
    const plaintext = Buffer.from('{"nickName":"forged by wxlogin audit","openId":"oAbCdEfGhIjKlMnOpQrStUvWxYz0"}');
    const r = await forgeCbcR(plaintext, oracle, { queryCap: 100_000, deadline: far(), parallel: 8 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(decrypt(r.iv, r.ciphertext).toString()).toBe(plaintext.toString());
    expect(r.queries).toBe(queries());
    const blocks = pkcs7(plaintext).length / 16;
    // About 128 per byte on average; far below 256 per byte.
    expect(r.queries).toBeLessThan(blocks * 16 * 256);
  });

  it('works one query at a time and for a plaintext of a whole number of blocks', async () => {
    const { oracle } = localOracle();
    const plaintext = Buffer.from('0123456789abcdef'); // one block, then a whole block of padding
    const r = await forgeCbcR(plaintext, oracle, { queryCap: 100_000, deadline: far() });
    expect(r.ok && decrypt(r.iv, r.ciphertext).equals(plaintext)).toBe(true);
  });

  it('tells the real ..01 padding from a ..02 02 false positive on the last byte', async () => {
    // Choose the block and the iv prefix so that byte 14 decrypts to 0x02: then two guesses for byte 15 pass the
    // padding check, and the one giving 0x02 comes first in guessing order.
    for (let attempt = 0; attempt < 200; attempt++) {
      const block = randomBytes(16);
      const inter = rawDecrypt(block);
      const fake = inter[15]! ^ 2;
      const real = inter[15]! ^ 1;
      if (fake >= real) continue;
      const prefix = randomBytes(16);
      prefix[14] = inter[14]! ^ 2;
      const randoms = [prefix];
      const { oracle } = localOracle();
      const got = await decryptBlockByOracle(block, oracle, {
        queryCap: 10_000,
        deadline: far(),
        parallel: 1,
        random: () => Buffer.from(randoms.shift() ?? randomBytes(16)),
      });
      expect(got.equals(inter)).toBe(true);
      return;
    }
    throw new Error('no suitable block found');
  });

  it('stops at the query cap and says so', async () => {
    const { oracle, queries } = localOracle();
    const r = await forgeCbcR(Buffer.from('{"a":1}'), oracle, { queryCap: 300, deadline: far(), parallel: 8 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.why).toMatch(/query cap was reached/);
    expect(r.queries).toBeLessThanOrEqual(300);
    expect(queries()).toBeLessThanOrEqual(300);
  });

  it('stops at the deadline', async () => {
    const { oracle } = localOracle();
    const r = await forgeCbcR(Buffer.from('{"a":1}'), oracle, { queryCap: 100_000, deadline: performance.now() - 1 });
    expect(r).toMatchObject({ ok: false, queries: 0 });
    if (!r.ok) expect(r.why).toMatch(/time cap/);
  });

  it('stops on an answer that is neither (a revoked token) and reports why', async () => {
    const { oracle } = localOracle();
    let n = 0;
    const revoking: PaddingOracle = async (iv, ct) => (++n > 50 ? { kind: 'other', why: 'HTTP 401: token revoked' } : oracle(iv, ct));
    const r = await forgeCbcR(Buffer.from('{"a":1}'), revoking, { queryCap: 100_000, deadline: far(), parallel: 4 });
    expect(r).toMatchObject({ ok: false, why: 'HTTP 401: token revoked' });
  });

  it('stops when the answers are not a padding oracle at all', async () => {
    const never: PaddingOracle = async () => ({ kind: 'bad-padding' });
    const r = await forgeCbcR(Buffer.from('{"a":1}'), never, { queryCap: 100_000, deadline: far(), parallel: 16 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.why).toMatch(/not a consistent padding oracle/);
  });

  it('the forged data is what a strict decryptor accepts as JSON', async () => {
    const { oracle } = localOracle();
    const want = { nickName: 'x', openId: 'o1' };
    const r = await forgeCbcR(Buffer.from(JSON.stringify(want)), oracle, { queryCap: 100_000, deadline: far(), parallel: 16 });
    expect(r.ok).toBe(true);
    if (r.ok) expect(JSON.parse(decrypt(r.iv, r.ciphertext).toString())).toEqual(want);
    // And an honest encryption of the same text is of the same length.
    const c = createCipheriv('aes-128-cbc', KEY, randomBytes(16));
    const honest = Buffer.concat([c.update(JSON.stringify(want)), c.final()]);
    if (r.ok) expect(r.ciphertext.length).toBe(honest.length);
  });
});

describe('answer comparison', () => {
  const a = (status: number, text: string, code?: number, error?: string) => ({ status, text, code, error });

  it('finds the weak backend kind of difference: one exception text for bad padding, varying ones otherwise', () => {
    const bad = [1, 2, 3, 4].map(() => a(400, '{"code":400,"msg":"decrypt failed: error:1C800064:Provider routines::bad decrypt"}', 400));
    const other = ['\\u0000', 'x', 'ÿ'].map((t) => a(400, `{"code":400,"msg":"decrypt failed: Unexpected token '${t}', is not valid JSON"}`, 400));
    expect(telltale(bad, other)).toMatchObject({ level: 'fine', side: 'x' });
  });

  it('finds a status difference', () => {
    expect(telltale([a(400, 'x'), a(400, 'x')], [a(500, 'x'), a(500, 'x')])).toMatchObject({ level: 'coarse' });
  });

  it('sees no difference in identical answers', () => {
    const same = a(400, '{"code":204,"msg":"the encrypted data could not be decrypted","error":"decrypt_failed","data":null}', 204, 'decrypt_failed');
    expect(telltale([same, same, same], [same, same])).toBeUndefined();
  });

  it('does not take per-request ids for a difference', () => {
    const withId = () => a(400, `{"error":"bad","requestId":"${randomBytes(12).toString('hex')}","at":"${new Date().toISOString()}"}`);
    expect(telltale([withId(), withId(), withId()], [withId(), withId(), withId()])).toBeUndefined();
    // Unnormalisable per-request noise (every answer unique) is no typical answer either.
    const noisy = () => a(400, `{"error":"bad","n":${Math.random()}}`);
    expect(telltale([noisy(), noisy(), noisy()], [noisy(), noisy(), noisy()])).toBeUndefined();
  });

  it('keeps words and short numbers', () => {
    expect(normaliseText('decrypt failed: bad decrypt at 12')).toBe('decrypt failed: bad decrypt at 12');
    expect(normaliseText('id 0123456789abcdef0123 at 2024-01-02T03:04:05.678Z')).toBe('id <hex> at <time>');
  });
});

describe('timing statistics', () => {
  it('Mann-Whitney: no difference between samples of one distribution, a clear one between shifted ones', () => {
    const x = [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23];
    const y = [2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24];
    expect(mannWhitney(x, y).p).toBeGreaterThan(0.5);
    const far = x.map((v) => v + 100);
    expect(mannWhitney(x, far).p).toBeLessThan(0.001);
  });

  it('flags only a large and significant difference', () => {
    const base = [1.0, 1.1, 0.9, 1.2, 1.05, 0.95, 1.3, 1.0, 1.1, 0.98, 1.02, 1.15];
    // Significant but tiny (0.3 ms): not a finding on localhost.
    expect(compareTiming(base, base.map((v) => v + 0.3))?.leaks).toBe(false);
    // Large and significant: a finding.
    expect(compareTiming(base, base.map((v) => v + 5))?.leaks).toBe(true);
    // Large but one outlier only: not significant.
    expect(compareTiming(base, [...base.slice(1), 50])?.leaks).toBe(false);
    // Too few samples: no verdict.
    expect(compareTiming(base.slice(0, 3), base.slice(0, 3))).toBeUndefined();
  });
});
