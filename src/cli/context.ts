// The command layer's view of the world: streams, env, output mode. Built once in main.ts from what bin/ passes in;
// everything below the command layer takes plain values instead.
import { Chalk, type ChalkInstance } from 'chalk';

export interface CliIO {
  env: NodeJS.ProcessEnv;
  /** Where `--data -` reads from; bin/ passes process.stdin. */
  stdin?: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

export interface GlobalOptions {
  json: boolean;
  verbose: boolean;
  color: boolean;
}

export interface CliContext {
  readonly io: CliIO;
  readonly env: NodeJS.ProcessEnv;
  /** Global flags, valid once commander has parsed argv (read them inside actions, not at register time). */
  readonly global: GlobalOptions;
  /** chalk bound to stdout's colour support; plain strings when NO_COLOR, --no-color or not a TTY. */
  readonly c: ChalkInstance;
  /** chalk bound to stderr's colour support. */
  readonly ce: ChalkInstance;
  /** A line to stdout. */
  print(line?: string): void;
  /** A value as pretty JSON to stdout (for --json). */
  printJson(value: unknown): void;
  /** A line to stderr (progress, warnings, notes that must not pollute --json output). */
  note(line: string): void;
  /**
   * Resolves with the signal name on the first SIGINT or SIGTERM; long-running commands await it to shut down.
   * Aborting `until` stops listening (the promise then never settles), so a command that finished first leaves
   * Ctrl-C to its default again.
   */
  waitForShutdown(until?: AbortSignal): Promise<string>;
  /** Whether stderr is an interactive terminal (progress bars are drawn only then). */
  readonly interactive: boolean;
}

export function colorEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv, flag: boolean): boolean {
  if (!flag) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

export function createContext(io: CliIO, global: GlobalOptions): CliContext {
  const level = (s: { isTTY?: boolean }) => (colorEnabled(s, io.env, global.color) ? 1 : 0);
  // `wxlogin flow | head -3` closes the pipe early: stop writing to it instead of dying on EPIPE.
  const closed = { stdout: false, stderr: false };
  for (const name of ['stdout', 'stderr'] as const) {
    io[name].on?.('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') closed[name] = true;
      else process.nextTick(() => {
        throw err;
      });
    });
  }
  const ctx: CliContext = {
    io,
    env: io.env,
    global,
    get c() {
      return new Chalk({ level: level(io.stdout) });
    },
    get ce() {
      return new Chalk({ level: level(io.stderr) });
    },
    print(line = '') {
      if (!closed.stdout) io.stdout.write(`${line}\n`);
    },
    printJson(value) {
      if (!closed.stdout) io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
    note(line) {
      if (!closed.stderr) io.stderr.write(`${line}\n`);
    },
    waitForShutdown(until) {
      return new Promise((resolve) => {
        const off = () => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          until?.removeEventListener('abort', off);
        };
        const onSignal = (sig: NodeJS.Signals) => {
          off();
          resolve(sig);
        };
        if (until?.aborted) return;
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        until?.addEventListener('abort', off, { once: true });
      });
    },
    get interactive() {
      return io.stderr.isTTY === true;
    },
  };
  return ctx;
}
