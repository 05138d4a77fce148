// The command layer's view of the world: streams, env, output mode. Built once in main.ts from what bin/ passes in;
// everything below the command layer takes plain values instead.
import { Chalk, type ChalkInstance } from 'chalk';
import { redactUri } from '../store/uri.js';

export interface CliIO {
  env: NodeJS.ProcessEnv;
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
  /** Resolves with the signal name on the first SIGINT or SIGTERM; long-running commands await it to shut down. */
  waitForShutdown(): Promise<string>;
  /** Whether stderr is an interactive terminal (progress bars are drawn only then). */
  readonly interactive: boolean;
}

/**
 * A failure the user caused or should know about: printed as one line, no stack unless --verbose.
 * `code` is a stable machine name (`bad_padding`, `unreachable`, ...) that --json output carries;
 * `reported` means the command already printed its own account (a failed flow's checklist), so only the exit
 * code is left to set.
 */
export class CliError extends Error {
  readonly exitCode: number;
  readonly code: string | undefined;
  readonly reported: boolean;
  constructor(message: string, options: { exitCode?: number; cause?: unknown; code?: string; reported?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.exitCode = options.exitCode ?? 1;
    this.code = options.code;
    this.reported = options.reported ?? false;
  }
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
    waitForShutdown() {
      return new Promise((resolve) => {
        const onSignal = (sig: NodeJS.Signals) => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          resolve(sig);
        };
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
      });
    },
    get interactive() {
      return io.stderr.isTTY === true;
    },
  };
  return ctx;
}

/**
 * The spellings under which a URI's password may show up in text: as typed, percent-decoded, and escaped inside a
 * JSON string (log lines). Empty when the URI carries no password.
 */
function passwordForms(uri: string): string[] {
  const forms = new Set<string>();
  const typed = /^[a-z][a-z0-9+.-]*:\/\/([^@/?#]*)@/i.exec(uri)?.[1];
  if (typed !== undefined && typed.includes(':')) forms.add(typed.slice(typed.indexOf(':') + 1));
  try {
    const u = new URL(uri);
    if (u.password) forms.add(u.password);
  } catch {
    // not a URL: the typed form above is all there is
  }
  for (const f of [...forms]) {
    try {
      forms.add(decodeURIComponent(f));
    } catch {
      // a stray % in the password: the typed form is enough
    }
  }
  for (const f of [...forms]) forms.add(JSON.stringify(f).slice(1, -1));
  forms.delete('');
  // Longest first, so that a form containing another is replaced whole.
  return [...forms].sort((a, b) => b.length - a.length);
}

/**
 * Text with the credentials of these URIs (store URIs: `redis://:pw@host`) hidden: each URI as redactUri shows it,
 * then any other occurrence of its password as `***`. For text the CLI did not write itself (an error from below, a
 * log line), where the URI may appear in any form.
 */
export function hideCredentials(text: string, uris: readonly (string | undefined)[]): string {
  let out = text;
  for (const uri of uris) {
    if (!uri) continue;
    const shown = redactUri(uri);
    if (shown !== uri) out = out.split(uri).join(shown);
    for (const pw of passwordForms(uri)) out = out.split(pw).join('***');
  }
  return out;
}

/**
 * The same error with hideCredentials applied to its message and stack and to those of its causes, in place (its
 * class and `code` are kept, so callers can still tell an EADDRINUSE). Whatever prints it afterwards, a one-line
 * error or a --verbose stack, shows no password.
 */
export function hideErrorCredentials<T>(err: T, uris: readonly (string | undefined)[]): T {
  if (typeof err === 'string') return hideCredentials(err, uris) as T;
  if (!uris.some((u) => u && passwordForms(u).length > 0)) return err;
  const seen = new Set<unknown>();
  for (let e: unknown = err; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    try {
      e.message = hideCredentials(e.message, uris);
      if (typeof e.stack === 'string') e.stack = hideCredentials(e.stack, uris);
    } catch {
      // a frozen error: nothing to do but leave it
    }
  }
  return err;
}

/** A stream for log lines (the backend's pino logger) that passes them on to `to` with hideCredentials applied. */
export function credentialFilter(to: NodeJS.WritableStream, uris: readonly (string | undefined)[]): NodeJS.WritableStream {
  if (!uris.some((u) => u && passwordForms(u).length > 0)) return to;
  const write = (chunk: string | Uint8Array): boolean =>
    to.write(hideCredentials(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'), uris));
  return { write } as unknown as NodeJS.WritableStream;
}
