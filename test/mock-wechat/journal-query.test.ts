// Journal queries: by endpoint, user, errcode, time, code and limit, through control.journal() and
// GET /__admin/journal alike, every parameter checked (400 naming it).
import { describe, expect, it } from 'vitest';
import { MockUsageError } from '../../mock-wechat/errors.js';
import { APPID, T0, accessToken, exchange, get, hmacEmpty, mock, post, type Mock } from './helpers.js';

const EX = '/sns/jscode2session';

/** The client simulator over HTTP (journalled, unlike control.client), then the exchange. */
async function clientLogin(m: Mock, user: string) {
  const code = (await post(m, '/__client/login', { user })).body.code as string;
  return (await exchange(m, code)).body as { openid: string; session_key: string };
}

async function adminJournal(m: Mock, query: string) {
  const res = await m.app.inject(`/__admin/journal?${query}`);
  return { status: res.statusCode, body: res.json() as { entries?: Record<string, any>[]; error?: string } };
}

describe('journal queries', () => {
  it('exactly one successful jscode2session for a code exchanged three times at once (1 ok, 2 × 40163)', async () => {
    const m = mock();
    const other = m.control.client.login({ user: 'bob' }).code!;
    await exchange(m, other);
    const code = m.control.client.login({ user: 'alice' }).code!;
    const answers = await Promise.all([exchange(m, code), exchange(m, code), exchange(m, code)]);
    expect(answers.map((a) => a.body.errcode ?? 0).sort()).toEqual([0, 40163, 40163]);

    expect(m.control.journal({ endpoint: EX, code })).toHaveLength(3);
    expect(m.control.journal({ endpoint: EX, code, errcode: 0 })).toHaveLength(1);
    expect(m.control.journal({ endpoint: EX, code, errcode: 40163 })).toHaveLength(2);
    expect(m.control.journal({ endpoint: EX })).toHaveLength(4);

    const http = await adminJournal(m, `endpoint=${EX}&code=${code}&errcode=0`);
    expect(http.status).toBe(200);
    expect(http.body.entries).toHaveLength(1);
    expect(http.body.entries![0]).toMatchObject({ path: EX, status: 200, openid: m.control.getUser('alice')!.openid });
    // The full code matched, and is still shown masked.
    const all = JSON.stringify([...m.control.journal({ code }), ...(await adminJournal(m, `code=${code}`)).body.entries!]);
    expect(all).toContain(`${code.slice(0, 6)}***`);
    expect(all).not.toContain(code);
    expect(m.control.journal({ code: code.slice(0, 6) })).toEqual([]);
  });

  it('by openid: the code owner\'s exchanges (refusals too), signed calls, and client calls naming the user by alias or openid', async () => {
    const m = mock();
    const alice = await clientLogin(m, 'alice');
    const bob = await clientLogin(m, 'bob');
    await post(m, '/__client/checkSession', { user: alice.openid });
    const used = (await post(m, '/__client/login', { user: 'alice' })).body.code as string;
    await exchange(m, used);
    await exchange(m, used);
    const token = await accessToken(m);
    await get(m, '/wxa/checksession', { access_token: token, openid: alice.openid, signature: hmacEmpty(alice.session_key), sig_method: 'hmac_sha256' });

    const mine = m.control.journal({ openid: alice.openid }).reverse();
    expect(mine.map((e) => [e.path, e.errcode ?? 0])).toEqual([
      ['/__client/login', 0],
      [EX, 0],
      ['/__client/checkSession', 0],
      ['/__client/login', 0],
      [EX, 0],
      [EX, 40163],
      ['/wxa/checksession', 0],
    ]);
    expect(m.control.journal({ openid: bob.openid }).map((e) => e.path)).toEqual([EX, '/__client/login']);
    expect(m.control.journal({ openid: 'o_nobody_at_all' })).toEqual([]);
    // The token call concerned no user; the client calls show no openid (their user is resolved when asked).
    expect(m.control.journal({ endpoint: '/cgi-bin/token' })[0]!.openid).toBeUndefined();
    expect((await adminJournal(m, `openid=${alice.openid}&endpoint=${EX}&errcode=40163`)).body.entries).toHaveLength(1);
  });

  it('a client call for an unknown user creates nobody when the journal is queried', async () => {
    const m = mock({ strictUsers: true });
    await m.app.inject({ method: 'POST', url: '/__client/login', payload: { user: 'ghost' } });
    expect(m.control.journal({ openid: 'ghost' })).toEqual([]);
    expect(m.control.listUsers().some((u) => u.alias === 'ghost')).toBe(false);
  });

  it('by errcode, scripted faults included', async () => {
    const m = mock();
    m.control.addFault({ endpoint: EX, kind: 'errcode', errcode: -1 });
    await exchange(m, 'whatever');
    await exchange(m, 'whatever');
    expect(m.control.journal({ errcode: -1 }).map((e) => e.fault)).toEqual(['errcode']);
    expect(m.control.journal({ errcode: 40029 })).toHaveLength(1);
    expect((await adminJournal(m, 'errcode=-1')).body.entries).toHaveLength(1);
  });

  it('by time (inclusive, ms or ISO with a zone) and limit, newest first after filtering', async () => {
    const m = mock();
    for (let i = 0; i < 3; i++) {
      await exchange(m, `${i}-not-a-code`);
      m.control.advanceClock(60);
    }
    const at = (s: number) => T0 + s * 1000;
    expect(m.control.journal({ since: at(60) }).map((e) => e.time)).toEqual([new Date(at(120)).toISOString(), new Date(at(60)).toISOString()]);
    expect(m.control.journal({ until: new Date(at(60)).toISOString() })).toHaveLength(2);
    expect(m.control.journal({ since: at(60), until: at(60) })).toHaveLength(1);
    expect(m.control.journal({ since: new Date(at(1)), until: at(119) })).toHaveLength(1);
    expect(m.control.journal({ since: '2023-11-14T23:14:20+01:00' })).toHaveLength(2);
    expect(m.control.journal({ endpoint: EX, limit: 2 }).map((e) => e.query!.js_code)).toEqual(['2-not-***', '1-not-***']);
    expect(m.control.journal(1)).toHaveLength(1);
    const http = await adminJournal(m, `since=${at(60)}&until=${encodeURIComponent(new Date(at(120)).toISOString())}&limit=1`);
    expect(http.body.entries!.map((e) => e.query.js_code)).toEqual(['2-not-***']);
  });

  it('by a client endpoint', async () => {
    const m = mock();
    await clientLogin(m, 'alice');
    expect(m.control.journal({ endpoint: '/__client/login' })).toHaveLength(1);
    expect(m.control.journal({ endpoint: '/__client/login' })[0]!.body).toEqual({ user: 'alice' });
  });

  describe('every parameter is checked', () => {
    const bad: Array<[string, string]> = [
      ['openId=x', 'journal query: unknown parameter "openId" (allowed: endpoint, openid, errcode, since, until, code, limit)'],
      ['endpoint=/sns/jscode2sesion', 'journal query: endpoint "/sns/jscode2sesion" is not one of /sns/jscode2session, '],
      ['endpoint=', 'journal query: endpoint must be a non-empty string of at most 256 characters'],
      [`code=${'x'.repeat(257)}`, 'journal query: code must be a non-empty string of at most 256 characters'],
      ['openid=a&openid=b', 'journal query: openid given more than once'],
      ['errcode=abc', 'journal query: errcode must be an integer, got "abc"'],
      ['errcode=1.5', 'journal query: errcode must be an integer, got "1.5"'],
      ['limit=0', 'journal query: limit must be an integer >= 1, got "0"'],
      ['limit=-3', 'journal query: limit must be an integer >= 1, got "-3"'],
      ['since=yesterday', 'journal query: since must be ms since the epoch or an ISO time with a zone (2024-05-01T12:00:00Z), got "yesterday"'],
      ['until=2023-11-14T22:13:20', 'journal query: until must be ms since the epoch or an ISO time with a zone'],
      ['since=2023-13-45', 'journal query: since must be ms since the epoch or an ISO time with a zone'],
      [`since=${T0 + 1}&until=${T0}`, 'journal query: since (2023-11-14T22:13:20.001Z) is after until (2023-11-14T22:13:20.000Z)'],
    ];
    it.each(bad)('GET /__admin/journal?%s is a 400', async (query, message) => {
      const m = mock();
      const r = await adminJournal(m, query);
      expect(r.status).toBe(400);
      expect(r.body.error!.startsWith(message)).toBe(true);
      expect(r.body.error).not.toContain('\n');
    });

    it('control.journal throws the same MockUsageError', () => {
      const m = mock();
      expect(() => m.control.journal({ limit: 0 })).toThrow(MockUsageError);
      expect(() => m.control.journal(0)).toThrow('journal query: limit must be an integer >= 1, got 0');
      expect(() => m.control.journal({ since: new Date('nope') })).toThrow('journal query: since must be ms since the epoch');
      expect(() => m.control.journal({ openId: 'x' } as never)).toThrow('journal query: unknown parameter "openId"');
      expect(() => m.control.journal({ errcode: '5' as never })).not.toThrow();
      expect(m.control.journal({})).toEqual([]);
      expect(m.control.apps()[0]!.appid).toBe(APPID);
    });
  });
});
