// `wxlogin up`: the mock and the reference backend together until Ctrl-C.
import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { hideErrorCredentials } from '../../credentials.js';
import { InvalidArgumentError } from 'commander';
import { BACKEND_PORT, BACKEND_URL, DATA_DIR, HOST, MOCK_PORT, MOCK_URL, STORE_FILE } from '../../defaults.js';
import { portArg, toIntAtLeast } from '../../flags.js';
import { printResult } from '../../output.js';
import type { UpOptions } from './run.js';
import { parseCorsOrigin } from '../../../backend/index.js';

/** The backend's own bounds for --rate-limit (src/backend/config.ts), with its wording. */
const RATE_LIMIT_MAX = 1_000_000;
function rateLimitArg(text: string): number {
  const n = toIntAtLeast(text, 0);
  if (n === undefined) throw new InvalidArgumentError(`--rate-limit must be a whole number, got "${text}"`);
  if (n > RATE_LIMIT_MAX) throw new InvalidArgumentError(`--rate-limit must be between 0 and ${RATE_LIMIT_MAX}, got ${n}`);
  return n;
}

/** --cors-origin, repeatable: each value checked as the backend would (src/backend/cors.ts). */
function corsOriginArg(text: string, previous: string[] = []): string[] {
  try {
    return [...previous, parseCorsOrigin(text)];
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

export default function register(program: Command, getCtx: () => CliContext): void {
  program
    .command('up')
    .description('start the mock WeChat and the reference backend together (SQLite store in a data directory)')
    .option('--host <host>', 'interface to listen on', HOST)
    .option('--mock-port <port>', 'mock WeChat port (0 = any free port)', portArg, MOCK_PORT)
    .option('--port <port>', 'backend port (0 = any free port)', portArg, BACKEND_PORT)
    .option('--data-dir <dir>', `where the backend keeps its SQLite file (${STORE_FILE})`, DATA_DIR)
    .option('--store <uri>', 'backend store instead: sqlite://PATH, redis://HOST:PORT or memory://')
    .option('--seed <seed>', "the mock's seed: reproducible users, codes and keys")
    .option('--quirks', "the mock rotates WeChat's disputed wire forms answer by answer (see wxlogin mock --help)")
    .option('--rate-limit <n>', "the backend's logins per minute per client, 0 = off, as wxlogin backend takes it (default: 60)", rateLimitArg)
    .option('--cors-origin <origin>', "another origin whose pages may call the backend from a browser; repeatable (the mock's own origin, for its dashboard, is always allowed)", corsOriginArg)
    .addHelpText(
      'after',
      `
Runs until Ctrl-C (SIGINT) or SIGTERM, then stops both servers cleanly. With --json it prints one JSON line
{"ok", "mock", "backend", ...} once both listen.

Example:
  $ npx wxlogin up
  $ npx wxlogin flow --backend ${BACKEND_URL} --mock ${MOCK_URL}   # in another terminal
  $ npx wxlogin up --rate-limit 0      # no login limit: for load runs (flow --users) against it`,
    )
    .action(async (opts: UpOptions) => {
      const [{ up }, { upFormat }] = await Promise.all([import('./run.js'), import('./format.js')]);
      const ctx = getCtx();
      // Listen for signals before the servers start, so an early Ctrl-C still closes them.
      const shutdown = ctx.waitForShutdown();
      let started;
      try {
        started = await up(opts);
      } catch (err) {
        // The store's own message may quote the URI: no Redis password reaches the error line.
        throw hideErrorCredentials(err, [opts.store]);
      }
      printResult(ctx, started.result, upFormat);
      const signal = await shutdown;
      await started.stack.close().catch((err: unknown) => {
        throw hideErrorCredentials(err, [opts.store]);
      });
      ctx.note(ctx.ce.dim(`${signal}: mock and backend stopped`));
    });
}
