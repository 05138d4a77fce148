// Quirks: where captures and docs disagree on an answer's wire form. Off (the default) keeps one form; rotate deals
// every variant of every quirk, reproducibly with the seed, and the journal names what each answer had. Wire forms
// are checked on the raw text and headers, not on parsed JSON (key order and labels do not survive parsing).
import { describe, expect, it } from 'vitest';
import { buildMockWechat, validateMockConfig, type MockOptions } from '../../mock-wechat/index.js';
import { QUIRKS, QUIRK_NAMES, quirkJson, type QuirkName } from '../../mock-wechat/quirks.js';
import { serverResponses } from '../../mock-wechat/server-api/schemas.js';
import { APPID, SECRET, hmacEmpty, mock, type Mock } from './helpers.js';

const USERS = [{ alias: 'pat', phoneNumber: '13580006666' }];
const OWNER = new Map<string, QuirkName>(QUIRK_NAMES.flatMap((n) => QUIRKS[n].variants.map((v) => [v as string, n] as const)));

interface Wire {
  path: string;
  type: string | undefined;
  text: string;
}

async function raw(m: Mock, method: 'GET' | 'POST', url: string, payload?: string): Promise<Wire> {
  const body = payload === undefined ? {} : { payload, headers: { 'content-type': 'application/json' } };
  const res = await m.app.inject({ method, url, ...body });
  expect(res.statusCode).toBe(200);
  return { path: url.split('?')[0]!, type: res.headers['content-type'] as string | undefined, text: res.body };
}

const qs = (q: Record<string, string>) => new URLSearchParams(q).toString();

/**
 * One round: five server-API answers: a jscode2session success and error, a token, a phone number, a key reset.
 * Rounds of the same mock build on each other (the access token, the session key), all read from the answers.
 */
async function round(m: Mock): Promise<Wire[]> {
  const out: Wire[] = [];
  const code = m.control.client.login({ user: 'pat' }).code!;
  const ex = { appid: APPID, secret: SECRET, grant_type: 'authorization_code' };
  out.push(await raw(m, 'GET', `/sns/jscode2session?${qs({ ...ex, js_code: code })}`));
  out.push(await raw(m, 'GET', `/sns/jscode2session?${qs({ ...ex, js_code: code })}`));
  const tok = await raw(m, 'GET', `/cgi-bin/token?${qs({ grant_type: 'client_credential', appid: APPID, secret: SECRET })}`);
  out.push(tok);
  const token = JSON.parse(tok.text).access_token as string;
  const btn = m.control.client.getPhoneNumber({ user: 'pat' });
  out.push(await raw(m, 'POST', `/wxa/business/getuserphonenumber?access_token=${token}`, JSON.stringify({ code: btn.code })));
  const u = m.control.getUser('pat')!;
  const sig = hmacEmpty(m.control.sessionKey(APPID, u.openid)!);
  const signed = qs({ access_token: token, openid: u.openid, signature: sig, sig_method: 'hmac_sha256' });
  out.push(await raw(m, 'GET', `/wxa/resetusersessionkey?${signed}`));
  return out;
}

/** Every quirk's variants as the journal recorded them, oldest answer first, with the wire each answer had. */
async function rotateRun(opts: MockOptions, rounds: number) {
  const m = mock({ users: USERS, quirks: 'rotate', ...opts });
  const wires: Wire[] = [];
  for (let i = 0; i < rounds; i++) wires.push(...(await round(m)));
  const entries = m.control.journal({ limit: 1000 }).filter((e) => !e.path.startsWith('/__client/')).reverse();
  expect(entries).toHaveLength(wires.length);
  return { m, wires, entries, quirks: entries.map((e) => e.quirks ?? []) };
}

const RID = /^(.+) rid: ([0-9a-f]{8})-[0-9a-f]{8}-[0-9a-f]{8}$/;
const RID_COMMA = /^(.+), rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/;
const HINTS = /^(.+), hints: \[ req_id: [0-9A-Za-z]{9}-[0-9A-Za-z]{6} \]$/;
const HINT_RID = /^(.+) hint: \[[0-9A-Za-z]{9}-[0-9A-Za-z]{6}\] rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/;

/** What each variant looks like on the wire. */
const WIRE_CHECKS: Record<string, (w: Wire) => void> = {
  json: (w) => expect(w.type).toMatch(/^application\/json; /),
  textPlain: (w) => expect(w.type).toBe('text/plain'),
  charsetUtf8: (w) => expect(w.type).toBe('application/json; charset=utf-8'),
  encodingUtf8: (w) => expect(w.type).toBe('application/json; encoding=utf-8'),
  noExpiresIn: (w) => expect(w.text).not.toContain('expires_in'),
  legacyExpiresIn: (w) => expect(w.text).toMatch(/"expires_in":7200[,}]/),
  countryCodeString: (w) => expect(w.text).toContain('"countryCode":"86"'),
  countryCodeNumber: (w) => expect(w.text).toContain('"countryCode":86,'),
  rid: (w) => {
    const errmsg = JSON.parse(w.text).errmsg as string;
    expect(errmsg).toMatch(RID);
    expect(errmsg).not.toMatch(/, rid: |hint/);
  },
  ridComma: (w) => expect(JSON.parse(w.text).errmsg).toMatch(RID_COMMA),
  hints: (w) => expect(JSON.parse(w.text).errmsg).toMatch(HINTS),
  hintRid: (w) => expect(JSON.parse(w.text).errmsg).toMatch(HINT_RID),
  keysCaptured: (w) =>
    expect(w.text).toMatch(
      w.path === '/sns/jscode2session' ? /^\{"session_key":"[^"]+",("expires_in":7200,)?"openid":/ : /^\{"errcode":0,"errmsg":"ok",/,
    ),
  keysReordered: (w) =>
    expect(w.text).toMatch(w.path === '/sns/jscode2session' ? /^\{"openid":"[^"]+","session_key":/ : /,"errcode":0,"errmsg":"ok"\}$/),
};

describe('quirks: the catalogue', () => {
  it('names every variant once, so a journal entry says which quirk each came from, and checks each on the wire', () => {
    const all = QUIRK_NAMES.flatMap((n) => QUIRKS[n].variants as readonly string[]);
    expect(new Set(all).size).toBe(all.length);
    expect(Object.keys(WIRE_CHECKS).sort()).toEqual([...all].sort());
  });

  it('writes a quirk answer with only the fields its response schema lists, at every depth', () => {
    const body = { openid: 'o1', session_key: 'k', secret: 'leak', errcode: undefined };
    expect(quirkJson('/sns/jscode2session', body, serverResponses.jscode2session[200], { keyOrder: 'keysReordered' })).toBe(
      '{"openid":"o1","session_key":"k"}',
    );
    const info = { phoneNumber: '1', purePhoneNumber: '1', countryCode: 86, raw: 'x', watermark: { timestamp: 1, appid: 'a', x: 2 } };
    const phone = { errcode: 0, errmsg: 'ok', debug: 1, phone_info: info };
    const schema = serverResponses.getUserPhoneNumber[200];
    expect(quirkJson('/wxa/business/getuserphonenumber', phone, schema, { keyOrder: 'keysReordered' })).toBe(
      '{"phone_info":{"phoneNumber":"1","purePhoneNumber":"1","countryCode":86,"watermark":{"timestamp":1,"appid":"a"}},' +
        '"errcode":0,"errmsg":"ok"}',
    );
  });

  it('quirks must be "off" or "rotate", in the options and in a config file', () => {
    expect(() => buildMockWechat({ quirks: 'on' as never })).toThrow('quirks must be "off" or "rotate", got "on"');
    expect(validateMockConfig({ quirks: 'rotate' }).quirks).toBe('rotate');
    expect(() => validateMockConfig({ quirks: true }, 'mock config m.json')).toThrow('mock config m.json: quirks must be "off" or "rotate", got true');
  });
});

describe('quirks off (the default)', () => {
  it('answers in the most recent evidence per endpoint; no quirks journalled', async () => {
    for (const opts of [{}, { quirks: 'off' as const }]) {
      const m = mock({ users: USERS, ...opts });
      const [ok, used, tok, phone, reset] = await round(m);
      // jscode2session: text/plain (2024 capture), `, rid:` (2024 samples), captured key order, no expires_in.
      for (const w of [ok, used]) expect(w!.type).toBe('text/plain');
      expect(ok!.text).toMatch(/^\{"session_key":"[A-Za-z0-9+/]{22}==","openid":"[^"]{28}"\}$/);
      expect(used!.text).toMatch(/^\{"errcode":40163,"errmsg":"code been used, rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}"\}$/);
      // cgi-bin/token: its one captured label (2017).
      expect(tok!.type).toBe('application/json; encoding=utf-8');
      expect(tok!.text).toMatch(/^\{"access_token":"[^"]+","expires_in":7200\}$/);
      for (const w of [phone, reset]) expect(w!.type).toBe('application/json; charset=utf-8');
      expect(phone!.text).toMatch(/^\{"errcode":0,"errmsg":"ok","phone_info":\{"phoneNumber":"13580006666","purePhoneNumber":"13580006666","countryCode":"86",/);
      expect(reset!.text).toMatch(/^\{"errcode":0,"errmsg":"ok","openid":"[^"]+","session_key":"[^"]+"\}$/);
      expect(m.control.journal().some((e) => e.quirks !== undefined)).toBe(false);
    }
  });

  it('each default is a variant of its quirk, overridden only on endpoints the quirk applies to', () => {
    for (const n of QUIRK_NAMES) {
      const q: { variants: readonly string[]; endpoints: readonly string[]; default: string; defaultFor?: Record<string, string> } = QUIRKS[n];
      expect(q.variants, n).toContain(q.default);
      for (const [endpoint, v] of Object.entries(q.defaultFor ?? {})) {
        expect(q.endpoints, `${n} ${endpoint}`).toContain(endpoint);
        expect(q.variants, `${n} ${endpoint}`).toContain(v);
        expect(v, `${n} ${endpoint} repeats the default`).not.toBe(q.default);
      }
    }
  });

  it('writes each endpoint\'s errmsg suffix: `, rid:` for jscode2session, `hint: [] rid:` for getuserphonenumber, ` rid:` elsewhere', async () => {
    const m = mock({ users: USERS });
    const errmsg = async (method: 'GET' | 'POST', url: string, payload?: string) => JSON.parse((await raw(m, method, url, payload)).text).errmsg as string;
    const ex = qs({ appid: APPID, secret: SECRET, grant_type: 'authorization_code', js_code: 'nope' });
    expect(await errmsg('GET', `/sns/jscode2session?${ex}`)).toMatch(RID_COMMA);
    expect(await errmsg('GET', `/cgi-bin/token?${qs({ grant_type: 'client_credential', appid: APPID, secret: 'x' })}`)).toMatch(/^invalid appsecret rid: /);
    const stable = await errmsg('POST', '/cgi-bin/stable_token', JSON.stringify({ grant_type: 'client_credential', appid: APPID }));
    expect(stable).toMatch(RID);
    expect(stable).not.toMatch(/, rid: |hint/);
    expect(await errmsg('GET', '/wxa/checksession')).not.toMatch(/, rid: |hint/);
    expect(await errmsg('POST', '/wxa/business/getuserphonenumber?access_token=nope', '{"code":"x"}')).toMatch(HINT_RID);
  });

  it('countryCodeType stays a fixed setting when quirks are off', async () => {
    const m = mock({ users: USERS, countryCodeType: 'number' });
    const phone = (await round(m))[3]!;
    expect(phone.text).toContain('"countryCode":86,');
  });
});

describe('quirks rotate', () => {
  // Each quirk's variants are dealt from a shuffled deck: a quirk with V variants shows all V in every run of V
  // answers it applies to. A round gives errmsgSuffix (4 variants) one answer, so 4 rounds (20 answers) show every
  // variant of every quirk.
  const ROUNDS = 4;

  it(`shows every variant of every quirk within ${ROUNDS * 5} answers, each on the wire as the journal names it`, async () => {
    const { wires, quirks } = await rotateRun({}, ROUNDS);
    const seen = new Set(quirks.flat());
    for (const n of QUIRK_NAMES) for (const v of QUIRKS[n].variants) expect(seen, `${n}: ${v}`).toContain(v);
    wires.forEach((w, i) => {
      for (const v of quirks[i]!) WIRE_CHECKS[v]!(w);
      // Every answer is still JSON, whatever its label.
      expect(() => JSON.parse(w.text)).not.toThrow();
    });
  });

  it('deals each quirk from a deck: every block of V answers it applies to has all V variants', async () => {
    const { quirks } = await rotateRun({}, 8);
    for (const n of QUIRK_NAMES) {
      const dealt = quirks.flat().filter((v) => OWNER.get(v) === n);
      const V = QUIRKS[n].variants.length;
      for (let i = 0; i + V <= dealt.length; i += V) expect(new Set(dealt.slice(i, i + V)).size, `${n} block ${i / V}`).toBe(V);
    }
  });

  it('only the quirks that apply: charset never on text/plain, suffixes only on errors, countryCode only on phone answers', async () => {
    const { wires, quirks } = await rotateRun({}, ROUNDS);
    wires.forEach((w, i) => {
      const names = quirks[i]!.map((v) => OWNER.get(v));
      expect(names.includes('charset')).toBe(!quirks[i]!.includes('textPlain'));
      expect(names.includes('errmsgSuffix')).toBe(w.text.includes('"errcode":40163'));
      expect(names.includes('countryCode')).toBe(w.path === '/wxa/business/getuserphonenumber');
      expect(names.includes('contentType')).toBe(w.path === '/sns/jscode2session');
    });
  });

  it('the same seed deals the same sequence (and the same bytes); another seed another; reset starts it over', async () => {
    const a = await rotateRun({ seed: 'q1' }, ROUNDS);
    const b = await rotateRun({ seed: 'q1' }, ROUNDS);
    const c = await rotateRun({ seed: 'q2' }, ROUNDS);
    expect(b.quirks).toEqual(a.quirks);
    expect(b.wires).toEqual(a.wires);
    expect(c.quirks).not.toEqual(a.quirks);
    a.m.control.reset();
    const again: Wire[] = [];
    for (let i = 0; i < ROUNDS; i++) again.push(...(await round(a.m)));
    expect(again).toEqual(a.wires);
  });

  it('overrides countryCodeType per answer', async () => {
    const { wires, quirks } = await rotateRun({ countryCodeType: 'number' }, 2);
    const phones = wires.map((w, i) => [w, quirks[i]!] as const).filter(([w]) => w.path === '/wxa/business/getuserphonenumber');
    expect(phones.map(([, q]) => q.find((v) => v.startsWith('countryCode'))).sort()).toEqual(['countryCodeNumber', 'countryCodeString']);
    for (const [w, q] of phones) for (const v of q) WIRE_CHECKS[v]!(w);
  });

  it('a textPlain fault still labels the answer text/plain; the admin journal shows the quirks', async () => {
    const m = mock({ quirks: 'rotate' });
    m.control.addFault({ endpoint: '/cgi-bin/token', kind: 'textPlain' });
    const w = await raw(m, 'GET', `/cgi-bin/token?${qs({ grant_type: 'client_credential', appid: APPID, secret: SECRET })}`);
    expect(w.type).toBe('text/plain');
    expect(JSON.parse(w.text).expires_in).toBe(7200);
    const [e] = (await m.app.inject('/__admin/journal?limit=1')).json().entries;
    expect(e).toMatchObject({ path: '/cgi-bin/token', fault: 'textPlain' });
    expect(e.quirks).toHaveLength(1);
    expect(['charsetUtf8', 'encodingUtf8']).toContain(e.quirks[0]);
    // Off, the fault still wins over the endpoint's default label.
    const off = mock();
    off.control.addFault({ endpoint: '/cgi-bin/token', kind: 'textPlain' });
    expect((await raw(off, 'GET', `/cgi-bin/token?${qs({ grant_type: 'client_credential', appid: APPID, secret: SECRET })}`)).type).toBe('text/plain');
  });

  it('an answer lost after processing is journalled without quirks; a WeChat errcode from a fault gets a suffix variant', async () => {
    const m = mock({ quirks: 'rotate' });
    m.control.addFault({ endpoint: '/cgi-bin/token', kind: 'http5xx', when: 'after' });
    m.control.addFault({ endpoint: '/wxa/checksession', kind: 'errcode', errcode: -1 });
    const lost = await m.app.inject(`/cgi-bin/token?${qs({ grant_type: 'client_credential', appid: APPID, secret: SECRET })}`);
    expect(lost.statusCode).toBe(503);
    const busy = await raw(m, 'GET', '/wxa/checksession');
    const [e2, e1] = m.control.journal(2);
    expect(e1!.quirks).toBeUndefined();
    expect(e2!.errcode).toBe(-1);
    expect(e2!.quirks!.map((v) => OWNER.get(v))).toEqual(['charset', 'errmsgSuffix']);
    for (const v of e2!.quirks!) WIRE_CHECKS[v]!(busy);
    expect(JSON.parse(busy.text).errmsg).toMatch(/^system error[ ,]/);
  });
});
