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
With no --backend it starts the mock and the embedded reference backend on free ports (offline). Steps a backend
does not offer (not in its contract, or 404 on its path) are skipped, not failed. Exit code 0 only when no step failed.

Examples:
  $ wxlogin flow
  $ wxlogin flow --backend http://127.0.0.1:8000/api/ --mock http://127.0.0.1:9400 --profile seed
  $ wxlogin flow --backend http://127.0.0.1:9401 --mock http://127.0.0.1:9400 --path login=/auth/login --token-in body
  $ wxlogin flow --users 2000 --concurrency 32`,
    )
    .action(async (opts: TargetFlags & { users?: number; concurrency: number }) => {
      const [{ flow }, fmt, { createProgress }] = await Promise.all([import('./run.js'), import('./format.js'), import('../../progress.js')]);
      const ctx = getCtx();
      const json = ctx.global.json;
      let bar: ReturnType<typeof createProgress> | undefined;
      let r;
      try {
        r = await flow({
          ...targetOptions(opts),
          user: opts.user,
          users: opts.users,
          concurrency: opts.concurrency,
          onStart: (info) => {
            if (!json) for (const line of fmt.header(info, opts.users, ctx.c)) ctx.print(line);
            if (opts.users !== undefined) bar = createProgress(ctx, opts.users, 'users', ' · {failed} failed');
          },
          onStep: json ? undefined : (s) => ctx.print(fmt.stepLine(s, ctx.c)),
          onProgress: (done, _total, failed) => bar?.update(done, { failed }),
        });
      } finally {
        bar?.stop();
      }
      printResult(ctx, r, fmt.flowFormat);
      if (!r.ok) throw new CliError(r.mode === 'flow' ? 'flow failed' : 'load run had failures', { reported: true });
    });
}
