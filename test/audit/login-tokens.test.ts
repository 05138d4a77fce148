import { createHash, createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginChecks } from '../../src/audit/checks/login.js';
import { tokenChecks } from '../../src/audit/checks/tokens.js';
import { runAudit } from '../../src/audit/runner.js';
import { findDerivation, preimages, tokenDecodings, tokenShape, type DerivationInputs } from '../../src/audit/token-derivation.js';
import type { CheckResult } from '../../src/audit/types.js';
import { auditTarget, type AuditTarget } from './helpers.js';

const md5 = (s: string) => createHash('md5').update(s);
const sha = (algo: string, s: string) => createHash(algo).update(s);

describe('token derivation', () => {
  const now = 1_760_000_000_123;
  const inputs: DerivationInputs = {
    sessionKey: randomBytes(16).toString('base64'),
    openid: 'oAbCdEfGhIjKlMnOpQrStUvWxYz0',
    unionid: 'oUnIoNiD0123456789abcdefghij',
    code: '0a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P',
    startedAt: now,
    endedAt: now + 12,
  };
  const secs = Math.floor((now + 5) / 1000);

  it.each([
    ['md5(session_key + unix seconds) hex', md5(inputs.sessionKey + secs).digest('hex')],
    ['sha256(openid) base64', sha('sha256', inputs.openid).digest('base64')],
    ["sha1(openid + ':' + session_key) HEX", sha('sha1', `${inputs.openid}:${inputs.sessionKey}`).digest('hex').toUpperCase()],
    ["sha512(unix ms + '|' + code) base64url", sha('sha512', `${now + 7}|${inputs.code}`).digest('base64url')],
    ["md5(unix seconds + '_' + unionid) hex", md5(`${secs - 2}_${inputs.unionid}`).digest('hex')],
    ['sha256(openid + session_key) hex', sha('sha256', inputs.openid + inputs.sessionKey).digest('hex')],
    ['HMAC-SHA256(key = session_key, openid) base64url', createHmac('sha256', inputs.sessionKey).update(inputs.openid).digest('base64url')],
    ['HMAC-SHA256(key = session_key bytes, openid) hex', createHmac('sha256', Buffer.from(inputs.sessionKey, 'base64')).update(inputs.openid).digest('hex')],
    ['the session_key itself', inputs.sessionKey],
    ['the openid itself', inputs.openid],
  ])('finds %s', (recipe, token) => {
    expect(findDerivation(token, inputs)?.recipe).toBe(recipe);
  });

  it('finds a JWT whose payload carries the session_key', () => {
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const jwt = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ openid: inputs.openid, session_key: inputs.sessionKey })}.${randomBytes(32).toString('base64url')}`;
    expect(findDerivation(jwt, inputs)?.recipe).toMatch(/^a JWT whose payload carries the session_key/);
    const clean = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ openid: inputs.openid, sid: 'x' })}.${randomBytes(32).toString('base64url')}`;
    expect(findDerivation(clean, inputs)).toBeUndefined();
  });

  it('does not flag random tokens', () => {
    for (let i = 0; i < 5; i++) {
      expect(findDerivation(randomBytes(32).toString('base64url'), inputs)).toBeUndefined();
      expect(findDerivation(randomBytes(32).toString('hex'), inputs)).toBeUndefined();
      expect(findDerivation(randomBytes(16).toString('hex'), inputs)).toBeUndefined();
    }
  });

  it('does not look beyond the time window', () => {
    expect(findDerivation(md5(inputs.sessionKey + (secs + 10)).digest('hex'), inputs)).toBeUndefined();
  });

  it('keeps to a few thousand candidates', () => {
    const n = preimages(inputs).length;
    expect(n).toBeGreaterThan(1000);
    expect(n).toBeLessThan(10_000);
  });

  it('decodes only digest-sized tokens', () => {
    expect(tokenDecodings('ab'.repeat(16)).map((d) => d.encoding)).toContain('hex');
    expect(tokenDecodings(randomBytes(32).toString('base64url')).map((d) => d.bytes.length)).toEqual([32]);
    expect(tokenDecodings('short')).toEqual([]);
  });

  it('judges a token by length × log2(alphabet)', () => {
    expect(tokenShape(randomBytes(32).toString('base64url').replace(/[-_]/g, 'A'))).toMatchObject({ length: 43, alphabetSize: 62 });
    expect(tokenShape('ab'.repeat(16))).toMatchObject({ alphabet: 'hex', bits: 128 });
    expect(tokenShape('1234567890')).toMatchObject({ alphabet: 'digits', bits: 33 });
    expect(tokenShape('JBSWY3DPEHPK3PXP')).toMatchObject({ alphabet: 'base32', bits: 80 });
    expect(tokenShape('a+b/c=')).toMatchObject({ alphabet: 'base64', length: 5 });
    const jwt = tokenShape('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl');
    expect(jwt.jwt).toBe(true);
    expect(jwt.alphabetSize).toBe(64);
    // Tokens of one backend share an alphabet: one that happens to lack '-' and '_' is still base64url.
    expect(tokenShape('A'.repeat(43), ['A'.repeat(43), `${'A'.repeat(42)}_`])).toMatchObject({ alphabet: 'base64url', bits: 258 });
  });
});

const CHECKS = [...loginChecks, ...tokenChecks];
const BUDGET = 20;

describe.each(['reference', 'weak'] as const)('login and tokens groups against the %s backend', (kind) => {
  let t: AuditTarget;
  let results: Map<string, CheckResult>;
  let logins = 0;
  beforeAll(async () => {
    t = await auditTarget(kind);
    const report = await runAudit({ ctx: t.ctx, checks: CHECKS });
    results = new Map(report.results.map((r) => [r.id, r]));
    logins = t.ctx.seen.answers.filter((a) => a.where === 'login').length;
  }, 30_000);
  afterAll(() => t.close());

  const expected: Record<string, 'pass' | 'fail' | 'na'> =
    kind === 'reference'
      ? Object.fromEntries(CHECKS.map((c) => [c.id, 'pass']))
      : {
          ...Object.fromEntries(CHECKS.map((c) => [c.id, 'pass'])),
          'login.concurrent-code': 'fail',
          'tokens.not-derived': 'fail',
          'tokens.not-in-query': 'fail',
          'tokens.logout-revokes': 'na',
        };

  it.each(CHECKS.map((c) => c.id))('%s', (id) => {
    const r = results.get(id)!;
    expect(r, id).toBeDefined();
    expect(r.outcome, `${id}: ${r.detail} ${JSON.stringify(r.evidence)}`).toBe(expected[id]);
    if (r.outcome === 'fail') {
      expect(r.evidence.length).toBeGreaterThan(0);
      expect(r.hint).toBeTruthy();
    }
  });

  it(`stays within the login budget of ${BUDGET}`, () => {
    expect(logins).toBeLessThanOrEqual(BUDGET);
  });

  it('masks tokens, codes and session keys in evidence', () => {
    const shown = JSON.stringify([...results.values()].map((r) => [r.detail, r.evidence]));
    for (const tok of t.ctx.seen.tokens) expect(shown).not.toContain(tok);
    for (const c of t.ctx.seen.codes) expect(shown).not.toContain(c);
    for (const k of t.ctx.seen.sessionKeys) expect(shown).not.toContain(k);
  });

  if (kind === 'weak') {
    it('names the weak token recipe and the cause', () => {
      const r = results.get('tokens.not-derived')!;
      expect(r.detail).toContain('md5(session_key + unix seconds) hex');
      expect(r.evidence[0]!.note).toContain('md5(session_key + unix seconds) hex');
      expect(r.hint).toMatch(/CSPRNG/);
    });
    it('shows the query token accepted', () => {
      const r = results.get('tokens.not-in-query')!;
      expect(r.detail).toContain('?token=');
      expect(r.detail).not.toContain('?access_token=');
      expect(r.evidence[0]!.request).toMatch(/^GET \/me\?token=\w{6}\*\*\*/);
    });
    it('counts every exchange of the concurrent code', () => {
      const r = results.get('login.concurrent-code')!;
      expect(r.detail).toMatch(/^5 code2Session exchanges/);
      expect(r.evidence[0]!.note).toContain('40163');
    });
    it('says why logout is not applicable', () => {
      expect(results.get('tokens.logout-revokes')!.detail).toContain('no logout step');
    });
  }
});

describe('checks run alone (--only) still set up what they need', () => {
  let t: AuditTarget;
  beforeAll(async () => {
    t = await auditTarget('reference');
  });
  afterAll(() => t.close());
  it.each(['login.replay-errcode', 'tokens.cross-user', 'tokens.logout-revokes'])('%s', async (id) => {
    const check = CHECKS.find((c) => c.id === id)!;
    const report = await runAudit({ ctx: t.ctx, checks: [check] });
    expect(report.results[0]!.outcome, report.results[0]!.detail).toBe('pass');
  });
});

describe('contract variants', () => {
  it('a query token is not applicable when the contract puts the token in the body', async () => {
    const t = await auditTarget('reference', { contract: { tokenIn: 'body' } });
    try {
      const check = tokenChecks.find((c) => c.id === 'tokens.not-in-query')!;
      const report = await runAudit({ ctx: t.ctx, checks: [check] });
      expect(report.results[0]!.outcome).toBe('na');
      expect(report.results[0]!.detail).toContain('contract');
    } finally {
      await t.close();
    }
  });
  it('the reference with ?token= allowed fails tokens.not-in-query', async () => {
    const t = await auditTarget('reference', { backend: { allowQueryToken: true } });
    try {
      const check = tokenChecks.find((c) => c.id === 'tokens.not-in-query')!;
      const report = await runAudit({ ctx: t.ctx, checks: [check] });
      expect(report.results[0]!.outcome).toBe('fail');
    } finally {
      await t.close();
    }
  });
});
