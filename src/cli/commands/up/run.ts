// `wxlogin up`: the mock and the reference backend together, the backend on an SQLite file in a data directory
// (or any store URI). The caller owns stack.close().
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { redactUri } from '../../../store/uri.js';
import { STORE_FILE } from '../../defaults.js';
import { BACKEND_DEFAULTS } from '../../../backend/index.js';
import { CliError } from '../../errors.js';
import { startStack, type Stack } from '../../stack.js';

export interface UpOptions {
  host: string;
  mockPort: number;
  port: number;
  dataDir: string;
  store?: string;
  seed?: string;
  /** The mock rotates WeChat's disputed wire forms (quirks mode). */
  quirks?: boolean;
  /** The backend's logins per minute per client address; 0 = off; the backend's default (60) when left out. */
  rateLimit?: number;
  /** Origins, besides the mock's own, whose pages may call the backend from a browser (CORS). */
  corsOrigin?: string[];
}

export interface UpResult {
  ok: true;
  mock: string;
  backend: string;
  /** The mock's dashboard, its phone pointed at the backend (`?backend=`). */
  dashboard: string;
  appid: string;
  secret: string;
  /** As shown: a Redis password in the store URI is hidden. */
  store: string;
  dataDir: string;
  /** Logins per minute per client address the backend allows; 0 = no limit. */
  rateLimit: number;
}

export async function up(o: UpOptions): Promise<{ result: UpResult; stack: Stack }> {
  const dataDir = resolve(o.dataDir);
  try {
    // It holds the session store: only this user may read it (the store warns about a directory others can read).
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new CliError(`cannot create the data directory ${dataDir}: ${err instanceof Error ? err.message : err}`, { code: 'io' });
  }
  const store = o.store ?? `sqlite://${join(dataDir, STORE_FILE)}`;
  let stack: Stack;
  try {
    stack = await startStack({
      host: o.host,
      mockPort: o.mockPort,
      backendPort: o.port,
      store,
      dataDir,
      seed: o.seed,
      quirks: o.quirks,
      // The dashboard's phone exchanges its codes at the backend: its origin (the mock's) may call it.
      allowMockOrigin: true,
      ...(o.corsOrigin?.length ? { corsOrigins: o.corsOrigin } : {}),
      ...(o.rateLimit === undefined ? {} : { backend: { loginRateLimitPerMinute: o.rateLimit } }),
    });
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (e?.code === 'EADDRINUSE') {
      throw new CliError(`a port is already in use (${e.message}); pick others with --mock-port and --port (0 = any free port)`, { code: 'port_in_use', cause: err });
    }
    throw err;
  }
  return {
    result: { ok: true, mock: stack.mockUrl, backend: stack.backendUrl, dashboard: dashboardUrl(stack.mockUrl, stack.backendUrl), appid: stack.app.appid, secret: stack.app.secret, store: redactUri(store), dataDir, rateLimit: o.rateLimit ?? BACKEND_DEFAULTS.loginRateLimitPerMinute },
    stack,
  };
}

/** The dashboard's address with the backend prefilled in its phone. */
export function dashboardUrl(mockUrl: string, backendUrl: string): string {
  return `${mockUrl}/__ui/?${new URLSearchParams({ backend: backendUrl })}`;
}
