// A progress bar on stderr, drawn only when stderr is an interactive terminal, so piped and --json output stay
// clean and CI logs are not flooded with redraws.
import cliProgress from 'cli-progress';
import type { CliContext } from './context.js';

export interface Progress {
  update(done: number, extra?: Record<string, unknown>): void;
  stop(): void;
}

const NONE: Progress = { update() {}, stop() {} };

export function createProgress(ctx: CliContext, total: number, label: string, extraFormat = ''): Progress {
  if (!ctx.interactive || total <= 0) return NONE;
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
