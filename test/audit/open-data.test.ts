// The open-data group against the reference backend (every check passes, --prove finds nothing to forge with) and
// the weak one (no watermark check, no rawData signature check, a padding oracle that --prove turns into a forgery).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataChecks } from '../../src/audit/checks/open-data.js';
import { runAudit } from '../../src/audit/runner.js';
import type { CheckResult } from '../../src/audit/types.js';
import { auditTarget, type AuditTarget } from './helpers.js';

const PROVE = { queryCap: 60_000, secondsCap: 90 };

async function runGroup(t: AuditTarget) {
  const report = await runAudit({ ctx: t.ctx, checks: openDataChecks });
  const byId = new Map(report.results.map((r) => [r.id, r]));
  const logins = t.ctx.seen.answers.filter((a) => a.where === 'login').length;
  return { report, byId, logins };
}

const show = (r: CheckResult | undefined) => JSON.stringify(r, null, 2);

describe('open data against the reference backend', () => {
  let t: AuditTarget;
  let run: Awaited<ReturnType<typeof runGroup>>;
  beforeAll(async () => {
    t = await auditTarget('reference', { ctx: { prove: PROVE } });
    run = await runGroup(t);
  }, 60_000);
  afterAll(() => t?.close());

  it.each(openDataChecks.map((c) => c.id))('%s passes', (id) => {
    const r = run.byId.get(id);
    expect(r?.outcome, show(r)).toBe('pass');
  });

  it('stays within the group login budget (12)', () => {
    expect(run.logins).toBeLessThanOrEqual(12);
  });

  it('finds identical answers to bad padding and bad content', () => {
    expect(run.byId.get('open-data.padding-oracle')?.detail).toMatch(/identical answers/);
  });

  it('says the backend keeps the previous key for a grace period', () => {
    expect(run.byId.get('open-data.previous-key')?.detail).toMatch(/grace|refused cleanly/);
  });

  it('--prove does not attempt a forgery: there is no oracle', () => {
    expect(t.ctx.findings.prove).toMatchObject({ attempted: false, success: false, queries: 0 });
    expect(t.ctx.findings.prove?.detail).toMatch(/no padding oracle/);
  });
});

describe('open data against the weak backend', () => {
  let t: AuditTarget;
  let run: Awaited<ReturnType<typeof runGroup>>;
  beforeAll(async () => {
    t = await auditTarget('weak', { ctx: { prove: PROVE } });
    run = await runGroup(t);
  }, 120_000);
  afterAll(() => t?.close());

  it.each(['open-data.tampered', 'open-data.other-user', 'open-data.previous-key'])('%s passes', (id) => {
    const r = run.byId.get(id);
    expect(r?.outcome, show(r)).toBe('pass');
  });

  it.each(['open-data.other-app', 'open-data.raw-signature', 'open-data.padding-oracle'])('%s fails with evidence and a hint', (id) => {
    const r = run.byId.get(id);
    expect(r?.outcome, show(r)).toBe('fail');
    expect(r?.evidence.length).toBeGreaterThan(0);
    expect(r?.hint).toBeTruthy();
    for (const e of r!.evidence) expect(e.answer).toMatch(/^HTTP \d{3} /);
  });

  it('other-app: the watermark of another app was accepted', () => {
    const r = run.byId.get('open-data.other-app')!;
    expect(r.detail).toMatch(/wx0000000000000000/);
    expect(r.evidence[0]?.answer).toMatch(/^HTTP 200 /);
    expect(r.hint).toMatch(/watermark\.appid/);
  });

  it('raw-signature: the wrong signature was accepted', () => {
    const r = run.byId.get('open-data.raw-signature')!;
    expect(r.evidence[0]?.answer).toMatch(/^HTTP 200 /);
    expect(r.evidence[0]?.request).toMatch(/signature/);
    expect(r.hint).toMatch(/sha1\(rawData \+ session_key\)/);
  });

  it('padding-oracle: the evidence shows the two differing answers', () => {
    const r = run.byId.get('open-data.padding-oracle')!;
    const [bad, other] = r.evidence;
    expect(bad?.answer).toMatch(/bad decrypt/);
    expect(other?.answer).not.toMatch(/bad decrypt/);
    expect(other?.answer).toMatch(/JSON|Unexpected|HTTP 200/);
    expect(r.detail).toMatch(/padding oracle/);
    expect(r.detail).toMatch(/CBC-R/);
    expect(r.hint).toMatch(/same way/);
  });

  it('--prove forges encryptedData through the oracle and the backend answers the forged nickName', () => {
    const p = t.ctx.findings.prove;
    expect(p, JSON.stringify(p)).toMatchObject({ attempted: true, success: true, queryCap: PROVE.queryCap, secondsCap: PROVE.secondsCap });
    expect(p!.queries).toBeGreaterThan(0);
    expect(p!.queries).toBeLessThanOrEqual(PROVE.queryCap);
    expect(p!.answer).toMatch(/forged by wxlogin audit/);
    expect(p!.plaintext).toMatch(/forged by wxlogin audit/);
    expect(run.byId.get('open-data.padding-oracle')?.detail).toMatch(/--prove: forged/);
  });

  it('stays within the group login budget (12)', () => {
    expect(run.logins).toBeLessThanOrEqual(12);
  });
});

describe('--prove with caps too small', () => {
  let t: AuditTarget;
  afterAll(() => t?.close());
  it('stops at the query cap and says so', async () => {
    t = await auditTarget('weak', { ctx: { prove: { queryCap: 200, secondsCap: 90 } } });
    const check = openDataChecks.find((c) => c.id === 'open-data.padding-oracle')!;
    await runAudit({ ctx: t.ctx, checks: [check] });
    expect(t.ctx.findings.prove).toMatchObject({ attempted: true, success: false });
    expect(t.ctx.findings.prove!.queries).toBeLessThanOrEqual(200);
    expect(t.ctx.findings.prove!.detail).toMatch(/caps: 200 queries.*query cap was reached/);
  });
});
