// Test scaffolding: the mock WeChat on a real port (port 0), the backend built against it. The backend shares the
// mock's clock so deadlines are moved with control.advanceClock, never with sleeps.
import { createCipheriv } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildMockWechat, type MockOptions } from '../../mock-wechat/index.js';
import { buildBackend, type BackendConfig } from '../../src/backend/index.js';
import { openStore, type Store } from '../../src/store/index.js';

export const APPID = 'wx1234567890abcdef';
export const SECRET = 'mocksecret000000000000000000000a';

export async function startMock(opts: MockOptions = {}) {
  const { app, control } = buildMockWechat({ seed: 7, logger: false, loginRateLimitPerMinute: 0, ...opts });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, control, url, close: () => app.close() };
}
export type Mock = Awaited<ReturnType<typeof startMock>>;

export async function makeBackend(mock: Mock, over: Partial<BackendConfig> = {}): Promise<{ app: FastifyInstance; store: Store }> {
  const store = typeof over.store === 'object' ? over.store : await openStore('memory://', { now: mock.control.now });
  const app = await buildBackend({
    appId: APPID,
    appSecret: SECRET,
    wechatBaseUrl: mock.url,
    store,
    now: mock.control.now,
    logger: false,
    loginRateLimitPerMinute: 0,
    wechatRetries: 1,
    wechatTimeoutMs: 2000,
    ...over,
  });
  app.addHook('onClose', async () => {
    if (typeof over.store !== 'object') await store.close();
  });
  return { app, store };
}

export function code(mock: Mock, user = 'alice'): string {
  const r = mock.control.client.login({ user });
  if (!r.code) throw new Error(`mock login failed: ${r.errMsg}`);
  return r.code;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export async function login(app: FastifyInstance, mock: Mock, user = 'alice'): Promise<string> {
  const r = await app.inject({ method: 'POST', url: '/login', payload: { code: code(mock, user) } });
  if (r.statusCode !== 200) throw new Error(`login failed: ${r.body}`);
  return r.json().data.token as string;
}

/** Test-side encryption with node:crypto (standard PKCS#7), independent of src/crypto. */
export function encrypt(plaintext: string, keyB64: string, ivB64 = Buffer.alloc(16, 7).toString('base64')) {
  const c = createCipheriv('aes-128-cbc', Buffer.from(keyB64, 'base64'), Buffer.from(ivB64, 'base64'));
  return { encryptedData: Buffer.concat([c.update(plaintext, 'utf8'), c.final()]).toString('base64'), iv: ivB64 };
}

export function envelopeOf(body: string) {
  return JSON.parse(body) as { code: number; msg: string; data: unknown; error?: string };
}
