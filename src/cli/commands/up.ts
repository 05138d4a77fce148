import { InvalidArgumentError, type Command } from 'commander';
import { hideErrorCredentials, type CliContext } from '../context.js';

function port(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) > 65535) throw new InvalidArgumentError(`a port is 0..65535, got "${v}"`);
  return Number(v);
}

export default function register(program: Command, getCtx: () => CliContext): void {
  program
    .command('up')
    .description('start the mock WeChat and the reference backend together (SQLite store in a data directory)')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--mock-port <port>', 'mock WeChat port (0 = any free port)', port, 9400)
    .option('--port <port>', 'backend port (0 = any free port)', port, 9401)
    .option('--data-dir <dir>', 'where the backend keeps its SQLite file', '.wxlogin')
    .option('--store <uri>', 'backend store instead: sqlite://PATH, redis://HOST:PORT or memory://')
    .option('--seed <seed>', "the mock's seed: reproducible users, codes and keys")
    .addHelpText(
      'after',
      `
Runs until Ctrl-C (SIGINT) or SIGTERM, then stops both servers cleanly. With --json it prints one JSON line
{"ok", "mock", "backend", ...} once both listen.

Example:
  $ wxlogin up
  $ wxlogin flow --backend http://127.0.0.1:9401 --mock http://127.0.0.1:9400   # in another terminal`,
    )
    .action(async (opts: { host: string; mockPort: number; port: number; dataDir: string; store?: string; seed?: string }) => {
      const [{ up }, { redactUri }] = await Promise.all([import('../run/up.js'), import('../../store/uri.js')]);
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
      const { stack } = started;
      // Shown, not used: a Redis password in the store URI stays out of the banner and the --json line.
      const r = { ...started.result, store: redactUri(started.result.store) };
      const { c } = ctx;
      if (ctx.global.json) ctx.print(JSON.stringify(r));
      else {
        ctx.print(`${c.green('✔')} mock WeChat        ${c.bold(r.mock)}   ${c.dim(`app ${r.appid}`)}`);
        ctx.print(`${c.green('✔')} reference backend  ${c.bold(r.backend)}   ${c.dim(`store ${r.store}`)}`);
        ctx.print('');
        ctx.print(c.dim('Try it (in another terminal):'));
        ctx.print(`  TOKEN=$(npx wxlogin login --backend ${r.backend} --mock ${r.mock})`);
        ctx.print(`  curl -s -H "Authorization: Bearer $TOKEN" ${r.backend}/me`);
        ctx.print(`  npx wxlogin flow --backend ${r.backend} --mock ${r.mock}`);
        ctx.print('');
        ctx.print(c.dim('Ctrl-C stops both.'));
      }
      const signal = await shutdown;
      await stack.close().catch((err: unknown) => {
        throw hideErrorCredentials(err, [opts.store]);
      });
      ctx.note(ctx.ce.dim(`${signal}: mock and backend stopped`));
    });
}
