import { InvalidArgumentError, type Command } from 'commander';
import type { CliContext } from '../context.js';

export default function register(program: Command, getCtx: () => CliContext): void {
  program
    .command('fixtures')
    .description('generate encrypted open-data fixtures (one JSON per case + index.json), reproducible from a seed')
    .requiredOption('--out <dir>', 'directory to write into (created if missing)')
    .option('--seed <seed>', 'any text; the same seed gives the same bytes', 'wxlogin')
    .option('--count <n>', 'sets to generate; each set has one case of every kind', (v) => {
      if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError(`--count must be a positive integer, got "${v}"`);
      return Number(v);
    }, 1)
    .option('--app <appid>', 'the appid in the watermarks', 'wx1234567890abcdef')
    .option('--force', 'write into a non-empty directory that holds no fixture set (case files and index.json are replaced)')
    .addHelpText(
      'after',
      `
Each case: {"name", "kind", "input": {"appid", "session_key", "iv", "encryptedData", "rawData"?, "signature"?},
"expect": {"plaintext": {...}} | {"error": NAME}}. Kinds and error names are listed in index.json.

A rerun over an earlier set removes the cases its index.json lists (nothing else). A non-empty directory that
holds no set is refused unless --force; --out must not be a symbolic link, and links inside it are replaced,
never written through.

Example:
  $ wxlogin fixtures --out fixtures --seed wxlogin --count 2`,
    )
    .action(async (opts: { out: string; seed: string; count: number; app: string; force?: boolean }) => {
      const [{ writeFixtures }, { createProgress }] = await Promise.all([import('../run/fixtures.js'), import('../progress.js')]);
      const ctx = getCtx();
      const { KINDS_PER_SET } = await import('../../client/fixtures.js');
      const total = opts.count * KINDS_PER_SET;
      const bar = total >= 500 ? createProgress(ctx, total, 'fixtures') : undefined;
      let r;
      try {
        r = writeFixtures({ out: opts.out, seed: opts.seed, count: opts.count, appid: opts.app, force: opts.force === true, onProgress: (d) => bar?.update(d) });
      } finally {
        bar?.stop();
      }
      if (ctx.global.json) return ctx.printJson(r);
      const { c } = ctx;
      ctx.print(`${c.green('✔')} ${r.cases} cases + index.json in ${r.dir} (seed ${JSON.stringify(r.seed)}, app ${r.appid}, ${r.casesPerSecond} cases/s)`);
      const kinds = Object.keys(r.byKind);
      ctx.print(c.dim(`  ${opts.count > 1 ? `${opts.count} sets of ${kinds.length} kinds: ` : ''}${kinds.join(', ')}`));
    });
}
