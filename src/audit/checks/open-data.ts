// Open data (https://developers.weixin.qq.com/miniprogram/dev/framework/open-ability/signature.html): what a backend
// does with encryptedData, iv, rawData and signature it did not make. The audit plays the mini program with the
// user's own session_key (the mock tells it), so it can craft data WeChat would never send: tampered, sealed for
// another app or another user, under the replaced key, with a wrong signature, and with bad padding: the last one
// looks for a padding oracle and, with --prove, uses it to forge data without the key.
import { createDecipheriv, randomBytes, randomInt } from 'node:crypto';
import { describeFailure, type BackendResult } from '../../client/backend-client.js';
import type { AuditContext, AuditLogin } from '../context.js';
import { compareTiming, forgeCbcR, signature, telltale, type AnswerLike, type OracleAnswer, type Telltale } from '../oracle.js';
import { REFS } from '../references.js';
import { fail, NotApplicable, pass, SetupFailed, type Check, type Evidence, type ProveReport, type Reference, type Verdict } from '../types.js';

const signatureRef: Reference = { title: 'CWE-347: Improper Verification of Cryptographic Signature', url: 'https://cwe.mitre.org/data/definitions/347.html' };

/** An AppID that is not the audited app's (the watermark of data sealed for another app). */
const OTHER_APPID = 'wx0000000000000000';

type Body = Record<string, unknown> & { encryptedData: string; iv: string };

// ------------------------------------------------------------------ helpers

/** A fresh mock user, logged in at the backend (one backend login). */
const freshLogin = (ctx: AuditContext, tag: string) => ctx.login(ctx.user(tag));

/** getUserInfo's open data for the user as WeChat hands it over (classic: with rawData and signature). */
async function userInfoOf(ctx: AuditContext, alias: string) {
  const b = await ctx.wx(() => ctx.mock.getUserInfo(alias, true), 'wx.getUserInfo');
  const { encryptedData, iv, rawData, signature: sig } = b;
  if (typeof encryptedData !== 'string' || typeof iv !== 'string') throw new SetupFailed('the mock answered getUserInfo without encryptedData and iv');
  return { encryptedData, iv, rawData: typeof rawData === 'string' ? rawData : undefined, signature: typeof sig === 'string' ? sig : undefined };
}

/** POST the userinfo step; a 404 of no envelope of the backend's own means it has no such route. */
async function sendUserinfo(ctx: AuditContext, token: string, body: Body): Promise<BackendResult> {
  const r = await ctx.call('userinfo', { token, body });
  if (r.notOffered) throw new NotApplicable(`the backend has no userinfo route (HTTP 404 at ${ctx.contract.paths.userinfo})`);
  return r;
}

/** Control characters and U+FFFD (an exception quoting the garbage it choked on) shown as `?` in one-line details. */
const printable = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f\ufffd]/g, '?');
const said = (r: BackendResult) => printable(r.ok ? `HTTP ${r.status} accepted` : describeFailure(r));
const ev = (ctx: AuditContext, body: Body, r: BackendResult, note: string): Evidence => ctx.evidenceOf(ctx.describe('userinfo', body), r, note);

/** A complete getUserInfo plaintext for a mock user, as WeChat seals it, with the given watermark app. */
async function profileOf(ctx: AuditContext, alias: string, appid = ctx.appid) {
  const u = await ctx.mockUser(alias);
  return {
    openId: u.openid,
    nickName: u.nickName,
    gender: u.gender,
    language: u.language,
    city: u.city,
    province: u.province,
    country: u.country,
    avatarUrl: u.avatarUrl,
    ...(u.unionid === undefined ? {} : { unionId: u.unionid }),
    watermark: ctx.watermark(appid),
  };
}

/** Crafted data the backend must accept (the user's own, correctly sealed): without it, a refusal proves nothing. */
async function acceptsCrafted(ctx: AuditContext, l: AuditLogin, what: string) {
  const body: Body = ctx.encrypt(await profileOf(ctx, l.alias), l.sessionKey);
  const r = await sendUserinfo(ctx, l.token, body);
  if (!r.ok) {
    throw new SetupFailed(`the backend refused the user's own profile sealed correctly under the session_key (${said(r)}), so a refusal of ${what} would prove nothing`, [
      ev(ctx, body, r, 'correct data, refused'),
    ]);
  }
}

/** The verdict on data that must be refused: refused with a 4xx passes; accepted or a 5xx fails. */
function refusal(ctx: AuditContext, body: Body, r: BackendResult, what: string, accepted: string) {
  if (r.ok) return fail(`accepted ${what}: ${accepted}`, [ev(ctx, body, r, `${what}, accepted`)]);
  if (r.status >= 500) {
    return fail(`answered ${what} with a server error (${said(r)})`, [ev(ctx, body, r, 'a 5xx to bad input')], 'refuse data that does not decrypt or verify with a 4xx; a 5xx means an exception escaped the decryption code (and usually an alert fires for what is only bad input)');
  }
  return pass(`refused ${what} (${said(r)})`);
}

// ------------------------------------------------------------------ the padding oracle

type Kind = 'bad-padding' | 'not-json' | 'not-object';

const KIND_NOTE: Record<Kind, string> = {
  'bad-padding': '(a) blocks sealed under the session_key whose PKCS#7 padding is invalid',
  'not-json': '(b) valid padding, the plaintext random bytes (not JSON)',
  'not-object': '(c) valid padding, valid JSON that is not an object ([1,2,…,10])',
};

/** Two blocks each, so that every kind has the same length and only the padding or the content differs. */
function craft(ctx: AuditContext, kind: Kind, key: string): Body {
  if (kind === 'not-object') return ctx.encrypt('[1,2,3,4,5,6,7,8,9,10]', key); // 22 bytes: padded to 32
  const blocks = randomBytes(32);
  if (kind === 'not-json') blocks[31] = 0x01;
  else {
    const last = randomInt(17, 257); // 0 or 17..255: never a PKCS#7 pad length
    blocks[31] = last === 256 ? 0 : last;
  }
  return ctx.encryptRaw(blocks, key);
}

interface Sample {
  kind: Kind;
  body: Body;
  r: BackendResult;
}

const TOKENS = 6; // logins at most; 4 failed decryptions on each (the reference revokes after 5)
const asAnswer = (r: BackendResult): AnswerLike => ({ status: r.status, text: r.text, code: r.code, error: r.error });
/** A token's own state (revoked, rate limited), not the data's. */
const sessionAnswer = (r: BackendResult) => r.status === 401 || r.status === 429;

/** The first difference between bad padding and one of the other kinds (not-JSON first: the forgery needs that one). */
function findOracle(samples: readonly Sample[]) {
  const of = (k: Kind) => samples.filter((s) => s.kind === k);
  const bad = of('bad-padding');
  for (const k of ['not-json', 'not-object'] as const) {
    const t = telltale(bad.map((s) => asAnswer(s.r)), of(k).map((s) => asAnswer(s.r)));
    if (t) return { t, bad, other: of(k), versus: k };
  }
  return undefined;
}

/** Tells the answers the oracle gives apart, as the difference found says: bad padding, valid padding, or neither. */
function classifier(t: Telltale, bad: readonly Sample[], valid: readonly Sample[]) {
  const badSigs = new Set(bad.map((s) => signature(asAnswer(s.r), t.level)));
  const validStatuses = new Set(valid.map((s) => s.r.status));
  return (r: BackendResult): OracleAnswer => {
    const sig = signature(asAnswer(r), t.level);
    const other: OracleAnswer = { kind: 'other', why: `the backend answered ${said(r)}, neither the bad-padding nor the valid-padding answer (token revoked or rate limited?)` };
    if (sessionAnswer(r) || r.status >= 500) return other;
    if (t.side === 'x') {
      if (sig === t.sig) return { kind: 'bad-padding' };
      return r.ok || validStatuses.has(r.status) ? { kind: 'valid-padding' } : other;
    }
    if (sig === t.sig || r.ok) return { kind: 'valid-padding' };
    return badSigs.has(sig) ? { kind: 'bad-padding' } : other;
  };
}

const FORGED_NICKNAME = 'forged by wxlogin audit';

/** --prove: CBC-R through the oracle with the user's own token, then the forged data sent as the user's profile. */
async function prove(ctx: AuditContext, l: AuditLogin, classify: (r: BackendResult) => OracleAnswer): Promise<{ report: ProveReport; evidence?: Evidence }> {
  const { queryCap, secondsCap } = ctx.prove!;
  const plaintext = JSON.stringify({ nickName: FORGED_NICKNAME, openId: l.openid });
  const t0 = performance.now();
  // Oracle queries go straight to the backend client: thousands of garbage answers are not worth recording.
  const oracle = async (iv: Buffer, ct: Buffer): Promise<OracleAnswer> => {
    try {
      return classify(await ctx.backend.call('userinfo', { token: l.token, body: { encryptedData: ct.toString('base64'), iv: iv.toString('base64') } }));
    } catch (err) {
      return { kind: 'other', why: `no answer: ${err instanceof Error ? ctx.mask(err.message) : String(err)}` };
    }
  };
  // One query of the cap is kept for sending the forged data itself.
  const forged = await forgeCbcR(Buffer.from(plaintext), oracle, { queryCap: queryCap - 1, deadline: t0 + secondsCap * 1000, parallel: 8 });
  const seconds = Math.round((performance.now() - t0) / 100) / 10;
  const base = { attempted: true, queryCap, secondsCap, plaintext };
  if (!forged.ok) {
    return { report: { ...base, success: false, queries: forged.queries, seconds, detail: `the forgery stopped after ${forged.queries} oracle queries in ${seconds} s (caps: ${queryCap} queries, ${secondsCap} s): ${forged.why}` } };
  }
  const body: Body = { encryptedData: forged.ciphertext.toString('base64'), iv: forged.iv.toString('base64') };
  const r = await sendUserinfo(ctx, l.token, body);
  const success = r.ok && r.text.includes(FORGED_NICKNAME);
  const evidence = ctx.evidenceOf(ctx.describe('userinfo', body), r, `--prove: ${plaintext} forged through the oracle without the session_key${success ? ', accepted' : ''}`);
  const blocks = forged.ciphertext.length / 16;
  const report: ProveReport = {
    ...base,
    success,
    queries: forged.queries + 1,
    seconds,
    answer: evidence.answer,
    detail: success
      ? `forged ${blocks}-block encryptedData under the user's session_key without knowing it (${forged.queries} oracle queries with the user's own token, ${seconds} s); the backend accepted it and answered nickName "${FORGED_NICKNAME}"`
      : `forged ${blocks}-block encryptedData with ${forged.queries} oracle queries, but the backend did not accept it as the profile (${said(r)})`,
  };
  return { report, evidence };
}

const notAttempted = (ctx: AuditContext, detail: string): ProveReport => ({
  attempted: false,
  success: false,
  queries: 0,
  queryCap: ctx.prove!.queryCap,
  seconds: 0,
  secondsCap: ctx.prove!.secondsCap,
  detail,
});

/** Crafted data of each kind, interleaved over fresh tokens; their answers and times compared. */
async function lookForOracle(ctx: AuditContext): Promise<Verdict> {
  const alias = ctx.user('padding-oracle');
  const samples: Sample[] = [];
  const notes: string[] = [];
  let last: AuditLogin | undefined;
  let found: ReturnType<typeof findOracle>;
  for (let t = 0; t < TOKENS && !found; t++) {
    const l = await ctx.login(alias);
    last = l;
    if (t === 0) {
      // The backend must decrypt this user's real data at all, or identical refusals would prove nothing.
      const real = await userInfoOf(ctx, alias);
      const body: Body = { encryptedData: real.encryptedData, iv: real.iv };
      const r = await sendUserinfo(ctx, l.token, body);
      if (!r.ok) throw new SetupFailed(`the backend refused the user's getUserInfo data from WeChat (${said(r)})`, [ev(ctx, body, r, 'real data, refused')]);
    }
    // Interleaved, the kinds alternating which goes first: nothing about a token's age favours one kind.
    const order: Kind[] = t % 2 === 0 ? ['bad-padding', 'not-json', 'bad-padding', 'not-object'] : ['not-json', 'bad-padding', 'not-object', 'bad-padding'];
    for (const [i, kind] of order.entries()) {
      const body = craft(ctx, kind, l.sessionKey);
      const r = await sendUserinfo(ctx, l.token, body);
      if (sessionAnswer(r)) {
        // This token's state or this kind's answer? The other kind on the same token tells.
        const probeKind: Kind = kind === 'bad-padding' ? 'not-json' : 'bad-padding';
        const probeBody = craft(ctx, probeKind, l.sessionKey);
        const p = await sendUserinfo(ctx, l.token, probeBody);
        if (signature(asAnswer(p), 'fine') === signature(asAnswer(r), 'fine')) {
          notes.push(`the backend stopped token ${t + 1} after ${i} failed decryptions (${said(r)})`);
          break;
        }
        samples.push({ kind, body, r }, { kind: probeKind, body: probeBody, r: p });
        break;
      }
      samples.push({ kind, body, r });
    }
    if (t >= 1) found = findOracle(samples);
  }
  const count = (k: Kind) => samples.filter((s) => s.kind === k).length;
  const counts = `${count('bad-padding')} (a), ${count('not-json')} (b), ${count('not-object')} (c)`;
  if (!found && (count('bad-padding') < 2 || count('not-json') + count('not-object') < 2)) {
    throw new SetupFailed(`too few answers to compare (${counts}): ${notes.join('; ') || 'the backend stopped answering the crafted requests'}`);
  }

  if (found) {
    const { t, bad, other, versus } = found;
    // One answer of each side that shows the difference: the typical one of the side that has it.
    const sigOf = (s: Sample) => signature(asAnswer(s.r), t.level);
    const x = (t.side === 'x' ? bad.find((s) => sigOf(s) === t.sig) : bad.find((s) => !other.some((o) => sigOf(o) === sigOf(s)))) ?? bad[0]!;
    const y = (t.side === 'y' ? other.find((s) => sigOf(s) === t.sig) : other.find((s) => !bad.some((b) => sigOf(b) === sigOf(s)))) ?? other[0]!;
    let detail =
      `the backend answers bad padding differently from ${versus === 'not-json' ? 'valid padding with a plaintext that is not JSON' : 'valid padding with JSON that is not an object'} ` +
      `(${said(x.r)} vs ${said(y.r)}; ${counts} crafted requests compared by ${t.level === 'coarse' ? 'status, code and error' : 'their whole text'}). ` +
      'That difference is a padding oracle: with the user\'s own token and no key, an attacker decrypts any of the user\'s open data and forges ' +
      'encryptedData that decrypts under the session_key to plaintext of their choosing (a phone number, a unionId), about 128 requests per byte (CBC-R)';
    const evidence = [ev(ctx, x.body, x.r, KIND_NOTE[x.kind]), ev(ctx, y.body, y.r, KIND_NOTE[y.kind])];
    if (ctx.prove && last) {
      if (versus === 'not-json') {
        const proved = await prove(ctx, last, classifier(t, bad, other));
        ctx.findings.prove = proved.report;
        detail += `. --prove: ${proved.report.detail}`;
        if (proved.evidence) evidence.push(proved.evidence);
      } else {
        ctx.findings.prove = notAttempted(ctx, 'the answers tell only JSON that is not an object from bad padding; a forgery needs bad padding told from random plaintext');
      }
    }
    return fail(detail, evidence);
  }

  if (ctx.prove) ctx.findings.prove = notAttempted(ctx, `no padding oracle found: the backend answered ${counts} crafted requests alike, so there is nothing to forge with`);

  const server = samples.find((s) => s.r.status >= 500);
  if (server) {
    return fail(`answered crafted data that does not decrypt with a server error (${said(server.r)})`, [ev(ctx, server.body, server.r, KIND_NOTE[server.kind])], 'refuse data that does not decrypt with a 4xx; a 5xx means an exception escaped the decryption code');
  }

  const ms = (pred: (s: Sample) => boolean) => samples.filter(pred).map((s) => s.r.ms);
  const badMs = ms((s) => s.kind === 'bad-padding');
  const validMs = ms((s) => s.kind !== 'bad-padding');
  const timing = compareTiming(badMs, validMs);
  const distinct = new Set(samples.map((s) => signature(asAnswer(s.r), 'fine'))).size;
  const alike = distinct === 1 ? `identical answers to ${counts} crafted requests (${said(samples[0]!.r)})` : `answers to ${counts} crafted requests that vary (${distinct} kinds after masking ids and times) but not with the padding`;
  const noteText = notes.length ? ` (${notes.join('; ')})` : '';
  if (!timing) return pass(`${alike}; too few samples to compare timing${noteText}`);
  const times = `median ${timing.medianX.toFixed(2)} ms for bad padding vs ${timing.medianY.toFixed(2)} ms for valid padding, Mann-Whitney p = ${timing.p.toPrecision(2)} over ${timing.n[0]} + ${timing.n[1]}`;
  if (timing.leaks) {
    const x = samples.find((s) => s.kind === 'bad-padding')!;
    const y = samples.find((s) => s.kind !== 'bad-padding')!;
    return fail(
      `the answers are identical but their time tells bad padding from valid padding (${times}): a timing padding oracle, slower to use than a content one but enough to forge encryptedData (CBC-R)`,
      [ev(ctx, x.body, x.r, `${KIND_NOTE[x.kind]}; median ${timing.medianX.toFixed(2)} ms`), ev(ctx, y.body, y.r, `${KIND_NOTE[y.kind]}; median ${timing.medianY.toFixed(2)} ms`)],
      'do the same work whatever failed: check the padding without branching, and decode and parse (or pretend to) whether or not it held',
    );
  }
  return pass(`${alike} and no timing difference (${times})${noteText}`);
}

const paddingOracle: Check = {
  id: 'open-data.padding-oracle',
  category: 'open data',
  title: 'bad padding and bad content get the same answer, in the same time',
  severity: 'must',
  reference: REFS.paddingOracle,
  hint:
    'answer every open-data failure the same way (one status, one code, one message, never the exception text) and do the same work whatever failed: a backend that tells bad PKCS#7 padding from bad JSON is a padding oracle, with which anyone holding a token forges encryptedData (CBC-R) without the session_key',
  needs: ['userinfo'],
  async run(ctx) {
    try {
      return await lookForOracle(ctx);
    } catch (err) {
      if (ctx.prove && !ctx.findings.prove) ctx.findings.prove = notAttempted(ctx, `the padding-oracle check could not run: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
  },
};


// ------------------------------------------------------------------ the checks

export const openDataChecks: readonly Check[] = [
  {
    id: 'open-data.tampered',
    category: 'open data',
    title: 'tampered encryptedData is refused',
    severity: 'must',
    reference: REFS.integrity,
    hint: 'decrypt with strict PKCS#7, require the plaintext to be a JSON object with the watermark of your AppID, and refuse anything else with a 4xx; accepting garbled data means a check is missing, a 5xx means the decryption error escaped',
    needs: ['userinfo'],
    async run(ctx) {
      const l = await freshLogin(ctx, 'tampered');
      const real = await userInfoOf(ctx, l.alias);
      const good: Body = { encryptedData: real.encryptedData, iv: real.iv };
      const first = await sendUserinfo(ctx, l.token, good);
      if (!first.ok) throw new SetupFailed(`the backend refused untampered getUserInfo data from WeChat (${said(first)}): the check examined nothing`, [ev(ctx, good, first, 'real data, refused')]);
      // One byte flipped near the middle garbles its block and flips the same bit in the next one. Garbled bytes
      // inside a JSON string can still parse (a lenient UTF-8 decoder turns them into U+FFFD), so the flip is chosen
      // with the key: the byte it lands on in the next block becomes 0x01, a control character no JSON text allows.
      const bytes = Buffer.from(real.encryptedData, 'base64');
      const blocks = bytes.length / 16;
      const block = Math.max(0, Math.min(Math.floor(blocks / 2) - 1, blocks - 3));
      const at = block * 16 + 7;
      const d = createDecipheriv('aes-128-cbc', Buffer.from(l.sessionKey, 'base64'), Buffer.from(real.iv, 'base64'));
      d.setAutoPadding(false);
      const plain = Buffer.concat([d.update(bytes), d.final()]);
      bytes[at] = bytes[at]! ^ ((plain[at + 16] ?? 0) ^ 0x01 || 0x5a);
      const body: Body = { encryptedData: bytes.toString('base64'), iv: real.iv };
      const r = await sendUserinfo(ctx, l.token, body);
      return refusal(ctx, body, r, `the same data with byte ${at} of ${bytes.length} flipped`, 'the garbled plaintext was taken for the profile');
    },
  },
  {
    id: 'open-data.other-app',
    category: 'open data',
    title: "data whose watermark names another app is refused",
    severity: 'must',
    reference: REFS.openData,
    hint: "after decrypting, check that watermark.appid is your own AppID (WeChat's signature page asks for it) and refuse the data otherwise",
    needs: ['userinfo'],
    async run(ctx) {
      const l = await freshLogin(ctx, 'other-app');
      await acceptsCrafted(ctx, l, 'another app\'s watermark');
      const appid = OTHER_APPID === ctx.appid ? 'wx0000000000000001' : OTHER_APPID;
      const body: Body = ctx.encrypt(await profileOf(ctx, l.alias, appid), l.sessionKey);
      const r = await sendUserinfo(ctx, l.token, body);
      return refusal(ctx, body, r, `the user's own profile with watermark.appid ${appid}`, 'the watermark is not checked, so data sealed for another app passes as this one\'s');
    },
  },
  {
    id: 'open-data.other-user',
    category: 'open data',
    title: "data naming another user's openId is refused",
    severity: 'must',
    reference: REFS.authorization,
    hint: "take the identity from code2Session's answer for this session, never from the decrypted data, and refuse data whose openId (or unionId) is not the session's",
    needs: ['userinfo'],
    async run(ctx) {
      const l = await freshLogin(ctx, 'other-user');
      await acceptsCrafted(ctx, l, "another user's openId");
      const other = ctx.user('other-user-victim');
      await ctx.wx(() => ctx.mock.getSetting(other), 'wx.getSetting'); // the mock creates the user on first use
      const profile = await profileOf(ctx, other);
      if (profile.openId === l.openid) throw new SetupFailed('the mock gave two users one openid');
      const body: Body = ctx.encrypt(profile, l.sessionKey);
      const r = await sendUserinfo(ctx, l.token, body);
      return refusal(ctx, body, r, "another user's profile and openId sealed under this session's key", "the session's user can be given another user's identity");
    },
  },
  {
    id: 'open-data.previous-key',
    category: 'open data',
    title: 'data under the replaced session_key is answered cleanly after a key rotation',
    severity: 'must',
    reference: REFS.openData,
    hint:
      'when data does not decrypt under the current session_key (WeChat replaces it on a later wx.login), answer a 4xx that tells the client to call wx.login and fetch the data again, or accept it under the previous key for a short declared grace; never a 5xx or no answer',
    needs: ['userinfo'],
    async run(ctx) {
      const alias = ctx.user('previous-key');
      const l1 = await ctx.login(alias);
      const real = await userInfoOf(ctx, alias);
      const body: Body = { encryptedData: real.encryptedData, iv: real.iv };
      const before = await sendUserinfo(ctx, l1.token, body);
      if (!before.ok) throw new SetupFailed(`the backend refused the user's getUserInfo data from WeChat under the current key (${said(before)})`, [ev(ctx, body, before, 'real data, refused')]);
      // The mock replaces a key on wx.login once its rotation period (300 s) has passed.
      await ctx.mock.advanceClock(301);
      const l2 = await ctx.login(alias);
      if (l2.sessionKey === l1.sessionKey) throw new NotApplicable("the mock did not replace the user's session_key on wx.login after 301 s (its rotation policy is 'never'?), so there is no previous key to send data under");
      const r = await sendUserinfo(ctx, l2.token, body);
      const what = 'data sealed under the replaced session_key, sent with the token of the login that replaced it';
      if (r.status >= 500) {
        return fail(`answered ${what} with a server error (${said(r)})`, [ev(ctx, body, r, 'a 5xx after a key rotation')]);
      }
      if (r.ok) return pass(`accepted (${said(r)}) ${what}: the backend keeps the previous key for a grace period`);
      return pass(`refused cleanly (${said(r)}) ${what}`);
    },
  },
  {
    id: 'open-data.raw-signature',
    category: 'open data',
    title: 'rawData with a wrong signature is refused',
    severity: 'must',
    reference: signatureRef,
    hint: 'when rawData and signature are sent, verify signature = sha1(rawData + session_key) (compared in constant time) and refuse the request when it differs; or take the profile from the decrypted data only and refuse rawData',
    needs: ['userinfo'],
    async run(ctx) {
      const l = await freshLogin(ctx, 'raw-signature');
      const real = await userInfoOf(ctx, l.alias);
      if (!real.rawData || !real.signature) throw new SetupFailed('the mock answered getUserInfo without rawData and signature');
      const good: Body = { encryptedData: real.encryptedData, iv: real.iv, rawData: real.rawData, signature: real.signature };
      const first = await sendUserinfo(ctx, l.token, good);
      if (first.status >= 500) return fail(`answered the classic getUserInfo body (rawData, signature, encryptedData, iv) with a server error (${said(first)})`, [ev(ctx, good, first, 'real data, 5xx')]);
      if (!first.ok) throw new NotApplicable(`the backend refuses rawData and signature even when correct (${said(first)}): it does not take signed rawData`);
      const s = real.signature;
      const wrong = `${s[0] === '0' ? '1' : '0'}${s.slice(1)}`;
      const body: Body = { ...good, signature: wrong };
      const r = await sendUserinfo(ctx, l.token, body);
      return refusal(ctx, body, r, 'the classic body with one hex digit of the signature changed', 'the signature is not verified, so rawData (the profile) can say anything');
    },
  },
  paddingOracle,
];
