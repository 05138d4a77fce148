import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, run } from './helpers.js';

// The official decrypt demo vector (aes-sample.zip from WeChat's signature page) and the rawData and login-state
// signature vectors.
const KEY = 'tiihtNczf5v6AKRyjwEUhQ==';
const IV = 'r7BXXKkLb8qrSNn05n0qiA==';
const APPID = 'wx4f4bc4dec97d474b';
const DATA =
  'CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4lGOETKUQz6OYStslQ142dNCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6/1Xx1COxFvrc2d7UL/lmHInNlxuacJXwu0fjpXfz/YqYzBIBzD6WUfTIF9GRHpOn/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4PC7E/r7Z6xNrXd2UIeorGj5Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7XjfhQlVsAJdNiKdYmYVoKlaRv85IfVunYzO0IKXsyl7JCUjCpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuyDb/XcxxmK01EpqOyuxINew==';
const PLAIN =
  '{"openId":"oGZUI0egBJY1zhBYw2KhdUfwVJJE","nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong","country":"CN","avatarUrl":"http://wx.qlogo.cn/mmopen/vi_32/aSKcBBPpibyKNicHNTMM0qJVh8Kjgiak2AHWr8MHM4WgMEm7GFhsf8OYrySdbvAMvTsw3mo8ibKicsnfN5pRjl1p8HQ/0","unionId":"ocMvos6NjeKLIBqg5Mr9QjxrP1FA","watermark":{"timestamp":1477314187,"appid":"wx4f4bc4dec97d474b"}}';

beforeAll(() => ensureBuilt());

describe('wxlogin decrypt', () => {
  it('prints the plaintext of the official vector and exits 0', async () => {
    const r = await run(['decrypt', '--session-key', KEY, '--iv', IV, '--data', DATA, '--appid', APPID]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(PLAIN));
    expect(r.stderr).toBe('');
  });

  it('--json wraps it as {ok, plaintext}', async () => {
    const r = await run(['--json', 'decrypt', '--session-key', KEY, '--iv', IV, '--data', DATA]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ok: true, plaintext: JSON.parse(PLAIN) });
  });

  it('a wrong key exits 1 with one line naming bad_padding', async () => {
    const r = await run(['decrypt', '--session-key', 'HyVFkGl5F5OQWJZZaNzBBg==', '--iv', IV, '--data', DATA]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^wxlogin: error: bad_padding: .*wrong or stale session_key/);
    expect(r.stderr).not.toMatch(/\bat /); // no stack without --verbose
  });

  it('another appid exits 1 naming watermark_appid_mismatch, in --json too', async () => {
    const r = await run(['--json', 'decrypt', '--session-key', KEY, '--iv', IV, '--data', DATA, '--appid', 'wx1234567890abcdef']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ ok: false, code: 'watermark_appid_mismatch' });
    expect(out.error).toContain(APPID);
  });

  it('non-JSON plaintext exits 1 naming bad_json', async () => {
    // Flipping a bit of the first block garbles it but leaves the padding (last block) intact.
    const tampered = Buffer.from(DATA, 'base64');
    tampered[2] = tampered[2]! ^ 0x40;
    const r = await run(['decrypt', '--session-key', KEY, '--iv', IV, '--data', tampered.toString('base64')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad_json: decrypted data is not a JSON object/);
  });

  it('reads --data from a file (@path) or stdin (-), wrapped over lines as the official demo prints it', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const wrapped = DATA.replace(/(.{32})/g, '$1\n');
    const file = join(mkdtempSync(join(tmpdir(), 'wxlogin-data-')), 'data.txt');
    writeFileSync(file, wrapped);
    const a = await run(['decrypt', '--session-key', KEY, '--iv', IV, '--data', `@${file}`, '--appid', APPID]);
    expect(a.code, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout)).toEqual(JSON.parse(PLAIN));
    const b = await run(['decrypt', '--session-key', KEY, '--iv', IV, '--data', '-'], { input: wrapped });
    expect(b.code, b.stderr).toBe(0);
    expect(JSON.parse(b.stdout)).toEqual(JSON.parse(PLAIN));
    const c = await run(['decrypt', '--session-key', KEY, '--iv', IV, '--data', '@/nonexistent/data.txt']);
    expect(c.code).toBe(1);
    expect(c.stderr).toBe('wxlogin: error: cannot read /nonexistent/data.txt: ENOENT\n');
  });

  it('--verbose adds the stack', async () => {
    const r = await run(['--verbose', 'decrypt', '--session-key', 'HyVFkGl5F5OQWJZZaNzBBg==', '--iv', IV, '--data', DATA]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\n.*at /);
  });

  it('a missing option is a usage error, exit 2', async () => {
    const r = await run(['decrypt', '--iv', IV]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/required option '--session-key <key>'/);
  });
});

describe('wxlogin encrypt', () => {
  it('reproduces the official ciphertext byte for byte, adding the watermark', async () => {
    const payload = JSON.parse(PLAIN);
    delete payload.watermark;
    const r = await run(['encrypt', '--session-key', KEY, '--iv', IV, '--data', JSON.stringify(payload), '--appid', APPID, '--timestamp', '1477314187']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${DATA}\n`);
  });

  it('--json reports encryptedData, iv and the plaintext', async () => {
    const r = await run(['--json', 'encrypt', '--session-key', KEY, '--iv', IV, '--data', '{"openGId":"tG1"}']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ ok: true, iv: IV, plaintext: '{"openGId":"tG1"}' });
    const back = await run(['decrypt', '--session-key', KEY, '--iv', IV, '--data', out.encryptedData]);
    expect(JSON.parse(back.stdout)).toEqual({ openGId: 'tG1' });
  });

  it('refuses a bad key and non-object data with exit 1', async () => {
    const a = await run(['encrypt', '--session-key', 'abc', '--iv', IV, '--data', '{}']);
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/bad_session_key/);
    const b = await run(['encrypt', '--session-key', KEY, '--iv', IV, '--data', '[1]']);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/bad_json: --data must be a JSON object/);
  });
});

describe('wxlogin sign', () => {
  it('rawData sha1 matches the documented vector', async () => {
    const raw =
      '{"nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong","country":"CN","avatarUrl":"http://wx.qlogo.cn/mmopen/vi_32/1vZvI39NWFQ9XM4LtQpFrQJ1xlgZxx3w7bQxKARol6503Iuswjjn6nIGBiaycAjAtpujxyzYsrztuuICqIM5ibXQ/0"}';
    const r = await run(['sign', '--session-key', 'HyVFkGl5F5OQWJZZaNzBBg==', '--raw-data', raw]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('75e81ceda165f4ffa64f4068af58c64b8f54b88c\n');
  });

  it('--checksession and --body give the documented hmac_sha256 values', async () => {
    const a = await run(['--json', 'sign', '--session-key', 'o0q0otL8aEzpcZL/FT9WsQ==', '--checksession']);
    expect(JSON.parse(a.stdout)).toEqual({
      ok: true,
      method: 'hmac_sha256',
      signature: '46e043c5525c2d817c44be603d30837a808a1d930d038f6fdc3e62a201fed128',
    });
    const b = await run(['sign', '--session-key', 'o0q0otL8aEzpcZL/FT9WsQ==', '--body', '{"foo":"bar"}']);
    expect(b.stdout).toBe('654571f79995b2ce1e149e53c0a33dc39c0a74090db514261454e8dbe432aa0b\n');
  });

  it('needs exactly one thing to sign (exit 2)', async () => {
    const r = await run(['sign', '--session-key', 'o0q0otL8aEzpcZL/FT9WsQ==']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/exactly one of --raw-data, --checksession or --body/);
  });
});
