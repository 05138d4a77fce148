// `wxlogin audit` as text: a header, the scorecard grouped by category (✔ / ✘ / – per check, evidence and a fix
// hint under each failure), the forgery of --prove when it ran, and the score.
import type { ChalkInstance } from 'chalk';
import { CATEGORIES, type AuditReport, type Check, type CheckResult } from '../../../audit/types.js';
import type { Format } from '../../output.js';

export function header(info: { mock: string; backend: string; embedded: boolean; profile: string; checks: number }, c: ChalkInstance): string[] {
  const where = info.embedded ? `${info.backend} (embedded reference backend)` : `${info.backend} (${info.profile} contract)`;
  return [`${c.bold('wxlogin audit')} ${c.dim('·')} backend ${where} ${c.dim('·')} mock ${info.mock} ${c.dim(`· ${info.checks} checks`)}`];
}

const sym = (r: CheckResult, c: ChalkInstance) => (r.outcome === 'pass' ? c.green('✔') : r.outcome === 'fail' ? c.red('✘') : c.yellow('–'));

export function checkLines(r: CheckResult, c: ChalkInstance, width = 34): string[] {
  const sev = r.severity === 'must' ? 'must  ' : 'should';
  const detail = r.outcome === 'fail' ? c.red(r.detail) : r.outcome === 'na' ? c.yellow(`not applicable: ${r.detail}`) : c.dim(r.detail);
  const lines = [`  ${sym(r, c)} ${r.id.padEnd(width)} ${c.dim(sev)} ${r.title}`, `      ${detail}`];
  if (r.outcome !== 'fail') return lines;
  for (const e of r.evidence.slice(0, 3)) {
    lines.push(`      ${c.dim('request')} ${e.request}`, `      ${c.dim('answer ')} ${e.answer}`);
    if (e.note) lines.push(`      ${c.dim('       ')} ${c.yellow(e.note)}`);
  }
  if (r.evidence.length > 3) lines.push(c.dim(`      (${r.evidence.length - 3} more in --json)`));
  if (r.hint) lines.push(`      ${c.cyan('fix')}     ${r.hint}`);
  lines.push(c.dim(`      see     ${r.reference.title} ${r.reference.url}`));
  return lines;
}

function scorecard(r: AuditReport, c: ChalkInstance): string[] {
  const out: string[] = [];
  const width = Math.max(20, ...r.results.map((x) => x.id.length));
  for (const cat of CATEGORIES) {
    const rs = r.results.filter((x) => x.category === cat);
    if (rs.length === 0) continue;
    out.push('', c.bold(cat));
    for (const x of rs) out.push(...checkLines(x, c, width));
  }
  if (r.prove) {
    const p = r.prove;
    out.push('', c.bold('--prove: padding-oracle forgery'));
    out.push(`  caps ${p.queryCap} queries, ${p.secondsCap} s · used ${p.queries} queries, ${p.seconds} s`);
    out.push(`  ${p.success ? c.red('forged and accepted') : c.green('not forged')}: ${p.detail}`);
    if (p.plaintext) out.push(`  plaintext ${p.plaintext}`);
    if (p.answer) out.push(`  answer    ${p.answer}`);
  }
  return out;
}

function summary(r: AuditReport, c: ChalkInstance): string[] {
  const failed = r.results.filter((x) => x.outcome === 'fail');
  const must = failed.filter((x) => x.severity === 'must').length;
  const verdict = r.ok ? c.green('PASS') : c.red('FAIL');
  const parts = [
    `${r.score.passed}/${r.score.applicable} applicable checks passed (score ${r.score.percent}%)`,
    failed.length ? c.red(`${failed.length} failed (${must} must, ${failed.length - must} should)`) : '0 failed',
    `${r.counts.na} not applicable`,
  ];
  const lines = ['', `${verdict} ${parts.join(' · ')} ${c.dim(`· ${(r.ms / 1000).toFixed(1)} s`)}`];
  if (r.log) lines.push(c.dim(`log: ${r.log.source}, ${r.log.bytes} bytes scanned`));
  if (!r.ok) lines.push(c.dim(`exit 1: a check of severity ${r.failOn === 'must' ? 'must' : 'must or should'} failed (--fail-on ${r.failOn})`));
  return lines;
}

export const auditFormat: Format<AuditReport> = {
  text: (r, { c }) => ({ stdout: [...scorecard(r, c), ...summary(r, c)] }),
  json: (r) => JSON.stringify(r, null, 2),
};

/** --list: every check with its id, category, severity and title. */
export function listLines(checks: readonly Check[], c: ChalkInstance): string[] {
  const width = Math.max(...checks.map((x) => x.id.length));
  return checks.map((x) => `${x.id.padEnd(width)}  ${c.dim((x.severity === 'must' ? 'must  ' : 'should'))}  ${x.category.padEnd(10)}  ${x.title}`);
}
