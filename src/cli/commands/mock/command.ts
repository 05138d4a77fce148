// `wxlogin mock`: the mock WeChat server on its own, until Ctrl-C.
import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { MOCK_PORT, HOST } from '../../defaults.js';
import { collect } from '../../flags.js';
import { printResult } from '../../output.js';
import type { MockFlags } from './run.js';

export default function register(program: Command, getCtx: () => CliContext): void {
  program
    .command('mock')
    .description("start the mock WeChat server (server API, client simulator, admin API) until Ctrl-C")
    .option('-p, --port <port>', `port to listen on, 0 for any free port (default: ${MOCK_PORT})`)
    .option('--host <host>', `address to listen on (default: ${HOST})`)
    .option('-c, --config <file>', 'JSON config file: apps, users and policies (flags override it)')
    .option('--app <appid:secret>', 'serve this app instead of the default one (repeatable)', collect)
    .option('--seed <n>', 'seed for users, codes, keys, ivs and tokens (same seed, same run)')
    .option(
      '--admin-token <token>',
      'require Authorization: Bearer TOKEN on every /__admin route (env WXLOGIN_MOCK_ADMIN_TOKEN; prefer the env: argv is visible to ps)',
    )
    .option('--max-users <n>', 'users held across all apps before more are refused with a 409, 0 = no limit (default: 10000)')
    .option('--request-timeout <ms>', 'a request (headers and body) must arrive within this time, else 408 (default: 30000)')
    .option('--headers-timeout <ms>', 'request headers must arrive within this time, at most --request-timeout (default: 10000)')
    .option('--keep-alive-timeout <ms>', 'an idle keep-alive connection closes after this time (default: 5000)')
    .option('--max-connections <n>', 'open connections at most; more are closed as they arrive (default: 1024)')
    .addHelpText(
      'after',
      `
The admin API (/__admin) and the client simulator (/__client) have no authentication unless --admin-token is set
(then only /__admin requires it); on an address other than loopback, wxlogin mock says so on stderr.

Examples:
  $ wxlogin mock                                  one fake app and a few users on http://${HOST}:${MOCK_PORT}
  $ wxlogin mock --seed 42 --port 0 --json        reproducible run on a free port; URL, apps and users as JSON
  $ wxlogin mock --config mock.json               apps, users and policies (rotation, TTLs, limits) from a file
  $ wxlogin mock --app wx1111111111111111:secret1 --app wx2222222222222222:secret2
  $ WXLOGIN_MOCK_ADMIN_TOKEN=s3cret wxlogin mock --host 0.0.0.0   reachable from other machines, admin API guarded
  $ curl -s localhost:${MOCK_PORT}/__client/login -H 'content-type: application/json' -d '{"user":"alice"}'`,
    )
    .action(async (opts: MockFlags) => {
      const [{ startMock }, { mockFormat }] = await Promise.all([import('./run.js'), import('./format.js')]);
      const ctx = getCtx();
      const mock = await startMock(opts, ctx.env);
      for (const w of mock.warnings) ctx.note(ctx.ce.yellow(w));
      printResult(ctx, mock, mockFormat);
      ctx.note(ctx.c.dim('serving until Ctrl-C (SIGINT) or SIGTERM'));
      const signal = await ctx.waitForShutdown();
      ctx.note(ctx.c.dim(`${signal}: closing the mock`));
      await mock.close();
    });
}
