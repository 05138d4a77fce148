// `wxlogin run` as text: one trace line per event, prefixed with the page (or "app") it came from, then the
// expectations and PASS or FAIL. --json prints the report whole.
import type { ChalkInstance } from 'chalk';
import type { Format } from '../../output.js';
import type { TraceEntry } from '../../../runtime/index.js';
import type { RunResult } from './run.js';

const short = (v: unknown, max = 160): string => {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  if (s === undefined) return '';
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
};

export function traceLine(e: TraceEntry, c: ChalkInstance): string {
  const at = c.dim(`[${e.where}]`);
  switch (e.kind) {
    case 'lifecycle':
      return `${at} ${c.cyan(e.hook)}`;
    case 'tap':
      return `${at} ${c.bold(`tap ${e.handler}`)}${e.openType ? ` (open-type ${e.openType})` : ''}${e.detail ? ` detail ${short(e.detail)}` : ''}`;
    case 'wx': {
      const ok = /:ok$/.test(e.errMsg ?? '');
      const args = e.args === undefined ? '' : short(e.args, 100);
      return `${at} wx.${e.api}(${args}) → ${ok ? c.green(e.errMsg) : c.yellow(e.errMsg)}${e.result === undefined ? '' : ` ${short(e.result)}`}`;
    }
    case 'request':
      // wx.uploadFile and wx.downloadFile are traced as requests too, named by their api.
      return `${at} ${e.api ? `${e.api} ` : ''}${e.method} ${e.url}${e.sentTo ? c.dim(` (→ ${e.sentTo})`) : ''}${e.data === undefined ? '' : ` ${short(e.data, 100)}`} → ${
        e.statusCode === undefined ? c.red(e.errMsg) : `${e.statusCode >= 400 ? c.yellow(String(e.statusCode)) : c.green(String(e.statusCode))} ${short(e.answer)}`
      }`;
    case 'console':
      return `${at} ${c.dim(`console.${e.level}`)} ${e.text}`;
    case 'unhandled':
      return `${at} ${c.red(`unhandled fail: wx.${e.api} → ${e.errMsg}`)}`;
    case 'error':
      return `${at} ${c.red(`error: ${e.message}`)}`;
  }
}

export const runFormat: Format<RunResult> = {
  text: (r, { c }) => {
    const out = [`wxlogin run ${r.dir} · user ${r.user} · mock ${r.mock} · base library ${r.sdkVersion}`];
    for (const e of r.trace) out.push(traceLine(e, c));
    for (const x of r.expectations) out.push(`${x.ok ? c.green('✔') : c.red('✘')} expect ${x.text}`);
    const calls = r.trace.filter((e) => e.kind === 'wx').length;
    const requests = r.trace.filter((e) => e.kind === 'request').length;
    const summary = `${calls} wx calls, ${requests} requests${r.expectations.length ? `, ${r.expectations.filter((x) => x.ok).length}/${r.expectations.length} expectations` : ''}`;
    if (r.ok) out.push(c.green(`PASS ${summary}`));
    else {
      out.push(c.red(`FAIL ${summary}`));
      for (const f of r.failures) out.push(c.red(`  ${f}`));
    }
    return { stdout: out };
  },
};
