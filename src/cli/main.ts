// The commander program. Command definitions are light (options and help only); each action imports its
// implementation lazily, so `wxlogin --help` loads commander and chalk and nothing else.
import { Command, CommanderError } from 'commander';
import { CliError, createContext, type CliContext, type CliIO, type GlobalOptions } from './context.js';
import { commands } from './commands/index.js';

export const VERSION = '0.1.0';

export function buildProgram(getCtx: () => CliContext, io?: Pick<CliIO, 'stdout' | 'stderr'>): Command {
  const program = new Command('wxlogin')
    .description('Run the WeChat Mini Program login and authorization system offline.')
    .version(VERSION, '-V, --version')
    .option('--json', 'print machine-readable JSON instead of text', false)
    .option('--verbose', 'print stacks and extra detail on errors', false)
    .option('--no-color', 'disable colours (NO_COLOR is honoured too)')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Examples:
  $ wxlogin flow                      run the whole login journey offline (mock + embedded backend)
  $ wxlogin up                        start the mock and the reference backend together
  $ wxlogin mock --port 9400          start only the mock WeChat server
  $ wxlogin <command> --help          help and an example for one command`,
    );
  // Set before the subcommands exist: commander copies these settings into each command when it is created.
  program.exitOverride();
  if (io) {
    program.configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  }
  for (const register of commands) register(program, getCtx);
  return program;
}

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
    const c = getCtx();
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
}
