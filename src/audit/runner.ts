// Runs checks one after another (each may script faults at the mock or watch its journal, so none overlap) and
// turns their verdicts into the report: a check that throws is a finding, never a crash of the audit.
import { NetworkError } from '../client/http.js';
import type { AuditContext } from './context.js';
import { CATEGORIES, NotApplicable, SetupFailed, type AuditReport, type Check, type CheckResult, type Outcome, type Severity, type Verdict } from './types.js';

export interface RunAuditOptions {
  ctx: AuditContext;
  checks: readonly Check[];
  failOn?: Severity;
  onResult?: (r: CheckResult) => void;
}

async function verdictOf(check: Check, ctx: AuditContext): Promise<Verdict> {
  for (const step of check.needs ?? []) {
    if (!ctx.backend.offers(step)) return { outcome: 'na', detail: `the ${ctx.contract.profile} contract has no ${step} step` };
  }
  try {
    return await check.run(ctx);
  } catch (err) {
    if (err instanceof NotApplicable) return { outcome: 'na', detail: err.message };
    if (err instanceof SetupFailed) return { outcome: 'fail', detail: `could not run: ${err.message}`, evidence: err.evidence };
    if (err instanceof NetworkError) {
      return { outcome: 'fail', detail: `no answer from ${ctx.mask(err.url)}: ${err.kind}`, evidence: [], hint: 'the backend dropped the connection or did not answer in time' };
    }
    return { outcome: 'fail', detail: `the check could not run: ${err instanceof Error ? err.message : String(err)}`, evidence: [] };
  } finally {
    // A check that scripted faults leaves none behind for the next one.
    await ctx.mock.clearFaults().catch(() => undefined);
  }
}

export async function runAudit(o: RunAuditOptions): Promise<Omit<AuditReport, 'backend' | 'mock' | 'embedded' | 'profile' | 'log' | 'prove'>> {
  const started = performance.now();
  const failOn = o.failOn ?? 'must';
  const results: CheckResult[] = [];
  for (const check of o.checks) {
    const t0 = performance.now();
    const v = await verdictOf(check, o.ctx);
    const r: CheckResult = {
      id: check.id,
      category: check.category,
      title: check.title,
      severity: check.severity,
      outcome: v.outcome,
      detail: o.ctx.mask(v.detail),
      evidence: v.outcome === 'fail' ? v.evidence : [],
      ...(v.outcome === 'fail' ? { hint: v.hint ?? check.hint } : {}),
      reference: check.reference,
      ms: Math.round(performance.now() - t0),
    };
    results.push(r);
    o.onResult?.(r);
  }
  // Grouped by category in the scorecard's order; within one, in the order they ran.
  results.sort((a, b) => CATEGORIES.indexOf(a.category) - CATEGORIES.indexOf(b.category));
  const counts: Record<Outcome, number> = { pass: 0, fail: 0, na: 0 };
  for (const r of results) counts[r.outcome]++;
  const applicable = counts.pass + counts.fail;
  const weight = (r: CheckResult) => (r.severity === 'must' ? 2 : 1);
  const wTotal = results.filter((r) => r.outcome !== 'na').reduce((s, r) => s + weight(r), 0);
  const wPassed = results.filter((r) => r.outcome === 'pass').reduce((s, r) => s + weight(r), 0);
  const blocking = results.some((r) => r.outcome === 'fail' && (failOn === 'should' || r.severity === 'must'));
  return {
    ok: !blocking,
    failOn,
    results,
    counts,
    score: { passed: counts.pass, applicable, percent: wTotal === 0 ? 0 : Math.round((wPassed / wTotal) * 100) },
    ms: Math.round(performance.now() - started),
  };
}

/**
 * The checks `--only` and `--skip` select: each entry is a check id, a category (`tokens`, `open-data`) or an id
 * prefix ending in `*`. Throws naming an entry that matches nothing.
 */
export function selectChecks(all: readonly Check[], only: string[] | undefined, skip: string[] | undefined): Check[] {
  const matcher = (entry: string) => {
    const e = entry.trim();
    const matches = (c: Check) =>
      c.id === e || c.category.replace(/ /g, '-') === e || (e.endsWith('*') && c.id.startsWith(e.slice(0, -1)));
    if (!all.some(matches)) throw new RangeError(`no check matches "${e}" (see wxlogin audit --list)`);
    return matches;
  };
  const split = (xs: string[] | undefined) => (xs ?? []).flatMap((x) => x.split(',')).filter((x) => x.trim() !== '');
  const onlyM = split(only).map(matcher);
  const skipM = split(skip).map(matcher);
  return all.filter((c) => (onlyM.length === 0 || onlyM.some((m) => m(c))) && !skipM.some((m) => m(c)));
}
