// `wxlogin audit`: a security and conformance scorecard for any WeChat login backend, through the mock.
import { writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import type { CliContext } from '../../context.js';
import { CliError } from '../../errors.js';
import { collect, positiveIntArg } from '../../flags.js';
import { printResult } from '../../output.js';
import { addTargetOptions, targetOptions, type TargetFlags } from '../../target-flags.js';

interface AuditFlags extends TargetFlags {
  log?: string;
  only?: string[];
  skip?: string[];
  prove?: boolean;
  proveQueries?: number;
  proveSeconds?: number;
  junit?: string;
  failOn: 'must' | 'should';
  answerWithin: number;
  list?: boolean;
}

export default function register(program: Command, getCtx: () => CliContext): void {
  const cmd = program
    .command('audit')
    .description('score a login backend against known weaknesses: replayed codes, guessable tokens, padding oracles, leaks, WeChat outages');
  addTargetOptions(cmd, {}, { user: false })
    .option('--log <file>', "the backend's log file (- for stdin), scanned for the session keys, tokens and secrets the audit saw")
    .option('--only <ids>', 'run only these checks: ids, categories (tokens, open-data) or prefixes ending in * (comma-separated, repeatable)', collect)
    .option('--skip <ids>', 'skip these checks (same forms as --only)', collect)
    .option('--prove', 'when a padding oracle is found, forge encrypted data through it (bounded by --prove-queries and --prove-seconds)')
    .option('--prove-queries <n>', 'most oracle queries --prove may send', positiveIntArg('--prove-queries'), 60_000)
    .option('--prove-seconds <n>', 'most seconds --prove may take', positiveIntArg('--prove-seconds'), 120)
    .option('--junit <file>', 'also write the results as JUnit XML (one testcase per check) for CI')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a check of this severity or above fails').choices(['must', 'should']).default('must'))
    .option('--answer-within <ms>', 'how long the backend may take to answer while WeChat misbehaves', positiveIntArg('--answer-within'), 10_000)
    .option('--list', 'list the checks and exit')
    .addHelpText(
      'after',
      `
With no --backend it audits the embedded reference backend, which passes every check. Checks a contract cannot
express are reported as not applicable, never as passed. Exit code: 0 when no check at or above --fail-on failed,
1 when one did, 2 on usage errors.

Examples:
  $ npx wxlogin audit
  $ npx wxlogin audit --backend http://127.0.0.1:8000/api/ --mock http://127.0.0.1:9400 --profile seed
  $ npx wxlogin audit --backend http://127.0.0.1:9401 --mock http://127.0.0.1:9400 --log ./backend.log --junit audit.xml
  $ npx wxlogin audit --only open-data --prove`,
    )
    .action(async (opts: AuditFlags) => {
      const ctx = getCtx();
      if (opts.list) {
        const [{ ALL_CHECKS }, fmt] = await Promise.all([import('../../../audit/checks/index.js'), import('./format.js')]);
        if (ctx.global.json) ctx.printJson(ALL_CHECKS.map(({ run: _run, ...c }) => c));
        else for (const line of fmt.listLines(ALL_CHECKS, ctx.c)) ctx.print(line);
        return;
      }
      const [{ audit }, fmt, { createProgress }] = await Promise.all([import('./run.js'), import('./format.js'), import('../../progress.js')]);
      const json = ctx.global.json;
      let bar: ReturnType<typeof createProgress> | undefined;
      let done = 0;
      let failed = 0;
      let report;
      try {
        report = await audit({
          ...targetOptions(opts),
          stdin: opts.log === '-' ? ctx.io.stdin : undefined,
          log: opts.log,
          only: opts.only,
          skip: opts.skip,
          prove: opts.prove,
          proveQueries: opts.proveQueries,
          proveSeconds: opts.proveSeconds,
          failOn: opts.failOn,
          answerWithinMs: opts.answerWithin,
          onStart: (info) => {
            if (!json) for (const line of fmt.header(info, ctx.c)) ctx.print(line);
            bar = createProgress(ctx, info.checks, 'checks', ' · {failed} failed');
          },
          onResult: (r) => {
            done++;
            if (r.outcome === 'fail') failed++;
            bar?.update(done, { failed });
          },
        });
      } finally {
        bar?.stop();
      }
      if (opts.junit) {
        const { toJUnit } = await import('../../../audit/junit.js');
        try {
          await writeFile(opts.junit, toJUnit(report));
        } catch (err) {
          throw new CliError(`cannot write --junit ${opts.junit}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { code: 'junit_write' });
        }
      }
      printResult(ctx, report, fmt.auditFormat);
      if (!report.ok) throw new CliError('audit failed', { reported: true });
    });
}
