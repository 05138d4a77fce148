// `wxlogin mock`: the mock WeChat server on its own, until Ctrl-C (with --tls also over HTTPS for code that keeps
// https://api.weixin.qq.com); `wxlogin mock ca`: the local CA behind that HTTPS, and how to trust it.
import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { DEFAULT_TLS_PORT, WECHAT_API_HOST } from '../../../../mock-wechat/front/defaults.js';
import { DATA_DIR, MOCK_PORT, HOST } from '../../defaults.js';
import { collect } from '../../flags.js';
import { printResult } from '../../output.js';
import type { MockFlags } from './run.js';

export default function register(program: Command, getCtx: () => CliContext): void {
  const mock = program
    .command('mock')
    .description("start the mock WeChat server (server API, client simulator, admin API) until Ctrl-C")
    .option('-p, --port <port>', `port to listen on, 0 for any free port (default: ${MOCK_PORT})`)
    .option('--host <host>', `address to listen on (default: ${HOST})`)
    .option('-c, --config <file>', 'JSON config file: apps, users and policies (flags override it)')
    .option('--app <appid:secret>', 'serve this app instead of the default one (repeatable)', collect)
    .option('--seed <n>', 'seed for users, codes, keys, ivs and tokens (same seed, same run)')
    .option('--quirks', "rotate WeChat's disputed wire forms answer by answer (text/plain, encoding=utf-8, legacy expires_in, countryCode type, errmsg suffixes, key order), seeded (config: \"quirks\": \"rotate\")")
    .option(
      '--admin-token <token>',
      'require Authorization: Bearer TOKEN on every /__admin route (env WXLOGIN_MOCK_ADMIN_TOKEN; prefer the env: argv is visible to ps)',
    )
    .option('--max-users <n>', 'users held across all apps before more are refused with a 409, 0 = no limit (default: 10000)')
    .option('--request-timeout <ms>', 'a request (headers and body) must arrive within this time, else 408 (default: 30000)')
    .option('--headers-timeout <ms>', 'request headers must arrive within this time, at most --request-timeout (default: 10000)')
    .option('--keep-alive-timeout <ms>', 'an idle keep-alive connection closes after this time (default: 5000)')
    .option('--max-connections <n>', 'open connections at most; more are closed as they arrive (default: 1024)')
    .option('--tls', `also serve over HTTPS, with a certificate for ${WECHAT_API_HOST}, localhost and 127.0.0.1 from a local CA`)
    .option('--tls-port <port>', `HTTPS port, 0 for any free port (implies --tls; default: ${DEFAULT_TLS_PORT})`)
    .option('--proxy-port <port>', `also an HTTPS_PROXY (HTTP CONNECT) that leads ${WECHAT_API_HOST} to the mock and refuses every other host (implies --tls)`)
    .option('--data-dir <dir>', `where the local CA is made once and kept (env WXLOGIN_DATA_DIR; default: ${DATA_DIR})`)
    .option('--import <file>', 'start from a state file (--export-on-exit, GET /__admin/state): its apps, seed, settings, users, keys, codes, tokens')
    .option('--export-on-exit <file>', 'write the state there on Ctrl-C or SIGTERM (mode 0600: it holds app secrets and session keys)')
    .addHelpText(
      'after',
      `
The admin API (/__admin) and the client simulator (/__client) have no authentication unless --admin-token is set
(then only /__admin requires it); on an address other than loopback, wxlogin mock says so on stderr.

With --tls, code that keeps https://${WECHAT_API_HOST} reaches the mock unchanged: trust the CA (\`wxlogin mock ca\` prints
its path and how, per language) and route the host here, with --proxy-port and HTTPS_PROXY, or by resolving
${WECHAT_API_HOST} to 127.0.0.1 (curl --resolve / --connect-to). The proxy never connects anywhere but the mock.

Examples:
  $ npx wxlogin mock                                  one fake app and a few users on http://${HOST}:${MOCK_PORT}
  $ npx wxlogin mock --seed 42 --port 0 --json        reproducible run on a free port; URL, apps and users as JSON
  $ npx wxlogin mock --config mock.json               apps, users and policies (rotation, TTLs, limits) from a file
  $ npx wxlogin mock --app wx1111111111111111:secret1 --app wx2222222222222222:secret2
  $ WXLOGIN_MOCK_ADMIN_TOKEN=s3cret npx wxlogin mock --host 0.0.0.0   reachable from other machines, admin API guarded
  $ curl -s localhost:${MOCK_PORT}/__client/login -H 'content-type: application/json' -d '{"user":"alice"}'
  $ npx wxlogin mock --import state.json --export-on-exit state.json   users, keys and tokens survive a restart
  $ npx wxlogin mock --tls --proxy-port 9444          HTTPS on ${DEFAULT_TLS_PORT}; HTTPS_PROXY=http://127.0.0.1:9444 for ${WECHAT_API_HOST}`,
    )
    .action(async (opts: MockFlags) => {
      const [{ startMock }, { mockFormat }] = await Promise.all([import('./run.js'), import('./format.js')]);
      const ctx = getCtx();
      // Each host a client tried to reach through the proxy and was refused: what it would have leaked.
      const onProxyRefused = (destination: string) => ctx.note(ctx.ce.yellow(`proxy refused ${destination}: only ${WECHAT_API_HOST} is served`));
      // Listening for signals before the address is printed: a script that reads it and sends SIGTERM at once must
      // not find the process without handlers.
      const shutdown = ctx.waitForShutdown();
      const mock = await startMock(opts, ctx.env, { onProxyRefused });
      for (const w of mock.warnings) ctx.note(ctx.ce.yellow(w));
      if (mock.imported) {
        const { file, users, codes, tokens } = mock.imported;
        ctx.note(ctx.c.dim(`state from ${file}: ${users} users, ${codes} login codes, ${tokens} access tokens`));
      }
      printResult(ctx, mock, mockFormat);
      ctx.note(ctx.c.dim('serving until Ctrl-C (SIGINT) or SIGTERM'));
      const signal = await shutdown;
      ctx.note(ctx.c.dim(`${signal}: closing the mock`));
      await mock.close();
      if (mock.exportOnExit !== undefined) ctx.note(ctx.c.dim(`state written to ${mock.exportOnExit}`));
    });

  mock
    .command('ca')
    .description('print the local CA behind `wxlogin mock --tls` (made now if absent) and how to trust it')
    .option('--data-dir <dir>', `where the CA is kept (env WXLOGIN_DATA_DIR; default: ${DATA_DIR})`)
    .addHelpText(
      'after',
      `
Example:
  $ npx wxlogin mock ca
  $ curl --cacert ${DATA_DIR}/tls/ca.pem -x http://127.0.0.1:9444 https://${WECHAT_API_HOST}/...   (with wxlogin mock --proxy-port 9444)`,
    )
    .action(async (opts: { dataDir?: string }) => {
      const [{ showCa }, { caFormat }] = await Promise.all([import('./ca.js'), import('./format.js')]);
      const ctx = getCtx();
      // commander gives a --data-dir written after \`ca\` to \`mock\`, which has the same option.
      const result = await showCa({ dataDir: opts.dataDir ?? mock.opts<MockFlags>().dataDir }, ctx.env);
      for (const w of result.warnings) ctx.note(ctx.ce.yellow(w));
      printResult(ctx, result, caFormat);
    });
}
