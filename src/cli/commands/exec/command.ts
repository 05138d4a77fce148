// `wxlogin exec -- CMD ARGS...`: the mock (and the reference backend) for as long as a command runs, as
// `firebase emulators:exec` does; wxlogin exits with the command's exit code.
import { constants } from 'node:os';
import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { WECHAT_API_HOST } from '../../../../mock-wechat/front/defaults.js';
import { DATA_DIR, HOST } from '../../defaults.js';
import { CliError, usageError } from '../../errors.js';
import { collect } from '../../flags.js';
import type { ExecFlags, RunningCommand, Services } from './run.js';

/** Passed on to the command's group. SIGHUP too: the command is in a session of its own, a closed terminal would
 * hang up on wxlogin alone. */
const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** How long the command's group has after SIGTERM (or a forwarded signal) before SIGKILL. */
const KILL_GRACE_MS = 3000;
const KILL_GRACE_TEXT = `${KILL_GRACE_MS / 1000} s`;

/**
 * Whether the command words came after `--`. Without it commander reads the command's own flags that wxlogin also
 * has (`--seed`, `--json`, `--help`...) as wxlogin's, and they would silently go missing from the command.
 * `rawArgs` is the argv the root program parsed (commander keeps it on the command; its typings leave it out).
 */
function afterDashDash(command: Command, cmd: readonly string[]): boolean {
  let root: Command = command;
  while (root.parent) root = root.parent;
  const raw = (root as unknown as { rawArgs?: string[] }).rawArgs ?? [];
  const i = raw.indexOf('--');
  return i >= 0 && raw.length - (i + 1) === cmd.length && cmd.every((word, k) => raw[i + 1 + k] === word);
}

export default function register(program: Command, getCtx: () => CliContext): void {
  program
    .command('exec')
    .description('run a command against the mock WeChat (and the reference backend), then stop them and exit with its code')
    .usage('[options] -- <cmd> [args...]')
    .argument('<cmd...>', 'the command and its arguments, after --')
    // The command's own flags (`node -e`) reach the action, which then asks for the -- they should come after.
    .allowUnknownOption()
    .option('--backend', 'also start the reference backend (in-memory store unless --store)')
    .option('--store <uri>', "the backend's store: memory:// (default), sqlite://PATH or redis://HOST:PORT")
    .option('--host <host>', `address both listen on, on free ports (default: ${HOST})`)
    .option('-c, --config <file>', "the mock's JSON config file: apps, users and policies (its port is not used)")
    .option('--app <appid:secret>', 'serve this app instead of the default one (repeatable; the first one is WX_APPID)', collect)
    .option('--seed <n>', "the mock's seed for users, codes, keys, ivs and tokens (same seed, same run)")
    .option('--tls', `also the mock's HTTPS face and its HTTPS_PROXY for ${WECHAT_API_HOST} (see wxlogin mock --help)`)
    .option('--data-dir <dir>', `with --tls, where the local CA is kept (env WXLOGIN_DATA_DIR; default: ${DATA_DIR})`)
    .addHelpText(
      'after',
      `
The command gets wxlogin's environment plus:
  WX_API_BASE             the mock's URL, where a backend sends what it sends to https://${WECHAT_API_HOST}
  WX_APPID, WX_SECRET     the mock's app (the first one)
  WXLOGIN_MOCK_URL        the mock's URL again (admin API /__admin, client simulator /__client)
  WXLOGIN_BACKEND_URL     with --backend: the reference backend's URL
  WXLOGIN_MOCK_HTTPS_URL  with --tls: the mock over HTTPS
  WXLOGIN_MOCK_CA         with --tls: the CA file behind its certificate, also as NODE_EXTRA_CA_CERTS
  HTTPS_PROXY             with --tls (and https_proxy): leads ${WECHAT_API_HOST} to the mock, refuses other hosts

The command runs without a shell (write sh -c '...' for one), with wxlogin's stdin, stdout and stderr, as the
leader of a process group of its own. When it exits, what it left running in that group gets SIGTERM (SIGKILL
${KILL_GRACE_TEXT} later), the servers stop, and wxlogin exits with the command's exit code: 128 + N if signal N ended it,
127 if it is not found. Ctrl-C, SIGTERM and SIGHUP are passed on to the whole group; a second one, or the command
still running ${KILL_GRACE_TEXT} later, sends SIGKILL. Out of reach: a process that leaves the group (setsid, a daemon), and
everything if wxlogin itself is killed with SIGKILL.

Examples:
  $ npx wxlogin exec -- npm test
  $ npx wxlogin exec --backend --seed 42 -- npx vitest run test/e2e
  $ npx wxlogin exec -- sh -c 'node my-backend.js & npm run e2e'    your backend, pointed at the mock by WX_API_BASE`,
    )
    .action(async (cmd: string[], opts: ExecFlags, command: Command) => {
      if (!afterDashDash(command, cmd)) {
        if (cmd[0]?.startsWith('-')) throw usageError(`unknown option '${cmd[0]}'`);
        throw usageError(`put -- between wxlogin's options and the command: wxlogin exec [options] -- ${cmd[0]} ...`);
      }
      if (cmd[0] === '') throw usageError('the command after -- is empty');
      if (opts.store !== undefined && !opts.backend) throw usageError('--store is for the reference backend: add --backend');
      if (opts.dataDir !== undefined && !opts.tls) throw usageError('--data-dir is where the --tls CA is kept: add --tls');
      const [{ startServices, startCommand }, { startedLine, stoppedLine }] = await Promise.all([import('./run.js'), import('./format.js')]);
      const ctx = getCtx();

      // From here on a signal does not end wxlogin: it is kept until the command runs, then passed on to it.
      const early: NodeJS.Signals[] = [];
      let running: RunningCommand | undefined;
      const onSignal = (signal: NodeJS.Signals) => {
        if (running) running.forward(signal);
        else early.push(signal);
      };
      for (const s of FORWARDED) process.on(s, onSignal);
      let services: Services | undefined;
      try {
        // What the command tried to reach through the proxy and was refused (with --tls).
        const onProxyRefused = (destination: string) => ctx.note(ctx.ce.yellow(`proxy refused ${destination}: only ${WECHAT_API_HOST} is served`));
        services = await startServices(opts, ctx.env, { onProxyRefused });
        for (const w of services.warnings) ctx.note(ctx.ce.yellow(w));
        if (early.length > 0) {
          throw new CliError(`${early[0]} before the command started; nothing was run`, {
            exitCode: 128 + (constants.signals[early[0]!] ?? 0),
            code: 'interrupted',
          });
        }
        ctx.note(startedLine(services, cmd, ctx.ce));
        running = await startCommand(cmd, { ...ctx.env, ...services.env }, KILL_GRACE_MS);
        // A signal that came while the command was being spawned.
        for (const s of early) running.forward(s);
        const status = await running.done;
        await services.close();
        ctx.note(stoppedLine(cmd, status, ctx.ce));
        if (status !== 0) {
          throw new CliError(`${cmd[0]} ended with exit status ${status}`, { exitCode: status, code: 'command_failed', reported: true });
        }
      } finally {
        // Idempotent: closes whatever is still open when something above threw.
        await services?.close();
        for (const s of FORWARDED) process.off(s, onSignal);
      }
    });
}
