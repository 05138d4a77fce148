// Progress on stderr. On an interactive terminal, a bar redrawn in place; without one (CI logs, a pipe) a plain line
// every few seconds, so a long run shows it is alive without flooding the log with redraws, and with --json nothing
// (a script reads the result on stdout and expects stderr quiet).
import cliProgress from 'cli-progress';
import type { CliContext } from './context.js';

export interface Progress {
  update(done: number, extra?: Record<string, unknown>): void;
  stop(): void;
}

export interface ProgressOptions {
  /**
   * Without a terminal: a plain line this often, in ms (0: none). Default: WXLOGIN_PROGRESS_INTERVAL_MS from the
   * environment, else 5000.
   */
  plainEveryMs?: number;
  /** The end of the plain line from the last extras, e.g. `(x) => ` · ${x.failed} failed``. */
  plainExtra?: (extra: Record<string, unknown>) => string;
}

/** How often a plain progress line is written when stderr is not a terminal, unless told otherwise. */
export const PLAIN_EVERY_MS = 5000;
export const PLAIN_EVERY_ENV = 'WXLOGIN_PROGRESS_INTERVAL_MS';

const NONE: Progress = { update() {}, stop() {} };

function plainInterval(ctx: CliContext, o: ProgressOptions): number {
  if (o.plainEveryMs !== undefined) return o.plainEveryMs;
  const fromEnv = ctx.env[PLAIN_EVERY_ENV];
  if (fromEnv !== undefined && /^\d+$/.test(fromEnv)) return Number(fromEnv);
  return PLAIN_EVERY_MS;
}

/** `users 1200/5000 (24%)`: the plain line without its extras. */
export function plainLine(label: string, done: number, total: number): string {
  return `${label} ${done}/${total} (${Math.floor((done / total) * 100)}%)`;
}

export function createProgress(ctx: CliContext, total: number, label: string, extraFormat = '', o: ProgressOptions = {}): Progress {
  if (total <= 0) return NONE;
  if (!ctx.interactive) return ctx.global.json ? NONE : createPlain(ctx, total, label, o);
  const bar = new cliProgress.SingleBar(
    {
      stream: ctx.io.stderr as NodeJS.WriteStream,
      format: `${label} [{bar}] {value}/{total} {percentage}% · {eta_formatted} left${extraFormat}`,
      barsize: 30,
      hideCursor: true,
      clearOnComplete: true,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { failed: 0 });
  return {
    update(done, extra) {
      bar.update(done, extra);
    },
    stop() {
      bar.stop();
    },
  };
}

function createPlain(ctx: CliContext, total: number, label: string, o: ProgressOptions): Progress {
  const every = plainInterval(ctx, o);
  if (every <= 0) return NONE;
  let done = 0;
  let extra: Record<string, unknown> = {};
  const timer = setInterval(() => ctx.note(`${plainLine(label, done, total)}${o.plainExtra?.(extra) ?? ''}`), every);
  // A progress line is never a reason to keep the process alive.
  timer.unref();
  return {
    update(d, x) {
      done = d;
      if (x) extra = x;
    },
    stop() {
      clearInterval(timer);
    },
  };
}
