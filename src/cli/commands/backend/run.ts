// `wxlogin backend`: settings from env and flags (flags win), build the backend and listen. The caller owns
// app.close().
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { backendConfigFromEnv, buildBackend, ConfigError, type BackendConfig, type BackendFlags } from '../../../backend/index.js';
import { parseStoreUri } from '../../../store/index.js';
import { redactUri } from '../../../store/uri.js';
import { credentialFilter, hideErrorCredentials } from '../../credentials.js';
import { BACKEND_PORT, HOST } from '../../defaults.js';
import { CliError } from '../../errors.js';
import { toPort } from '../../flags.js';
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface BackendCliFlags extends BackendFlags {
  port?: string;
  host?: string;
  secretFile?: string;
  logLevel?: string;
}

export interface RunningBackend {
  url: string;
  config: BackendConfig;
  app: FastifyInstance;
}

function fail(message: string): never {
  throw new CliError(message, { exitCode: 2, code: 'config' });
}

/** The store URIs these settings may name (flag, env): their passwords are kept out of everything printed. */
export function storeUris(env: Record<string, string | undefined>, flags: Pick<BackendFlags, 'store'>): string[] {
  return [flags.store, env.WXLOGIN_STORE].filter((u): u is string => typeof u === 'string' && u !== '');
}

/**
 * Resolves settings (flags over env), builds and starts the backend; the caller owns app.close(). A Redis password
 * in the store URI appears neither in a thrown error (message or stack) nor in the backend's log lines.
 */
export async function startBackend(
  env: Record<string, string | undefined>,
  flags: BackendCliFlags,
  logStream?: NodeJS.WritableStream,
): Promise<RunningBackend> {
  const uris = storeUris(env, flags);
  try {
    return await start(env, flags, logStream && credentialFilter(logStream, uris));
  } catch (err) {
    throw hideErrorCredentials(err, uris);
  }
}

async function start(
  env: Record<string, string | undefined>,
  flags: BackendCliFlags,
  logStream: NodeJS.WritableStream | undefined,
): Promise<RunningBackend> {
  const portText = flags.port ?? env.WXLOGIN_PORT;
  let port: number = BACKEND_PORT;
  if (portText !== undefined && portText !== '') {
    port = toPort(portText) ?? fail(`${flags.port !== undefined ? '--port' : 'WXLOGIN_PORT'} expects 0..65535, got "${portText}"`);
  }
  const host = flags.host ?? (env.WXLOGIN_HOST || HOST);
  const level = flags.logLevel ?? (env.WXLOGIN_LOG_LEVEL || 'info');
  if (!(LOG_LEVELS as readonly string[]).includes(level)) fail(`--log-level expects one of ${LOG_LEVELS.join(', ')}, got "${level}"`);

  const secretFile = flags.secretFile ?? (env.WX_SECRET_FILE || undefined);
  const resolved: BackendFlags = { ...flags };
  if (resolved.secret === undefined && secretFile !== undefined) {
    try {
      resolved.secret = (await readFile(secretFile, 'utf8')).trim();
    } catch (err) {
      fail(`cannot read the AppSecret file ${secretFile}: ${(err as Error).message}`);
    }
    if (!resolved.secret) fail(`the AppSecret file ${secretFile} is empty`);
  }

  let config: BackendConfig;
  try {
    config = backendConfigFromEnv(env, resolved);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  config.logger = level === 'silent' ? false : { level, ...(logStream ? { stream: logStream } : {}) };

  let app: FastifyInstance;
  try {
    app = await buildBackend(config);
  } catch (err) {
    throw new CliError(`cannot start the backend: ${(err as Error).message}`, { code: 'start', cause: err });
  }
  try {
    const url = (await app.listen({ port, host })).replace(/\/$/, '');
    return { url, config, app };
  } catch (err) {
    await app.close().catch(() => undefined);
    const e = err as { code?: string; message?: string };
    if (e.code === 'EADDRINUSE') throw new CliError(`port ${port} is already in use; pick another with --port (0 = any free port)`, { code: 'port_in_use', cause: err });
    throw new CliError(`cannot listen on ${host}:${port}: ${e.message}`, { cause: err });
  }
}

/** The store as the user should see it: an SQLite path resolved against the data directory, a Redis password hidden. */
export function describeStore(config: BackendConfig): string {
  if (typeof config.store !== 'string') return 'custom';
  const parsed = parseStoreUri(config.store, config.dataDir);
  return parsed.kind === 'sqlite' ? `sqlite://${parsed.path}` : redactUri(config.store);
}

export interface BackendBanner {
  ok: true;
  backend: string;
  appid: string;
  /** The WeChat API base and the store as shown: credentials hidden. */
  wechat: string;
  store: string;
}

/** What to tell the person who started it: where it listens, for which app, against which WeChat, on which store. */
export function banner(running: RunningBackend): BackendBanner {
  const { url, config } = running;
  return { ok: true, backend: url, appid: config.appId, wechat: redactUri(config.wechatBaseUrl), store: describeStore(config) };
}

