// Abuse: what a hostile client sends on purpose. Garbage and oversized bodies must get a 4xx (never a 5xx, never a
// reset), one token must not get to try undecryptable data without end (each try is a padding-oracle query), a phone
// code must serve only its own user, and one client must not log in without limit.
import { randomBytes } from 'node:crypto';
import { NetworkError } from '../../client/http.js';
import type { AuditContext, RawAnswer } from '../context.js';
import { REFS } from '../references.js';
import { fail, na, pass, SetupFailed, type Check, type Evidence, type Reference } from '../types.js';
import { findStackTrace, firstLines } from './secrets.js';

const interactionFrequency: Reference = {
  title: 'CWE-799: Improper Control of Interaction Frequency',
  url: 'https://cwe.mitre.org/data/definitions/799.html',
};

/** A raw request to a contract step (method and path from the contract, the token where the contract puts it). */
async function sendStep(
  ctx: AuditContext,
  step: 'login' | 'userinfo',
  o: { body?: unknown; contentType?: string; token?: string; timeoutMs?: number },
): Promise<RawAnswer> {
  const headers: Record<string, string> = {};
  if (o.contentType) headers['content-type'] = o.contentType;
  let body = o.body;
  let path = ctx.contract.paths[step]!;
  if (o.token !== undefined) {
    const t = ctx.contract.token;
    if (t.in === 'header') headers[t.header] = t.scheme ? `${t.scheme} ${o.token}` : o.token;
    else if (body && typeof body === 'object' && !Buffer.isBuffer(body)) body = { ...(body as object), [t.field]: o.token };
    else path += `${path.includes('?') ? '&' : '?'}${encodeURIComponent(t.field)}=${encodeURIComponent(o.token)}`;
  }
  return ctx.send({ method: ctx.contract.methods[step] ?? 'POST', path, headers, body, timeoutMs: o.timeoutMs });
}

/** An envelope's success: HTTP 2xx and, when the body has a numeric `code`, that code is 200 or 0. */
function okAnswer(a: RawAnswer): boolean {
  const code = (a.json && typeof a.json === 'object' ? (a.json as Record<string, unknown>).code : undefined) as unknown;
  return a.status >= 200 && a.status < 300 && (typeof code !== 'number' || code === 200 || code === 0);
}

const envelopeCode = (a: RawAnswer) => {
  const c = a.json && typeof a.json === 'object' ? (a.json as Record<string, unknown>).code : undefined;
  return typeof c === 'number' ? c : undefined;
};

/** A refusal that says "too many": 429, an envelope code 429, or a rate-limit message. */
function rateLimited(a: RawAnswer): boolean {
  if (a.status === 429 || envelopeCode(a) === 429) return true;
  if (a.status < 400 && okAnswer(a)) return false;
  return /rate[ _-]?limit|too many requests|too_many|请求(?:过于|太)频繁|频率/i.test(a.text) && !/errcode"?\s*:\s*45011/.test(a.text);
}

/** A token refused: 401/403, or an envelope that says the token is gone (203 in the wxlogin envelope). */
const tokenRefused = (a: RawAnswer) => a.status === 401 || envelopeCode(a) === 203;

// ------------------------------------------------------------------ garbage

const garbageParams: Check = {
  id: 'abuse.garbage-params',
  category: 'abuse',
  title: 'malformed parameters get a 4xx, never a 5xx',
  severity: 'should',
  reference: REFS.inputValidation,
  hint:
    'a malformed request reached code that assumed good input (a number where a string belongs, a missing iv, ' +
    'unparsable JSON) and failed with a 5xx, or was accepted: validate every body by a schema before use (types, ' +
    'lengths, base64) and answer 400 through your own error handler',
  async run(ctx) {
    const long = 'x'.repeat(5000);
    const cases: { label: string; step: 'login' | 'userinfo'; body?: unknown; contentType?: string; token?: boolean }[] = [
      { label: 'no body', step: 'login' },
      { label: '{}', step: 'login', body: {} },
      { label: 'a numeric code', step: 'login', body: { code: 12345 } },
      { label: 'an empty code', step: 'login', body: { code: '' } },
      { label: 'a 5000-character code', step: 'login', body: { code: long } },
      { label: 'a body that is not JSON', step: 'login', body: '{"code": "abc', contentType: 'application/json' },
    ];
    let token: string | undefined;
    let skipped = '';
    if (ctx.backend.offers('userinfo')) {
      const l = await ctx.login(ctx.user('garbage'));
      token = l.token;
      const good = ctx.encrypt({ openId: l.openid, nickName: 'audit', watermark: ctx.watermark() }, l.sessionKey);
      cases.push(
        { label: 'userinfo without iv', step: 'userinfo', body: { encryptedData: good.encryptedData }, token: true },
        { label: 'userinfo with garbage base64', step: 'userinfo', body: { encryptedData: '%%%not*base64!!', iv: '***' }, token: true },
        { label: 'userinfo with a 12-byte iv', step: 'userinfo', body: { encryptedData: good.encryptedData, iv: randomBytes(12).toString('base64') }, token: true },
      );
    } else skipped = ' (no userinfo step: its cases were skipped)';

    const evidence: Evidence[] = [];
    for (const c of cases) {
      const line = `${ctx.contract.methods[c.step] ?? 'POST'} ${ctx.contract.paths[c.step]} ${c.label}` +
        (typeof c.body === 'string' ? ` ${c.body}` : c.body !== undefined ? ` ${ctx.describe(c.step, c.body as Record<string, unknown>).replace(/^\S+ \S+ /, '')}` : '');
      let a: RawAnswer;
      try {
        a = await sendStep(ctx, c.step, { body: c.body, contentType: c.contentType, token: c.token ? token : undefined });
      } catch (err) {
        if (!(err instanceof NetworkError)) throw err;
        evidence.push(ctx.evidenceOf(line, { status: 0, text: err.kind }, `the connection failed (${err.kind}) instead of a 4xx`));
        continue;
      }
      const st = findStackTrace(a.text);
      const problem =
        a.status >= 500 ? `HTTP ${a.status}${st ? ` with a ${st.name}` : ''}` :
        a.status < 400 ? (okAnswer(a) ? `accepted (HTTP ${a.status})` : `HTTP ${a.status} with an error inside: refuse with a 4xx status`) :
        st ? `a ${st.name} in the 4xx` : undefined;
      if (problem) evidence.push(ctx.evidenceOf(line, { status: a.status, text: firstLines(a.text) }, problem));
    }
    if (evidence.length > 0) return fail(`${evidence.length} of ${cases.length} malformed requests were not refused with a clean 4xx${skipped}`, evidence);
    return pass(`${cases.length} malformed requests, each refused${skipped}`);
  },
};

// ------------------------------------------------------------------ oversized body

const oversizedBody: Check = {
  id: 'abuse.oversized-body',
  category: 'abuse',
  title: 'a 2 MiB body gets 413 (or another 4xx), not a 5xx or a reset',
  severity: 'should',
  reference: REFS.bodySize,
  hint:
    'a huge body was read (or failed) instead of refused: set a body limit of a few dozen KiB (fastify bodyLimit, ' +
    'express.json({limit}), DATA_UPLOAD_MAX_MEMORY_SIZE, client_max_body_size) and answer 413 through your own error ' +
    'handler; when refusing early, read and drop the rest of the body before closing, or clients see a reset',
  async run(ctx) {
    const size = 2 * 1024 * 1024;
    const body = `{"code":"${'a'.repeat(size - 11)}"}`;
    const line = `${ctx.contract.methods.login ?? 'POST'} ${ctx.contract.paths.login} {"code":"aaaa…"} (${body.length} bytes)`;
    let a: RawAnswer;
    try {
      a = await sendStep(ctx, 'login', { body, contentType: 'application/json' });
    } catch (err) {
      if (!(err instanceof NetworkError)) throw err;
      const note = `the connection failed (${err.kind}) instead of a 413`;
      return fail(note, [ctx.evidenceOf(line, { status: 0, text: err.kind }, note)]);
    }
    const st = findStackTrace(a.text);
    if (a.status >= 400 && a.status < 500 && !st) return pass(`refused with HTTP ${a.status}${a.status === 413 ? '' : ' (413 is the precise answer)'}`);
    const note = a.status < 400 ? `accepted (HTTP ${a.status})` : `HTTP ${a.status}${st ? ` with a ${st.name}` : ''}`;
    return fail(`a ${size}-byte body: ${note}`, [ctx.evidenceOf(line, { status: a.status, text: firstLines(a.text) }, note)]);
  },
};

// ------------------------------------------------------------------ decrypt failures

const DECRYPT_TRIES = 20;

const decryptFailuresThrottled: Check = {
  id: 'abuse.decrypt-failures-throttled',
  category: 'abuse',
  title: 'undecryptable data sent again and again meets a limit',
  severity: 'should',
  reference: interactionFrequency,
  needs: ['userinfo'],
  hint:
    'one token may send undecryptable open data without end, and each try is a query to a padding oracle if any ' +
    'difference leaks: count failed decryptions per session and revoke the token (or answer 429) after a few, e.g. ' +
    '5 in 10 minutes; rate-limit the open-data routes per token',
  async run(ctx) {
    const alias = ctx.user('decrypt');
    const l = await ctx.login(alias);
    let first: { a: RawAnswer; body: Record<string, unknown> } | undefined;
    let last: { a: RawAnswer; body: Record<string, unknown> } | undefined;
    for (let i = 1; i <= DECRYPT_TRIES; i++) {
      const body = { encryptedData: randomBytes(48).toString('base64'), iv: randomBytes(16).toString('base64') };
      const a = await sendStep(ctx, 'userinfo', { body, token: l.token });
      last = { a, body };
      first ??= last;
      if (rateLimited(a)) return pass(`limited after ${i} undecryptable payloads (HTTP ${a.status})`);
      if (tokenRefused(a)) {
        // Revoked, not just one refusal: the user's own valid data is refused on that token too.
        const valid = await ctx.wx(() => ctx.mock.getUserInfo(alias), 'wx.getUserInfo');
        const vbody = { encryptedData: valid.encryptedData, iv: valid.iv, rawData: valid.rawData, signature: valid.signature };
        const v = await sendStep(ctx, 'userinfo', { body: vbody, token: l.token });
        if (!okAnswer(v)) return pass(`the token was revoked after ${i} undecryptable payloads (HTTP ${a.status}; valid data then refused with HTTP ${v.status})`);
        const note = `HTTP ${a.status} after ${i} tries, yet the same token then decrypted valid data`;
        return fail(`not a revocation: ${note}`, [
          ctx.evidenceOf(ctx.describe('userinfo', body), a, `try ${i}: refused the token`),
          ctx.evidenceOf(ctx.describe('userinfo', vbody), v, 'valid data accepted on the "revoked" token'),
        ]);
      }
    }
    const evidence = [first, last].filter((x): x is NonNullable<typeof x> => x !== undefined)
      .filter((x, i, xs) => xs.indexOf(x) === i)
      .map((x, i) => ctx.evidenceOf(ctx.describe('userinfo', x.body), { status: x.a.status, text: firstLines(x.a.text) }, i === 0 ? 'try 1' : `try ${DECRYPT_TRIES}: still no limit`));
    return fail(`${DECRYPT_TRIES} undecryptable payloads on one token, none met a limit (no 429, token not revoked)`, evidence);
  },
};

// ------------------------------------------------------------------ phone code of another user

const phoneCodeOtherUser: Check = {
  id: 'abuse.phone-code-other-user',
  category: 'abuse',
  title: 'another user\'s phone code is refused',
  severity: 'should',
  reference: REFS.phone,
  needs: ['phone'],
  hint:
    'a phone code minted for user B was accepted on user A\'s session, so A can bind B\'s number: send the session\'s ' +
    'openid with getuserphonenumber (WeChat then answers 40003 for another user\'s code) and refuse on that',
  async run(ctx) {
    if (ctx.contract.phoneBy !== 'code') return na(`the contract proves the phone by ${ctx.contract.phoneBy}, not by a phone code`);
    const a = await ctx.login(ctx.user('phone-a'));
    const bAlias = ctx.user('phone-b');
    await ctx.wxLogin(bAlias); // B's session at WeChat, which the phone button needs
    const bPhone = await ctx.wx(() => ctx.mock.getPhoneNumber(bAlias), 'wx.getPhoneNumber');
    const bUser = await ctx.mockUser(bAlias);
    const code = bPhone.code;
    if (typeof code !== 'string') throw new SetupFailed('the mock gave no phone code for user B');
    ctx.seen.codes.add(code);
    const r = await ctx.call('phone', { token: a.token, body: { code } });
    if (r.notOffered) throw new SetupFailed(`no phone route at ${ctx.contract.paths.phone}`);
    const leaked = r.text.includes(bUser.purePhoneNumber);
    if (r.ok || leaked) {
      const note = leaked ? 'answered user B\'s phone number on user A\'s session' : `accepted (HTTP ${r.status})`;
      return fail(`B's phone code on A's token was ${note}`, [ctx.evidenceOf(ctx.describe('phone', { code }), r, note)]);
    }
    if (r.status >= 500) {
      const note = `refused with HTTP ${r.status}, a server error rather than a refusal`;
      return fail(note, [ctx.evidenceOf(ctx.describe('phone', { code }), { status: r.status, text: firstLines(r.text) }, note)]);
    }
    // A backend that refuses every phone code would pass vacuously: A's own code must work.
    const own = (await ctx.wx(() => ctx.mock.getPhoneNumber(a.alias), 'wx.getPhoneNumber')).code;
    if (typeof own === 'string') {
      ctx.seen.codes.add(own);
      const o = await ctx.call('phone', { token: a.token, body: { code: own } });
      if (!o.ok) {
        throw new SetupFailed("the backend refused user A's own phone code too, so its refusal of B's says nothing", [
          ctx.evidenceOf(ctx.describe('phone', { code: own }), o, "A's own phone code refused"),
        ]);
      }
    }
    return pass(`B's phone code on A's token refused (HTTP ${r.status}${r.error ? ` ${r.error}` : ''}); A's own code accepted`);
  },
};

// ------------------------------------------------------------------ login limit

const LOGIN_TRIES = 150;
const PARALLEL = 4;

export const loginLimitCheck: Check = {
  id: 'abuse.login-limit',
  category: 'abuse',
  title: 'rapid logins from one client meet a limit',
  severity: 'should',
  reference: REFS.rateLimit,
  hint:
    'one client may call the login route without limit: each call costs a code2Session request against your app\'s ' +
    'quota and lets a script farm sessions; limit logins per client address (e.g. 60 a minute) and answer 429 with ' +
    'Retry-After',
  async run(ctx) {
    const t0 = performance.now();
    let sent = 0;
    let limited: { a: RawAnswer; n: number; code: string } | undefined;
    let last: { a: RawAnswer; code: string } | undefined;
    const failures: Evidence[] = [];
    const worker = async () => {
      while (!limited && sent < LOGIN_TRIES && failures.length === 0) {
        const n = ++sent;
        // Unknown codes: WeChat refuses them (40029), so no session is made and no user's quota is spent.
        const code = `audit${randomBytes(14).toString('hex')}`;
        let a: RawAnswer;
        try {
          a = await sendStep(ctx, 'login', { body: { code } });
        } catch (err) {
          if (!(err instanceof NetworkError)) throw err;
          failures.push(ctx.evidenceOf(ctx.describe('login', { code }), { status: 0, text: err.kind }, `request ${n}: the connection failed (${err.kind})`));
          return;
        }
        if (rateLimited(a)) limited ??= { a, n, code };
        last = { a, code };
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    if (limited) return pass(`limited after ${limited.n} rapid login requests (HTTP ${limited.a.status}${envelopeCode(limited.a) ? `, code ${envelopeCode(limited.a)}` : ''}) in ${secs} s`);
    if (failures.length > 0) return fail(`the backend stopped answering after ${sent} rapid logins (a limit should answer 429, not drop)`, failures);
    const evidence = last ? [ctx.evidenceOf(ctx.describe('login', { code: last.code }), { status: last.a.status, text: firstLines(last.a.text) }, `request ${sent}: still not limited`)] : [];
    return fail(`${sent} login requests in ${secs} s from one client, none limited`, evidence);
  },
};

export const abuseChecks: readonly Check[] = [garbageParams, oversizedBody, decryptFailuresThrottled, phoneCodeOtherUser];
