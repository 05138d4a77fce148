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

export function stepLine(s: StepResult, c: ChalkInstance): string {
  const sym = s.status === 'ok' ? c.green('✔') : s.status === 'failed' ? c.red('✘') : c.yellow('–');
  const detail = s.status === 'failed' ? c.red(s.detail) : s.status === 'skipped' ? c.yellow(`skipped: ${s.detail}`) : c.dim(s.detail);
  return `  ${sym} ${s.title.padEnd(44)} ${detail} ${c.dim(`(${ms(s.ms)})`)}`;
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
  const lines = [
    `${verdict} ${r.users} users, concurrency ${r.concurrency}, ${r.seconds} s`,
    `  users       ${r.succeeded} ok, ${r.failed} failed (${r.usersPerSecond} users/s)`,
    `  requests    ${r.requests} (${r.throughput} req/s)`,
    `  latency     ${lat(r.latency)}`,
  ];
  const width = Math.max(...Object.keys(r.byRequest).map((k) => k.length), 0);
  for (const [name, l] of Object.entries(r.byRequest)) lines.push(c.dim(`    ${name.padEnd(width)}  ${lat(l)}`));
  const errs = Object.entries(r.errors);
  if (errs.length === 0) lines.push(`  errors      none`);
  else {
    lines.push(`  errors      ${c.red(String(r.failed))} by kind:`);
    for (const [kind, n] of errs.slice(0, 10)) lines.push(`    ${String(n).padStart(6)}  ${kind}`);
  }
  return lines;
}

export const flowFormat: Format<FlowCommandResult> = {
  text: (r, { c }) => ({ stdout: summary(r, c) }),
};
