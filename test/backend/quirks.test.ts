// The reference backend against a mock in quirks rotate mode: every variant of jscode2session's answer (text/plain,
// encoding=utf-8, the legacy expires_in, keys in either order) must log a user in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUIRKS } from '../../mock-wechat/quirks.js';
import { login, makeBackend, startMock, type Mock } from './helpers.js';

let mock: Mock;
beforeAll(async () => {
  mock = await startMock({ quirks: 'rotate' });
});
afterAll(async () => {
  await mock.close();
});

describe('the backend copes with every quirk variant', () => {
  it('40 logins in a row through a mock in rotate mode, none failing', async () => {
    const { app } = await makeBackend(mock);
    try {
      for (let i = 0; i < 40; i++) {
        const token = await login(app, mock, i % 2 === 0 ? 'alice' : 'bob');
        expect(token).toEqual(expect.any(String));
      }
    } finally {
      await app.close();
    }
    const exchanges = mock.control.journal({ endpoint: '/sns/jscode2session' });
    expect(exchanges).toHaveLength(40);
    // The logins met every variant that applies to a successful jscode2session.
    const seen = new Set(exchanges.flatMap((e) => e.quirks ?? []));
    for (const q of [QUIRKS.contentType, QUIRKS.charset, QUIRKS.expiresIn, QUIRKS.keyOrder]) {
      for (const v of q.variants) expect(seen).toContain(v);
    }
  });
});
