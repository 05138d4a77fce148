// Targets for audit tests: the mock plus either the reference backend (as `wxlogin audit` embeds it) or the
// deliberately weak one, on real ports, with an AuditContext pointed at them.
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { buildMockWechat } from '../../mock-wechat/index.js';
import { buildBackend } from '../../src/backend/index.js';
import { createAuditContext, type AuditContext, type AuditContextOptions } from '../../src/audit/context.js';
import { createBackendClient } from '../../src/client/backend-client.js';
import { createMockClient } from '../../src/client/mock-client.js';
import { resolveContract, type ContractOverrides } from '../../src/client/contract.js';
import { buildWeakBackend } from './weak-backend.js';

export const APPID = 'wx1234567890abcdef';
export const SECRET = 'mocksecret000000000000000000000a';

/** The weak backend's contract: the reference paths it has (no phone, werun, shareinfo, session check, logout). */
export const WEAK_CONTRACT: ContractOverrides = {
  profile: 'wxlogin',
  paths: ['phone=none', 'werun=none', 'shareinfo=none', 'sessionCheck=none', 'logout=none'],
};

export interface AuditTarget {
  ctx: AuditContext;
  mockUrl: string;
  backendUrl: string;
  /** The backend's log so far (the reference logs JSON lines; the weak one its own lines). */
  log(): string;
  close(): Promise<void>;
}

export async function auditTarget(
  kind: 'reference' | 'weak',
  o: { contract?: ContractOverrides; ctx?: Partial<AuditContextOptions>; backend?: Record<string, unknown> } = {},
): Promise<AuditTarget> {
  const dir = mkdtempSync(join(tmpdir(), 'wxlogin-audit-'));
  const logFile = join(dir, 'backend.log');
  const mock = buildMockWechat({ seed: 7, logger: false, apps: [{ appid: APPID, secret: SECRET }] });
  const mockUrl = (await mock.app.listen({ port: 0, host: '127.0.0.1' })).replace(/\/$/, '');
  const lines: string[] = [];
  const backend =
    kind === 'weak'
      ? buildWeakBackend({ mockUrl, appid: APPID, secret: SECRET, logFile })
      : await buildBackend({
          appId: APPID,
          appSecret: SECRET,
          wechatBaseUrl: mockUrl,
          store: 'memory://',
          wechatTimeoutMs: 1000,
          logger: { level: 'info', stream: { write: (l: string) => void lines.push(l) } },
          ...o.backend,
        });
  const backendUrl = (await backend.listen({ port: 0, host: '127.0.0.1' })).replace(/\/$/, '');
  const dispatcher = new Agent({ connections: 16, keepAliveTimeout: 2000 });
  const http = { dispatcher, timeoutMs: 15_000 };
  const log = () => (kind === 'weak' ? (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '') : lines.join(''));
  const ctx = createAuditContext({
    mock: createMockClient({ baseUrl: mockUrl, ...http }),
    backend: createBackendClient({ baseUrl: backendUrl, contract: resolveContract(o.contract ?? (kind === 'weak' ? WEAK_CONTRACT : {})), ...http }),
    embedded: kind === 'reference',
    appid: APPID,
    secret: SECRET,
    dispatcher,
    timeoutMs: 15_000,
    readLog: async () => ({ source: 'backend log', text: log() }),
    ...o.ctx,
  });
  return {
    ctx,
    mockUrl,
    backendUrl,
    log,
    async close() {
      await dispatcher.destroy().catch(() => undefined);
      await backend.close();
      await mock.app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
