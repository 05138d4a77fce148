// `wxlogin exec`: the mock (and with --backend the reference backend) on free ports, then a command run with their
// URLs in its environment, in a process group of its own so that nothing it starts outlives it. The command layer
// owns the signals: it calls forward() on the running command and close() on the servers.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { hideErrorCredentials } from '../../credentials.js';
import { CliError, usageError } from '../../errors.js';
import { startMock, type MockFlags } from '../mock/run.js';

export interface ExecFlags {
  backend?: boolean;
  store?: string;
  host?: string;
  config?: string;
  app?: string[];
  seed?: string;
  /** The mock's HTTPS face and CONNECT proxy too (free ports), with the CA from the data directory. */
  tls?: boolean;
  dataDir?: string;
}

/** The variables the command gets on top of wxlogin's own environment. */
export const EXEC_ENV = {
  apiBase: 'WX_API_BASE',
  appid: 'WX_APPID',
  secret: 'WX_SECRET',
  mockUrl: 'WXLOGIN_MOCK_URL',
  backendUrl: 'WXLOGIN_BACKEND_URL',
  // With --tls:
  httpsUrl: 'WXLOGIN_MOCK_HTTPS_URL',
  ca: 'WXLOGIN_MOCK_CA',
  /** Node adds it to its trusted roots at start-up: https://nodejs.org/api/cli.html#node_extra_ca_certsfile */
  nodeCa: 'NODE_EXTRA_CA_CERTS',
  /** Both spellings: curl reads only the lower-case one, others prefer it when both are set. */
  proxy: ['HTTPS_PROXY', 'https_proxy'],
} as const;

export interface Services {
  mockUrl: string;
  backendUrl?: string;
  /** With --tls: the mock's HTTPS face, its CONNECT proxy and the CA file that signs it. */
  tls?: { url: string; proxyUrl?: string; ca: string };
  /** The mock's first app: the one the backend is configured with and the command is handed. */
  app: { appid: string; secret: string };
  /** Things the person starting the mock should know (an unauthenticated API on a reachable address). */
  warnings: string[];
  /** The variables for the command (see EXEC_ENV). */
  env: Record<string, string>;
  /** Backend first (it may still be calling the mock), then the mock. Never rejects. */
  close(): Promise<void>;
}

/** Starts the mock on a free port (its flags and config file as `wxlogin mock` reads them) and, if asked, the backend. */
export async function startServices(
  flags: ExecFlags,
  env: NodeJS.ProcessEnv,
  hooks: { onProxyRefused?: (destination: string) => void } = {},
): Promise<Services> {
  // Free ports always: a port in the config file is for `wxlogin mock`, exec runs next to whatever else listens.
  const mockFlags: MockFlags = { port: '0', host: flags.host, config: flags.config, app: flags.app, seed: flags.seed };
  if (flags.tls) Object.assign(mockFlags, { tls: true, tlsPort: '0', proxyPort: '0', dataDir: flags.dataDir });
  const mock = await startMock(mockFlags, env, hooks);
  const closers: (() => Promise<unknown>)[] = [() => mock.close()];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    closers.length = 0;
  };
  const first = mock.apps[0];
  if (!first) {
    await close();
    throw new CliError('the mock serves no app: give one with --app APPID:SECRET or in the config file');
  }
  const app = { appid: first.appid, secret: first.secret };
  const vars: Record<string, string> = {
    [EXEC_ENV.apiBase]: mock.url,
    [EXEC_ENV.appid]: app.appid,
    [EXEC_ENV.secret]: app.secret,
    [EXEC_ENV.mockUrl]: mock.url,
  };
  if (mock.tls) {
    vars[EXEC_ENV.httpsUrl] = mock.tls.url;
    vars[EXEC_ENV.ca] = mock.tls.ca;
    vars[EXEC_ENV.nodeCa] = mock.tls.ca;
    for (const name of EXEC_ENV.proxy) if (mock.tls.proxyUrl) vars[name] = mock.tls.proxyUrl;
  }
  let backendUrl: string | undefined;
  if (flags.backend) {
    const store = flags.store ?? 'memory://';
    try {
      const { buildBackend } = await import('../../../backend/index.js');
      const backend = await buildBackend({ appId: app.appid, appSecret: app.secret, wechatBaseUrl: mock.url, store, logger: false });
      closers.push(() => backend.close());
      // The mock's own address (IPv6 bracketed in its URL): both listen where --host (or the config file) says.
      const host = new URL(mock.url).hostname.replace(/^\[(.*)\]$/, '$1');
      backendUrl = (await backend.listen({ host, port: 0 })).replace(/\/$/, '');
    } catch (err) {
      await close();
      throw hideErrorCredentials(err, [store]);
    }
    vars[EXEC_ENV.backendUrl] = backendUrl;
  }
  const tls = mock.tls && { url: mock.tls.url, proxyUrl: mock.tls.proxyUrl, ca: mock.tls.ca };
  return { mockUrl: mock.url, backendUrl, tls, app, warnings: mock.warnings, env: vars, close };
}

/** How long to wait for the group to vanish after SIGKILL (a zombie no one reaps would otherwise hold us). */
const KILLED_WAIT_MS = 2000;
const POLL_MS = 25;

export interface RunningCommand {
  pid: number;
  /**
   * Passes a signal wxlogin received on to the command's whole group; if the command has not exited graceMs
   * later, or when a second signal comes, the group gets SIGKILL.
   */
  forward(signal: NodeJS.Signals): void;
  /**
   * The command's exit status as a shell reports it (its code, or 128 + N after signal N), once the command has
   * exited and every process left in its group has been stopped (SIGTERM, then SIGKILL after graceMs).
   */
  done: Promise<number>;
}

/** The exit status a shell reports for a process that ended with this code or signal. */
export function shellStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const n = signal ? constants.signals[signal] : undefined;
  return n === undefined ? 1 : 128 + n;
}

/** Whether a process of group `pgid` is still there (one this user may not signal counts as there). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is gone already
  }
}

async function groupGone(pgid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (groupAlive(pgid)) {
    if (Date.now() >= until) return false;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return true;
}

/**
 * Runs argv[0] (looked up on PATH, no shell) with stdio inherited, as the leader of a new process group (Node's
 * `detached`: https://nodejs.org/api/child_process.html#optionsdetached), so that the group can be signalled as a
 * whole and a background process the command started is found after it exits. Rejects with exit code 127 when the
 * command is not found and 126 when it cannot be run, as shells do.
 */
export function startCommand(argv: readonly string[], env: NodeJS.ProcessEnv, graceMs: number): Promise<RunningCommand> {
  const [file, ...args] = argv;
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(file!, args, { env, stdio: 'inherit', detached: true });
    } catch (err) {
      // Node refuses an empty command name or a NUL byte in an argument before trying.
      reject(usageError(`cannot run "${file}": ${(err as Error).message}`));
      return;
    }
    child.once('error', (err: NodeJS.ErrnoException) => {
      // Only a failed spawn lands here: signals go through process.kill on the group, never child.kill.
      const notFound = err.code === 'ENOENT';
      const why = notFound ? 'command not found' : err.code === 'EACCES' ? 'permission denied (not an executable file?)' : err.message;
      reject(
        new CliError(`cannot run "${file}": ${why} (${err.code ?? 'spawn failed'})`, {
          exitCode: notFound ? 127 : 126,
          code: notFound ? 'command_not_found' : 'command_not_runnable',
          cause: err,
        }),
      );
    });
    child.once('spawn', () => {
      const pgid = child.pid!;
      const exited = new Promise<number>((r) => child.once('exit', (code, signal) => r(shellStatus(code, signal))));
      let forwarded = 0;
      let killTimer: NodeJS.Timeout | undefined;
      const forward = (signal: NodeJS.Signals) => {
        forwarded += 1;
        if (forwarded > 1) {
          signalGroup(pgid, 'SIGKILL');
          return;
        }
        signalGroup(pgid, signal);
        killTimer = setTimeout(() => signalGroup(pgid, 'SIGKILL'), graceMs);
      };
      const done = (async () => {
        const status = await exited;
        clearTimeout(killTimer);
        // What the command left running in its group (`server & tests`) is stopped too.
        if (groupAlive(pgid)) {
          signalGroup(pgid, 'SIGTERM');
          if (!(await groupGone(pgid, graceMs))) {
            signalGroup(pgid, 'SIGKILL');
            await groupGone(pgid, KILLED_WAIT_MS);
          }
        }
        clearTimeout(killTimer);
        return status;
      })();
      resolve({ pid: pgid, forward, done });
    });
  });
}
