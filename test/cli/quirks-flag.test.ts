// `wxlogin mock --quirks` (and `up --quirks`) turn on the mock's quirks mode: answers rotate through WeChat's
// disputed wire forms; without the flag they keep the default forms.
import { describe, expect, it } from 'vitest';
import { startMock } from '../../src/cli/commands/mock/run.js';
import { startStack } from '../../src/cli/stack.js';

async function journalQuirks(url: string, appid: string, secret: string): Promise<string[]> {
  for (let i = 0; i < 6; i++) {
    const { code } = (await (await fetch(`${url}/__client/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: `q${i}` }) })).json()) as { code: string };
    await fetch(`${url}/sns/jscode2session?${new URLSearchParams({ appid, secret, js_code: code, grant_type: 'authorization_code' })}`);
  }
  const { entries } = (await (await fetch(`${url}/__admin/journal?endpoint=/sns/jscode2session`)).json()) as { entries: { quirks?: string[] }[] };
  expect(entries).toHaveLength(6);
  return entries.flatMap((e) => e.quirks ?? []);
}

describe('--quirks', () => {
  it('wxlogin mock --quirks rotates the variants; without it the defaults stay', async () => {
    for (const quirks of [true, false]) {
      const m = await startMock({ port: '0', seed: '7', quirks });
      try {
        const seen = await journalQuirks(m.url, m.apps[0]!.appid, m.apps[0]!.secret);
        if (quirks) expect(seen).toEqual(expect.arrayContaining(['textPlain', 'legacyExpiresIn', 'keysReordered']));
        else expect(seen.filter((q) => ['textPlain', 'legacyExpiresIn', 'keysReordered', 'encodingUtf8'].includes(q))).toEqual([]);
      } finally {
        await m.close();
      }
    }
  });

  it('the stack of wxlogin up passes it to the mock', async () => {
    const s = await startStack({ quirks: true, seed: 7 });
    try {
      expect(await journalQuirks(s.mockUrl, s.app.appid, s.app.secret)).toEqual(expect.arrayContaining(['textPlain']));
    } finally {
      await s.close();
    }
  });
});
