// Runs one command line and turns its outcome into an exit code (bin/ sets it): 0 success, 1 failure, 2 usage.
// A failure is reported here, once: one line on stderr (the stack with --verbose), and with --json an
// {"ok": false, "error"} object on stdout.
import { CommanderError } from 'commander';
import { createContext, type CliContext, type CliIO, type GlobalOptions } from './context.js';
import { CliError } from './errors.js';
import { buildProgram } from './program.js';

export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  let ctx: CliContext | undefined;
  const getCtx = (): CliContext => {
    if (!ctx) {
      const o = program.opts<{ json?: boolean; verbose?: boolean; color?: boolean }>();
      const global: GlobalOptions = { json: o.json === true, verbose: o.verbose === true, color: o.color !== false };
      ctx = createContext(io, global);
    }
    return ctx;
  };
  const program = buildProgram(getCtx, io);
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0; usage errors were already printed by commander.
      return err.exitCode === 0 ? 0 : 2;
    }
    return report(getCtx(), err);
  }
}

function report(c: CliContext, err: unknown): number {
  const message = err instanceof Error ? err.message : String(err);
  const exitCode = err instanceof CliError ? err.exitCode : 1;
  if (err instanceof CliError && err.reported) return exitCode;
  if (c.global.json) {
    const code = err instanceof CliError ? err.code : undefined;
    c.io.stdout.write(`${JSON.stringify({ ok: false, error: message, ...(code ? { code } : {}) }, null, 2)}\n`);
  }
  // One line: a multi-line message (a nested cause) is folded so scripts can grep it.
  c.note(`${c.ce.red('wxlogin: error:')} ${message.replace(/\s*\n\s*/g, ' ')}`);
  if (c.global.verbose && err instanceof Error && err.stack) c.note(c.ce.dim(err.stack));
  return exitCode;
}
