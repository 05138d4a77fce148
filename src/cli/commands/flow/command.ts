// `wxlogin flow`: the whole login journey as a checklist, or with --users a load run.
import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { CliError } from '../../errors.js';
import { positiveIntArg } from '../../flags.js';
import { printResult } from '../../output.js';
import { addTargetOptions, targetOptions, type TargetFlags } from '../../target-flags.js';

export default function register(program: Command, getCtx: () => CliContext): void {
  const cmd = program
    .command('flow')
    .description('run the whole login journey as a checklist: login, checkSession, scopes, user info, phone, WeRun, me, logout');
  addTargetOptions(cmd)
    .option('--users <n>', 'load run: this many simulated users (progress bar, latency percentiles, errors by kind)', positiveIntArg('--users'))
    .option('--concurrency <n>', 'load run: users in flight at once', positiveIntArg('--concurrency'), 16)
    .addHelpText(
      'after',
      `
With no --backend it starts the mock and the embedded reference backend on free ports (offline); with --backend and
--mock it first checks that both answer. Steps a backend does not offer (not in its contract, or 404 on its path),
and checks with nothing to examine, are skipped, not failed. Exit code 0 only when no step failed.

A load run draws a progress bar on a terminal, else writes a progress line to stderr every 5 s
(WXLOGIN_PROGRESS_INTERVAL_MS); Ctrl-C stops it with the summary so far and exit code 130.

Examples:
  $ npx wxlogin flow
  $ npx wxlogin flow --backend http://127.0.0.1:8000/api/ --mock http://127.0.0.1:9400 --profile seed
  $ npx wxlogin flow --backend http://127.0.0.1:9401 --mock http://127.0.0.1:9400 --path login=/auth/login --token-in body
  $ npx wxlogin flow --users 2000 --concurrency 32`,
    )
    .action(async (opts: TargetFlags & { users?: number; concurrency: number }) => {
      const [{ flow }, fmt, { createProgress }, { DEFAULT_DRAIN_MS }] = await Promise.all([
        import('./run.js'),
        import('./format.js'),
        import('../../progress.js'),
        import('../../../client/load.js'),
      ]);
      const ctx = getCtx();
      const json = ctx.global.json;
      const load = opts.users !== undefined;
      // A load run stops on Ctrl-C (or SIGTERM) with the summary of the users that finished; a second Ctrl-C, with
      // no listener left, ends the process at once.
      const stop = new AbortController();
      const finished = new AbortController();
      if (load) {
        void ctx.waitForShutdown(finished.signal).then((signal) => {
          ctx.note(ctx.ce.dim(`${signal}: stopping the load run (users in flight get up to ${DEFAULT_DRAIN_MS / 1000} s to finish; Ctrl-C again to quit now)`));
          stop.abort(signal);
        });
      }
      let bar: ReturnType<typeof createProgress> | undefined;
      let r;
      try {
        r = await flow({
          ...targetOptions(opts),
          user: opts.user,
          users: opts.users,
          concurrency: opts.concurrency,
          signal: load ? stop.signal : undefined,
          onStart: (info) => {
            if (!json) for (const line of fmt.header(info, opts.users, ctx.c)) ctx.print(line);
            if (load) {
              bar = createProgress(ctx, opts.users!, 'users', ' · {failed} failed', { plainExtra: (x) => ` · ${Number(x.failed ?? 0)} failed` });
            }
          },
          onStep: json ? undefined : (s) => ctx.print(fmt.stepLine(s, ctx.c)),
          onProgress: (done, _total, failed) => bar?.update(done, { failed }),
        });
      } finally {
        finished.abort();
        bar?.stop();
      }
      printResult(ctx, r, fmt.flowFormat);
      if (r.mode === 'load' && r.interrupted) {
        const signal = typeof stop.signal.reason === 'string' ? stop.signal.reason : 'SIGINT';
        // 128 + the signal's number, as a shell reports a process a signal ended (SIGINT 2 → 130, SIGTERM 15 → 143).
        throw new CliError(`interrupted by ${signal}`, { exitCode: signal === 'SIGTERM' ? 143 : 130, code: 'interrupted', reported: true });
      }
      if (!r.ok) throw new CliError(r.mode === 'flow' ? 'flow failed' : 'load run had failures', { reported: true });
    });
}
