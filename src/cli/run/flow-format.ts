// Text output of `wxlogin flow`: a checklist line per step, a summary; or the load-run summary.
import type { StepResult } from '../../client/flow.js';
import type { LatencySummary } from '../../client/histogram.js';
import type { CliContext } from '../context.js';
import type { FlowCommandResult } from './flow.js';

const ms = (x: number) => (x >= 100 ? `${Math.round(x)} ms` : `${x.toFixed(1)} ms`);

export function printHeader(ctx: CliContext, info: { mock: string; backend: string; embedded: boolean; profile: string }, users?: number): void {
  const { c } = ctx;
  const where = info.embedded ? `${info.backend} (embedded reference backend)` : `${info.backend} (${info.profile} contract)`;
  ctx.print(`${c.bold('wxlogin flow')} ${c.dim('·')} mock ${info.mock} ${c.dim('·')} backend ${where}`);
  if (users !== undefined) ctx.print(c.dim(`${users} simulated users`));
}

export function printStep(ctx: CliContext, s: StepResult): void {
  const { c } = ctx;
  const sym = s.status === 'ok' ? c.green('✔') : s.status === 'failed' ? c.red('✘') : c.yellow('–');
  const detail = s.status === 'failed' ? c.red(s.detail) : s.status === 'skipped' ? c.yellow(`skipped: ${s.detail}`) : c.dim(s.detail);
  ctx.print(`  ${sym} ${s.title.padEnd(44)} ${detail} ${c.dim(`(${ms(s.ms)})`)}`);
}

function lat(l: LatencySummary): string {
  return `p50 ${ms(l.p50)} · p95 ${ms(l.p95)} · p99 ${ms(l.p99)} · max ${ms(l.max)}`;
}

export function printSummary(ctx: CliContext, r: FlowCommandResult): void {
  const { c } = ctx;
  if (r.mode === 'flow') {
    const { ok, failed, skipped } = r.counts;
    const verdict = r.ok ? c.green('PASS') : c.red('FAIL');
    ctx.print(`${verdict} ${r.steps.length} steps: ${ok} ok, ${failed} failed, ${skipped} skipped ${c.dim(`· user ${r.user}${r.openid ? ` (${r.openid})` : ''} · ${r.ms} ms`)}`);
    return;
  }
  const verdict = r.ok ? c.green('PASS') : c.red('FAIL');
  ctx.print(`${verdict} ${r.users} users, concurrency ${r.concurrency}, ${r.seconds} s`);
  ctx.print(`  users       ${r.succeeded} ok, ${r.failed} failed (${r.usersPerSecond} users/s)`);
  ctx.print(`  requests    ${r.requests} (${r.throughput} req/s)`);
  ctx.print(`  latency     ${lat(r.latency)}`);
  const width = Math.max(...Object.keys(r.byRequest).map((k) => k.length), 0);
  for (const [name, l] of Object.entries(r.byRequest)) ctx.print(c.dim(`    ${name.padEnd(width)}  ${lat(l)}`));
  const errs = Object.entries(r.errors);
  if (errs.length === 0) ctx.print(`  errors      none`);
  else {
    ctx.print(`  errors      ${c.red(String(r.failed))} by kind:`);
    for (const [kind, n] of errs.slice(0, 10)) ctx.print(`    ${String(n).padStart(6)}  ${kind}`);
  }
}
