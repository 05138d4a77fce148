// The report as JUnit XML, the format GitHub (through test-reporter actions), GitLab (artifacts:reports:junit) and
// Jenkins (the junit step) render: one testsuite per category, one testcase per check, failures carrying the
// evidence, not-applicable checks as skipped with the reason.
import { CATEGORIES, type AuditReport, type CheckResult } from './types.js';

/** XML 1.0 text: the five escapes, and characters XML cannot hold at all (controls, lone surrogates) dropped. */
export function xmlEscape(s: string): string {
  return s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function failureBody(r: CheckResult): string {
  const lines = [r.detail];
  for (const e of r.evidence) {
    lines.push(`request: ${e.request}`, `answer:  ${e.answer}`);
    if (e.note) lines.push(`note:    ${e.note}`);
  }
  if (r.hint) lines.push(`fix: ${r.hint}`);
  lines.push(`see: ${r.reference.title} ${r.reference.url}`);
  return lines.join('\n');
}

function testcase(r: CheckResult): string {
  const head = `    <testcase name="${xmlEscape(`${r.id}: ${r.title}`)}" classname="wxlogin.audit.${xmlEscape(r.category.replace(/ /g, '-'))}" time="${(r.ms / 1000).toFixed(3)}"`;
  if (r.outcome === 'pass') return `${head}/>`;
  if (r.outcome === 'na') return `${head}>\n      <skipped message="${xmlEscape(`not applicable: ${r.detail}`)}"/>\n    </testcase>`;
  return `${head}>\n      <failure message="${xmlEscape(r.detail)}" type="${r.severity}">${xmlEscape(failureBody(r))}</failure>\n    </testcase>`;
}

export function toJUnit(report: AuditReport): string {
  const suites: string[] = [];
  for (const cat of CATEGORIES) {
    const rs = report.results.filter((r) => r.category === cat);
    if (rs.length === 0) continue;
    const f = rs.filter((r) => r.outcome === 'fail').length;
    const s = rs.filter((r) => r.outcome === 'na').length;
    const time = rs.reduce((t, r) => t + r.ms, 0) / 1000;
    suites.push(
      `  <testsuite name="wxlogin audit: ${xmlEscape(cat)}" tests="${rs.length}" failures="${f}" errors="0" skipped="${s}" time="${time.toFixed(3)}">\n${rs.map(testcase).join('\n')}\n  </testsuite>`,
    );
  }
  const { counts } = report;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="wxlogin audit" tests="${report.results.length}" failures="${counts.fail}" errors="0" skipped="${counts.na}" time="${(report.ms / 1000).toFixed(3)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
