// The commander program: global options, help, and every command's definition. Definitions are light (options and
// help only); each action imports its implementation lazily, so `wxlogin --help` loads commander and nothing else
// of weight.
import { Command } from 'commander';
import type { CliContext, CliIO } from './context.js';
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
  $ npx wxlogin flow                  run the whole login journey offline (mock + embedded backend)
  $ npx wxlogin up                    start the mock and the reference backend together
  $ npx wxlogin mock --port 9400      start only the mock WeChat server
  $ npx wxlogin <command> --help      help and an example for one command`,
    );
  // Set before the subcommands exist: commander copies these settings into each command when it is created.
  program.exitOverride();
  if (io) {
    // `wxlogin --help | head -3` closes the pipe early: stop writing to it instead of dying on EPIPE (help and
    // version are written before any command's context, which guards its own writes the same way, exists).
    const open = { stdout: true, stderr: true };
    for (const name of ['stdout', 'stderr'] as const) {
      io[name].on?.('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EPIPE') open[name] = false;
      });
    }
    program.configureOutput({
      writeOut: (s) => void (open.stdout && io.stdout.write(s)),
      writeErr: (s) => void (open.stderr && io.stderr.write(s)),
    });
  }
  for (const register of commands) register(program, getCtx);
  return program;
}
