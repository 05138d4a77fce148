// `wxlogin backend`: the reference login backend on its own, until Ctrl-C.
import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { hideErrorCredentials } from '../../credentials.js';
import { BACKEND_PORT, DATA_DIR, HOST, STORE_FILE } from '../../defaults.js';
import { printResult } from '../../output.js';
import type { BackendCliFlags } from './run.js';

export default function register(program: Command, getCtx: () => CliContext): void {
  program
    .command('backend')
    .description('start the reference login backend (login, sessions, user data, phone) until Ctrl-C')
    .option('-p, --port <port>', `port to listen on, 0 for any free port (env WXLOGIN_PORT; default: ${BACKEND_PORT})`)
    .option('--host <host>', `address to listen on (env WXLOGIN_HOST; default: ${HOST})`)
    .option('--appid <appid>', 'the mini program AppID (env WX_APPID)')
    .option('--secret <secret>', 'the AppSecret (env WX_SECRET; prefer the env or --secret-file: argv is visible to ps)')
    .option('--secret-file <file>', 'read the AppSecret from this file (env WX_SECRET_FILE)')
    .option('--api-base <url>', 'WeChat server API base URL, e.g. the mock (env WX_API_BASE; default: https://api.weixin.qq.com)')
    .option('--store <uri>', `sqlite://PATH, redis://HOST:PORT or memory:// (env WXLOGIN_STORE; default: sqlite://${STORE_FILE} in the data dir)`)
    .option('--data-dir <dir>', `where the default SQLite file, ${STORE_FILE}, lives (env WXLOGIN_DATA_DIR; default: ${DATA_DIR})`)
    .option('--rate-limit <n>', 'logins per minute per client, 0 = off (env WXLOGIN_RATE_LIMIT; default: 60)')
    .option('--token-ttl <seconds>', 'login token lifetime (env WXLOGIN_TOKEN_TTL; default: 86400)')
    .option('--stale-key-grace <seconds>', 'accept data under the previous session_key this long after a re-login (env WXLOGIN_STALE_KEY_GRACE; default: 300)')
    .option('--body-limit <bytes>', 'largest request body (env WXLOGIN_BODY_LIMIT; default: 65536)')
    .option('--wechat-timeout <ms>', 'per-attempt timeout for WeChat calls (env WXLOGIN_WECHAT_TIMEOUT_MS; default: 5000)')
    .option('--wechat-retries <n>', 'extra attempts on -1, 5xx and dropped connections (env WXLOGIN_WECHAT_RETRIES; default: 2)')
    .option('--decrypt-failure-budget <n>', 'failed decryptions a session may have per window before its token is revoked, 0 = off (env WXLOGIN_DECRYPT_FAILURE_BUDGET; default: 5)')
    .option('--decrypt-failure-window <seconds>', 'the window of that budget (env WXLOGIN_DECRYPT_FAILURE_WINDOW; default: 600)')
    .option('--data-rate-limit <n>', 'open-data requests per minute per token, 0 = off (env WXLOGIN_DATA_RATE_LIMIT; default: 60)')
    .option('--wechat-rate-limit <n>', 'WeChat calls (session check, phone by code) per minute per user, 0 = off (env WXLOGIN_WECHAT_RATE_LIMIT; default: 10)')
    .option('--allow-query-token', 'also accept ?token= on GET /me (env WXLOGIN_ALLOW_QUERY_TOKEN; default: off, a query string ends up in logs)')
    .option('--request-timeout <ms>', 'a whole request must arrive within this, else 408 (env WXLOGIN_REQUEST_TIMEOUT_MS; default: 30000)')
    .option('--headers-timeout <ms>', 'request headers must arrive within this (env WXLOGIN_HEADERS_TIMEOUT_MS; default: 10000)')
    .option('--keep-alive-timeout <ms>', 'an idle keep-alive connection closes after this (env WXLOGIN_KEEP_ALIVE_TIMEOUT_MS; default: 5000)')
    .option('--max-connections <n>', 'open connections at most (env WXLOGIN_MAX_CONNECTIONS; default: 1024)')
    .option(
      '--cors-origin <origin>',
      'let pages on this origin call the backend from a browser (CORS), e.g. http://127.0.0.1:9400; repeatable (env WXLOGIN_CORS_ORIGINS, comma-separated; default: none, no CORS headers)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent; JSON lines on stderr (env WXLOGIN_LOG_LEVEL; default: info)')
    .addHelpText(
      'after',
      `
Flags override the environment. A missing AppID or AppSecret, or a bad setting, stops it at start-up with one line.

Examples:
  $ WX_APPID=wx1234567890abcdef WX_SECRET=mocksecret000000000000000000000a \\
      npx wxlogin backend --api-base http://127.0.0.1:9400          against a running \`wxlogin mock\`
  $ npx wxlogin backend --store redis://127.0.0.1:6379 --port 9402   a second instance sharing sessions over Redis
  $ curl -s localhost:9401/healthz`,
    )
    .action(async (opts: BackendCliFlags) => {
      const [{ startBackend, banner, storeUris }, { backendFormat }] = await Promise.all([import('./run.js'), import('./format.js')]);
      const ctx = getCtx();
      // Whatever fails, its message may quote the store URI: no Redis password reaches the error line.
      const uris = storeUris(ctx.env, opts);
      try {
        const shutdown = ctx.waitForShutdown();
        const running = await startBackend(ctx.env, opts, ctx.io.stderr);
        printResult(ctx, banner(running), backendFormat);
        const signal = await shutdown;
        const { store } = running.config;
        await running.app.close().catch((err: unknown) => {
          throw hideErrorCredentials(err, [...uris, typeof store === 'string' ? store : undefined]);
        });
        ctx.note(ctx.ce.dim(`${signal}: backend stopped`));
      } catch (err) {
        throw hideErrorCredentials(err, uris);
      }
    });
}
