// Reading a run's trace in the runtime tests: console lines and page lifecycle hooks in order, and the part of them
// that one tap caused.
import { expect } from 'vitest';
import type { RunReport, TraceEntry } from '../../src/runtime/index.js';

/** Console lines and page lifecycle hooks, in order: "home: text" and "[pages/home/home onHide]". */
export function events(trace: readonly TraceEntry[]): string[] {
  return trace.flatMap((e) =>
    e.kind === 'console' ? [`${e.where.split('/').at(-1)}: ${e.text}`] : e.kind === 'lifecycle' && e.where !== 'app' ? [`[${e.where} ${e.hook}]`] : [],
  );
}

/** The events from a tap (its 0-based position among the taps, or the first tap on that handler) to the next tap. */
export function afterTap(r: RunReport, which: number | string): string[] {
  const taps = r.trace.flatMap((e, i) => (e.kind === 'tap' && (typeof which === 'number' || e.handler === which) ? [i] : []));
  const at = typeof which === 'number' ? taps[which] : taps[0];
  expect(at, `tap ${which}`).toBeDefined();
  const rest = r.trace.slice(at! + 1);
  const next = rest.findIndex((e) => e.kind === 'tap');
  return events(next < 0 ? rest : rest.slice(0, next));
}

/** What the program wrote to the console, in order. */
export const consoleText = (r: RunReport) => r.trace.flatMap((e) => (e.kind === 'console' ? [e.text] : []));
