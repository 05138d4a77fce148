// `wxlogin mock`: start the mock WeChat server. Options and help only; the implementation loads lazily.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

export default function register(program: Command, getCtx: () => CliContext): void {
  program
    .command('mock')
    .description("start the mock WeChat server (server API, client simulator, admin API) until Ctrl-C")
    .option('-p, --port <port>', 'port to listen on, 0 for any free port (default: 9400)')
    .option('--host <host>', 'address to listen on (default: 127.0.0.1)')
    .option('-c, --config <file>', 'JSON config file: apps, users and policies (flags override it)')
    .option('--app <appid:secret>', 'serve this app instead of the default one (repeatable)', collect)
    .option('--seed <n>', 'seed for users, codes, keys, ivs and tokens (same seed, same run)')
    .addHelpText(
      'after',
      `
Examples:
  $ wxlogin mock                                  one fake app and a few users on http://127.0.0.1:9400
  $ wxlogin mock --seed 42 --port 0 --json        reproducible run on a free port; URL, apps and users as JSON
  $ wxlogin mock --config mock.json               apps, users and policies (rotation, TTLs, limits) from a file
  $ wxlogin mock --app wx1111111111111111:secret1 --app wx2222222222222222:secret2
  $ curl -s localhost:9400/__client/login -H 'content-type: application/json' -d '{"user":"alice"}'`,
    )
    .action(async (opts: { port?: string; host?: string; config?: string; app?: string[]; seed?: string }) => {
      const { runMock } = await import('../run/mock.js');
      await runMock(getCtx(), opts);
    });
}
