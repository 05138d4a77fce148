// `wxlogin flow` as text: a header, a checklist line per step as it ends, a summary; or the load-run summary.
import type { ChalkInstance } from 'chalk';
import type { StepResult } from '../../../client/flow.js';
import type { LatencySummary } from '../../../client/histogram.js';
import type { Format } from '../../output.js';
import type { FlowCommandResult, FlowStart } from './run.js';

const ms = (x: number) => (x >= 100 ? `${Math.round(x)} ms` : `${x.toFixed(1)} ms`);

export function header(info: FlowStart, users: number | undefined, c: ChalkInstance): string[] {
  const where = info.embedded ? `${info.backend} (embedded reference backend)` : `${info.backend} (${info.profile} contract)`;
  const lines = [`${c.bold('wxlogin flow')} ${c.dim('·')} mock ${info.mock} ${c.dim('·')} backend ${where}`];
  if (users !== undefined) lines.push(c.dim(`${users} simulated users`));
  return lines;
}

/** Checklist lines fit a terminal this wide (the classic 80 columns); --json keeps every detail whole. */
export const LINE_WIDTH = 80;
/** The title column: the longest step title, so the details line up. */
const TITLE_WIDTH = 41;
/** Where a detail too long for the title's line goes: on the next line, under the title, indented. */
const DETAIL_INDENT = '      ';

// Characters a terminal draws two columns wide: CJK, Hangul, fullwidth forms, most emoji (Unicode East Asian Width
// W and F, https://www.unicode.org/reports/tr11/), enough for nicknames and city names.
const WIDE = /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]/u;

/** Columns a plain (uncoloured) string takes on a terminal. */
export function displayWidth(text: string): number {
  let n = 0;
  for (const ch of text) n += WIDE.test(ch) ? 2 : 1;
  return n;
}

/** The text cut to at most `width` columns, ending in `…` when cut, at a space when one is near the end. */
export function truncate(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  let out = '';
  let used = 0;
  for (const ch of text) {
    const w = WIDE.test(ch) ? 2 : 1;
    if (used + w > width - 1) break;
    out += ch;
    used += w;
  }
  const space = out.lastIndexOf(' ');
  if (space >= out.length - 12 && space > out.length / 2) out = out.slice(0, space);
  return `${out.replace(/[\s·,;:]+$/, '')}…`;
}

/**
 * A step as a checklist line: symbol, title, detail and time on one line when that fits LINE_WIDTH columns, else
 * the detail on a line of its own under the title, cut to fit (the whole text is in --json).
 */
export function stepLine(s: StepResult, c: ChalkInstance): string {
  const sym = s.status === 'ok' ? c.green('✔') : s.status === 'failed' ? c.red('✘') : c.yellow('–');
  const text = s.status === 'skipped' ? `skipped: ${s.detail}` : s.detail;
  const paint = (t: string) => (s.status === 'failed' ? c.red(t) : s.status === 'skipped' ? c.yellow(t) : c.dim(t));
  const time = `(${ms(s.ms)})`;
  const title = s.title.padEnd(TITLE_WIDTH);
  const one = `  ✔ ${title} ${text} ${time}`;
  if (displayWidth(one) <= LINE_WIDTH) return `  ${sym} ${title} ${paint(text)} ${c.dim(time)}`;
  const head = `  ${sym} ${s.title} ${c.dim(time)}`;
  return `${head}\n${DETAIL_INDENT}${paint(truncate(text, LINE_WIDTH - DETAIL_INDENT.length))}`;
}

function lat(l: LatencySummary): string {
  return `p50 ${ms(l.p50)} · p95 ${ms(l.p95)} · p99 ${ms(l.p99)} · max ${ms(l.max)}`;
}

function summary(r: FlowCommandResult, c: ChalkInstance): string[] {
  const verdict = r.ok ? c.green('PASS') : c.red('FAIL');
  if (r.mode === 'flow') {
    const { ok, failed, skipped } = r.counts;
    return [`${verdict} ${r.steps.length} steps: ${ok} ok, ${failed} failed, ${skipped} skipped ${c.dim(`· user ${r.user}${r.openid ? ` (${r.openid})` : ''} · ${r.ms} ms`)}`];
  }
  const lines = r.interrupted
    ? [
        `${c.yellow('INTERRUPTED')} after ${r.completed} of ${r.users} users, concurrency ${r.concurrency}, ${r.seconds} s`,
        `  users       ${r.succeeded} ok, ${r.failed} failed${r.abandoned ? `, ${r.abandoned} in flight not waited for` : ''} (${r.usersPerSecond} users/s)`,
      ]
    : [
        `${verdict} ${r.users} users, concurrency ${r.concurrency}, ${r.seconds} s`,
        `  users       ${r.succeeded} ok, ${r.failed} failed (${r.usersPerSecond} users/s)`,
      ];
  lines.push(
    `  requests    ${r.requests} (${r.throughput} req/s)`,
    `  latency     ${lat(r.latency)}`,
  );
  const width = Math.max(...Object.keys(r.byRequest).map((k) => k.length), 0);
  for (const [name, l] of Object.entries(r.byRequest)) lines.push(c.dim(`    ${name.padEnd(width)}  ${lat(l)}`));
  const errs = Object.entries(r.errors);
  if (errs.length === 0) lines.push(`  errors      none`);
  else {
    lines.push(`  errors      ${c.red(String(r.failed))} by kind:`);
    for (const [kind, n] of errs.slice(0, 10)) lines.push(`    ${String(n).padStart(6)}  ${truncate(kind, LINE_WIDTH - 12)}`);
  }
  return lines;
}

export const flowFormat: Format<FlowCommandResult> = {
  text: (r, { c }) => ({ stdout: summary(r, c) }),
};
