// `wxlogin mock`: merge config file, environment and flags, build the mock and listen (with --tls also its HTTPS
// face, with --proxy-port also the CONNECT proxy: mock-wechat/front/). The caller owns close().
import type { AddressInfo } from 'node:net';
import {
  adminTokenProblem,
  buildMockWechat,
  loadMockConfig,
  MockConfigError,
  validateMockConfig,
  type MockAppConfig,
  type MockFileConfig,
  type MockUser,
} from '../../../../mock-wechat/index.js';
import { createFront, listenOn, urlOf, type Front } from '../../../../mock-wechat/front/index.js';
import { DEFAULT_TLS_PORT } from '../../../../mock-wechat/front/defaults.js';
import { HOST, MOCK_PORT } from '../../defaults.js';
import { CliError, usageError } from '../../errors.js';
import { toIntAtLeast, toPort } from '../../flags.js';
import { ADMIN_TOKEN_ENV, exposureWarnings } from './exposure.js';
import { checkExportTarget, readStateFile, writeStateFile } from './state-file.js';
import { mockDataDir, tlsCliError } from './tls-flags.js';

export interface MockFlags {
  port?: string;
  host?: string;
  config?: string;
  app?: string[];
  seed?: string;
  quirks?: boolean;
  adminToken?: string;
  maxUsers?: string;
  requestTimeout?: string;
  headersTimeout?: string;
  keepAliveTimeout?: string;
  maxConnections?: string;
  tls?: boolean;
  tlsPort?: string;
  proxyPort?: string;
  dataDir?: string;
  /** A state file (GET /__admin/state, --export-on-exit) to start from: its apps, seed and settings, then its world. */
  import?: string;
  /** Where the mock's state is written when it closes (SIGINT, SIGTERM or close()), mode 0600. */
  exportOnExit?: string;
}

/** What --tls adds: where HTTPS and the proxy listen, and the CA a client must trust. */
export interface RunningTls {
  url: string;
  proxyUrl: string | undefined;
  /** Absolute path of ca.pem. */
  ca: string;
  /** True when this start made the CA (it must be trusted once). */
  caCreated: boolean;
}

export interface RunningMock {
  url: string;
  seed: string;
  apps: MockAppConfig[];
  users: MockUser[];
  tls: RunningTls | undefined;
  /** Things the person starting the mock should know (an unauthenticated API on a reachable address). */
  warnings: string[];
  /** What --import restored. */
  imported: { file: string; users: number; codes: number; phoneCodes: number; tokens: number } | undefined;
  /** Where close() writes the state (--export-on-exit). */
  exportOnExit: string | undefined;
  close(): Promise<void>;
}

export function parseAppFlag(value: string): MockAppConfig {
  const i = value.indexOf(':');
  const appid = i > 0 ? value.slice(0, i).trim() : '';
  const secret = i > 0 ? value.slice(i + 1).trim() : '';
  if (!appid || !secret) throw usageError(`--app expects APPID:SECRET, got "${value}"`);
  return { appid, secret };
}

function parsePort(value: string, flag = '--port'): number {
  const n = toPort(value);
  if (n === undefined) throw usageError(`${flag} expects 0..65535, got "${value}"`);
  return n;
}

function intFlag(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = toIntAtLeast(value, min);
  if (n === undefined) throw usageError(`${flag} expects an integer >= ${min}, got "${value}"`);
  return n;
}

/** Builds and starts the mock from flags (over an optional config file and the environment); the caller owns close(). */
export async function startMock(
  flags: MockFlags,
  env: NodeJS.ProcessEnv = {},
  hooks: { onProxyRefused?: (destination: string) => void } = {},
): Promise<RunningMock> {
  let file: MockFileConfig = {};
  if (flags.config !== undefined) {
    try {
      file = await loadMockConfig(flags.config);
    } catch (err) {
      if (err instanceof MockConfigError) throw usageError(err.message);
      throw err;
    }
  }
  const { port: filePort, host: fileHost, ...options } = file;
  // --import: the file's settings, apps and seed, under the config file and the flags (a config's apps or seed that
  // differ from the snapshot's are refused by the import below, naming the field).
  const snapshot = flags.import !== undefined ? await readStateFile(flags.import) : undefined;
  if (snapshot !== undefined) {
    let settings: MockFileConfig = {};
    try {
      if (snapshot.settings !== undefined) settings = validateMockConfig(snapshot.settings, `--import ${flags.import}: settings`);
    } catch (err) {
      if (err instanceof MockConfigError) throw usageError(err.message);
      throw err;
    }
    for (const [k, v] of Object.entries(settings)) if (!(k in options)) (options as Record<string, unknown>)[k] = v;
    if (options.apps === undefined && Array.isArray(snapshot.apps)) options.apps = snapshot.apps as MockAppConfig[];
    if (options.seed === undefined && typeof snapshot.seed === 'string') options.seed = snapshot.seed;
  }
  if (flags.exportOnExit !== undefined) await checkExportTarget(flags.exportOnExit);
  if (flags.app && flags.app.length > 0) options.apps = flags.app.map(parseAppFlag);
  if (flags.seed !== undefined) options.seed = /^-?\d+$/.test(flags.seed) ? Number(flags.seed) : flags.seed;
  if (flags.quirks) options.quirks = 'rotate';
  const numeric = [
    ['--max-users', 'maxUsers', flags.maxUsers, 0],
    ['--request-timeout', 'requestTimeoutMs', flags.requestTimeout, 1],
    ['--headers-timeout', 'headersTimeoutMs', flags.headersTimeout, 1],
    ['--keep-alive-timeout', 'keepAliveTimeoutMs', flags.keepAliveTimeout, 1],
    ['--max-connections', 'maxConnections', flags.maxConnections, 1],
  ] as const;
  for (const [flag, key, value, min] of numeric) {
    const n = intFlag(flag, value, min);
    if (n !== undefined) options[key] = n;
  }
  // Flag over environment over config file; the token itself is never echoed in an error.
  const envToken = env[ADMIN_TOKEN_ENV] === '' ? undefined : env[ADMIN_TOKEN_ENV];
  const token = flags.adminToken ?? envToken;
  if (token !== undefined) {
    const problem = adminTokenProblem(token);
    const source = flags.adminToken !== undefined ? '--admin-token' : ADMIN_TOKEN_ENV;
    if (problem) throw usageError(`${source} ${problem}`);
    options.adminToken = token;
  }
  const port = flags.port !== undefined ? parsePort(flags.port) : (filePort ?? MOCK_PORT);
  const host = flags.host ?? fileHost ?? HOST;
  // --tls-port and --proxy-port say --tls too: the proxy leads to the HTTPS face.
  const tlsOn = flags.tls === true || flags.tlsPort !== undefined || flags.proxyPort !== undefined;
  const tlsPort = flags.tlsPort !== undefined ? parsePort(flags.tlsPort, '--tls-port') : DEFAULT_TLS_PORT;
  const proxyPort = flags.proxyPort !== undefined ? parsePort(flags.proxyPort, '--proxy-port') : undefined;
  const dataDir = tlsOn ? mockDataDir(flags.dataDir, env) : undefined;

  let built;
  try {
    built = buildMockWechat(options);
  } catch (err) {
    throw usageError(`cannot start the mock: ${(err as Error).message}`);
  }
  const { app, control } = built;
  let imported: RunningMock['imported'];
  if (snapshot !== undefined) {
    try {
      imported = { file: flags.import!, ...control.importState(snapshot) };
    } catch (err) {
      await app.close();
      throw usageError(`--import ${flags.import}: ${(err as Error).message}`);
    }
  }
  try {
    await app.listen({ port, host });
  } catch (err) {
    await app.close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new CliError(`port ${port} is already in use; pick another with --port (0 = any free port)`, { code: 'port_in_use', cause: err });
    }
    throw new CliError(`cannot listen on ${host}:${port}: ${(err as Error).message}`, { cause: err });
  }
  const addr = app.server.address() as AddressInfo;
  const warnings = exposureWarnings(addr.address, options.adminToken !== undefined);
  let front: Front | undefined;
  let tls: RunningTls | undefined;
  if (dataDir !== undefined) {
    try {
      front = await createFront(app, { ...options, dataDir, proxy: proxyPort !== undefined, onRefused: hooks.onProxyRefused });
      const listen = async (server: Parameters<typeof listenOn>[0], port: number, flag: string) => {
        try {
          return await listenOn(server, port, host);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
            throw new CliError(`port ${port} is already in use; pick another with ${flag} (0 = any free port)`, { code: 'port_in_use', cause: err });
          }
          throw new CliError(`cannot listen on ${host}:${port} (${flag}): ${(err as Error).message}`, { cause: err });
        }
      };
      const tlsAddr = await listen(front.tls, tlsPort, '--tls-port');
      const proxyAddr = front.proxy && proxyPort !== undefined ? await listen(front.proxy.server, proxyPort, '--proxy-port') : undefined;
      tls = {
        url: urlOf('https', tlsAddr),
        proxyUrl: proxyAddr && urlOf('http', proxyAddr),
        ca: front.ca.certPath,
        caCreated: front.ca.created,
      };
      warnings.push(...front.ca.warnings);
    } catch (err) {
      await front?.close();
      await app.close();
      throw tlsCliError(err);
    }
  }
  return {
    url: urlOf('http', addr),
    seed: control.seed(),
    apps: control.apps(),
    users: control.listUsers(),
    tls,
    warnings,
    imported,
    exportOnExit: flags.exportOnExit,
    close: async () => {
      // Written before the servers close, and the servers close even when it cannot be written.
      const exported = flags.exportOnExit !== undefined ? writeStateFile(flags.exportOnExit, control.exportState()) : undefined;
      await exported?.catch(() => undefined);
      await front?.close();
      await app.close();
      await exported;
    },
  };
}
