// The format layer: a command returns a result, and this prints it, as JSON with --json, else as the text its
// format gives (stdout for what a script captures, stderr for notes to the person at the terminal).
import type { ChalkInstance } from 'chalk';
import type { CliContext } from './context.js';

/** chalk for stdout (`c`) and for stderr (`ce`), each off when its stream takes no colour. */
export interface Styles {
  c: ChalkInstance;
  ce: ChalkInstance;
}

export interface Text {
  stdout: string[];
  stderr?: string[];
}

export interface Format<R> {
  text(result: R, styles: Styles): Text;
  /** The --json form; the result pretty-printed when left out. */
  json?(result: R): string;
}

export function printResult<R>(ctx: CliContext, result: R, format: Format<R>): void {
  if (ctx.global.json) {
    if (format.json) ctx.print(format.json(result));
    else ctx.printJson(result);
    return;
  }
  const text = format.text(result, { c: ctx.c, ce: ctx.ce });
  for (const line of text.stdout) ctx.print(line);
  for (const line of text.stderr ?? []) ctx.note(line);
}

/** One JSON line: for servers that print their addresses once they listen, read by a script line by line. */
export const jsonLine = (result: unknown): string => JSON.stringify(result);
