// The mock and the reference backend together, in this process, listening on real ports (0 = any free port). Used by
// `wxlogin up` (SQLite store in a data directory) and by `wxlogin flow` without --backend (in-memory store).
import { buildMockWechat } from '../../mock-wechat/index.js';
import { buildBackend, type BackendConfig } from '../backend/index.js';
import { hideErrorCredentials } from './credentials.js';
import { DEFAULT_APP, HOST } from './defaults.js';

export interface StackOptions {
  host?: string;
  mockPort?: number;
  backendPort?: number;
  /** Backend store URI: `memory://`, `sqlite://PATH`, `redis://HOST:PORT`; a password in it never reaches an error. */
  store?: string;
  dataDir?: string;
  seed?: string | number;
  /** false turns off the mock's 45011 limit and the backend's login limit (load runs). */
  rateLimits?: boolean;
  /** The mock rotates WeChat's disputed wire forms answer by answer. */
  quirks?: boolean;
  /**
   * Origins whose pages may call the backend from a browser; with `allowMockOrigin`, the mock's own origin too (its
   * dashboard's phone exchanges codes at the backend).
   */
  corsOrigins?: string[];
  allowMockOrigin?: boolean;
  /** Settings of the embedded backend beyond the defaults (the audit shortens its WeChat timeout). */
  backend?: Partial<Omit<BackendConfig, 'appId' | 'appSecret' | 'wechatBaseUrl' | 'store' | 'dataDir'>>;
}

export interface Stack {
  mockUrl: string;
  backendUrl: string;
  /** The app the mock serves and the backend is configured with. */
  app: { appid: string; secret: string };
  store: string;
  close(): Promise<void>;
}

function urlOf(address: string): string {
  // fastify's listen() answers http://127.0.0.1:PORT (IPv6 addresses bracketed already).
  return address.replace(/\/$/, '');
}

/** The backend's CORS origins: the mock's (as 127.0.0.1 and as localhost on loopback) when asked, then the rest. */
function corsOf(o: StackOptions, mockUrl: string): { corsOrigins?: string[] } {
  const origins: string[] = [];
  if (o.allowMockOrigin) {
    const u = new URL(mockUrl);
    origins.push(u.origin);
    if (u.hostname === '127.0.0.1' || u.hostname === '[::1]') origins.push(`${u.protocol}//localhost:${u.port}`);
  }
  origins.push(...(o.corsOrigins ?? []), ...(o.backend?.corsOrigins ?? []));
  return origins.length > 0 ? { corsOrigins: [...new Set(origins)] } : {};
}

export async function startStack(o: StackOptions = {}): Promise<Stack> {
  const host = o.host ?? HOST;
  const limitsOff = o.rateLimits === false;
  const mock = buildMockWechat({
    seed: o.seed,
    ...(o.quirks ? { quirks: 'rotate' as const } : {}),
    apps: [{ appid: DEFAULT_APP.appid, secret: DEFAULT_APP.secret }],
    // A load run makes a user per simulated client: no cap on the mock's users either.
    ...(limitsOff ? { loginRateLimitPerMinute: 0, maxUsers: 0 } : {}),
    logger: false,
  });
  const closers: (() => Promise<unknown>)[] = [];
  const close = async () => {
    // Backend first (it may still be calling the mock), then the mock; errors while closing are not the user's.
    for (const c of closers.reverse()) await c().catch(() => undefined);
    closers.length = 0;
  };
  const store = o.store ?? 'memory://';
  try {
    const mockUrl = urlOf(await mock.app.listen({ host, port: o.mockPort ?? 0 }));
    closers.push(() => mock.app.close());
    const backend = await buildBackend({
      appId: DEFAULT_APP.appid,
      appSecret: DEFAULT_APP.secret,
      wechatBaseUrl: mockUrl,
      store,
      dataDir: o.dataDir,
      // A load run is one client hammering on purpose: no per-client, per-token or per-user limits.
      ...(limitsOff ? { loginRateLimitPerMinute: 0, dataRateLimitPerMinute: 0, wechatRateLimitPerMinute: 0 } : {}),
      logger: false,
      ...o.backend,
      ...corsOf(o, mockUrl),
    });
    closers.push(() => backend.close());
    const backendUrl = urlOf(await backend.listen({ host, port: o.backendPort ?? 0 }));
    return { mockUrl, backendUrl, app: { ...DEFAULT_APP }, store, close };
  } catch (err) {
    await close();
    throw hideErrorCredentials(err, [store]);
  }
}
