// Several instances: three backend processes on one Redis and no balancer: the test itself alternates between them.
// A session made on one works on every other, a logout on one is seen by all, and when the access token expires in
// the middle of a load run (the mock's clock jumps past its 7200 s), the three refresh it once between them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, closeAgent, ensureRedis, pool, spawnBackend, startMock, type BackendProcess } from './harness.js';
import { APP, caseCount } from './settings.js';

const USERS = caseCount({ short: 60, full: 600 });
const redis = await ensureRedis();

describe.skipIf(!redis)('several backend instances on one Redis', () => {
  let mock: Awaited<ReturnType<typeof startMock>>;
  const backends: BackendProcess[] = [];
  const prefix = `wxrel${Date.now().toString(36)}`;

  beforeAll(async () => {
    mock = await startMock({ journalLimit: 100_000 });
    // The instances share Redis db 0 with whatever ran before; this run's users (and so openids) are new per run.
    for (let i = 0; i < 3; i++) backends.push(await spawnBackend({ apiBase: mock.url, store: redis!.url }));
  });
  afterAll(async () => {
    await Promise.all(backends.map((b) => b.stop()));
    await mock?.close();
    await closeAgent();
    await redis?.close();
  });

  const at = (i: number) => backends[i % backends.length]!.url;
  const tokenCalls = () => mock.control.journal(100_000).filter((e) => e.path === '/cgi-bin/token' || e.path === '/cgi-bin/stable_token').length;

  it(`serves ${USERS} users across instances: sessions everywhere, logout seen by all, one token refresh`, async () => {
    const sessions: { user: string; token: string; openid: string }[] = [];
    const wrong: string[] = [];
    // Log in on instance i, read back on the two others.
    await pool(USERS, 12, async (i) => {
      const user = `${prefix}-u${i}`;
      const { code } = (await mock.control.client.login({ appid: APP.appid, user })) as { code: string };
      const login = await call(at(i), 'POST', '/login', { code });
      if (login.status !== 200) return void wrong.push(`login ${login.status} ${JSON.stringify(login.body)}`);
      const token = login.body.data.token as string;
      const openid = mock.control.getUser(user, APP.appid)!.openid;
      sessions.push({ user, token, openid });
      for (const j of [i + 1, i + 2]) {
        const me = await call(at(j), 'GET', '/me', undefined, { authorization: `Bearer ${token}` });
        if (me.status !== 200 || me.body.data.openid !== openid) wrong.push(`me on ${j % 3}: ${me.status}`);
      }
    });
    expect(wrong).toEqual([]);

    // Phone exchanges under load, alternating instances; half way through, the token expires at WeChat.
    const before = tokenCalls();
    let jumped = false;
    let afterJump = 0;
    await pool(sessions.length, 12, async (i) => {
      const s = sessions[i]!;
      if (!jumped && i >= sessions.length / 2) {
        jumped = true;
        afterJump = tokenCalls();
        mock.control.advanceClock(7201);
      }
      const { code } = (await mock.control.client.getPhoneNumber({ appid: APP.appid, user: s.user })) as { code: string };
      const mintedBeforeJump = !jumped;
      const p = await call(at(i), 'POST', '/phone', { code }, { authorization: `Bearer ${s.token}` });
      const want = mock.control.getUser(s.user, APP.appid)!.phoneNumber;
      // A phone code lives 5 minutes: one minted before the 2-hour jump and exchanged after it has rightly expired.
      const expired = mintedBeforeJump && jumped && p.status === 401 && p.body.code === 202 && p.body.data?.errcode === 40029;
      if (!expired && (p.status !== 200 || p.body.data.phoneNumber !== want)) wrong.push(`phone on ${i % 3}: ${p.status} ${JSON.stringify(p.body).slice(0, 120)}`);
    });
    expect(wrong).toEqual([]);
    // At most one fetch before the jump (the first use, shared by all three), exactly one after it.
    expect(afterJump - before).toBeLessThanOrEqual(1);
    expect(tokenCalls() - afterJump).toBe(1);

    // Log out on one instance: refused on all three from that moment.
    const victim = sessions[0]!;
    const out = await call(at(1), 'POST', '/logout', {}, { authorization: `Bearer ${victim.token}` });
    expect(out.status).toBe(200);
    for (let j = 0; j < 3; j++) {
      const me = await call(at(j), 'GET', '/me', undefined, { authorization: `Bearer ${victim.token}` });
      expect(me.status).toBe(401);
      expect(me.body.code).toBe(203);
    }
    // And the others are untouched.
    const other = sessions[1]!;
    const me = await call(at(2), 'GET', '/me', undefined, { authorization: `Bearer ${other.token}` });
    expect(me.status).toBe(200);
  });
});
