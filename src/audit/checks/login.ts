// The login group: what the backend does with a wx.login code. A code is WeChat's one-time proof that this user is
// at this mini program right now: it is valid for 5 minutes and exchanges once at code2Session
// (https://developers.weixin.qq.com/miniprogram/dev/api/open-api/login/wx.login.html). A backend must refuse any code
// WeChat refuses, answer refusals as the client's problem (4xx, never 5xx), and not turn one code into many sessions.
import { randomInt } from 'node:crypto';
import type { BackendResult } from '../../client/backend-client.js';
import type { AuditContext, AuditLogin } from '../context.js';
import { REFS } from '../references.js';
import { tokenShape } from '../token-derivation.js';
import { SetupFailed, fail, pass, type Check, type Evidence, type Reference } from '../types.js';
import { poolLogins } from './tokens.js';

const WX_LOGIN: Reference = {
  title: 'WeChat: wx.login (the code is valid for 5 minutes)',
  url: 'https://developers.weixin.qq.com/miniprogram/dev/api/open-api/login/wx.login.html',
};

/** WeChat's "code been used" (code2Session). */
const CODE_BEEN_USED = 40163;
/** A code past its 5 minutes. */
const CODE_TTL_SECONDS = 300;
const CONCURRENT_POSTS = 5;
/** Added to the first code2Session of the concurrent check, so that every post arrives while it is in flight. */
const EXCHANGE_LATENCY_MS = 150;

const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A code shaped like WeChat's (32 alphanumerics) that the mock never issued. */
function unknownCode(): string {
  let s = '';
  for (let i = 0; i < 32; i++) s += ALNUM[randomInt(ALNUM.length)];
  return s;
}

const codeRequest = (ctx: AuditContext, code: string) => ctx.describe('login', { code });

/** A refused login answer: no token, not ok. */
const refused = (r: { result: BackendResult; token?: string }) => !r.token && !r.result.ok;

// ------------------------------------------------------------ the replay, shared by two checks

interface Replay {
  login: AuditLogin;
  result: BackendResult;
  token?: string;
}

const replays = new WeakMap<AuditContext, Promise<Replay>>();

/** The pool's first login's code, posted once more after that login succeeded (once per run). */
function replayOf(ctx: AuditContext): Promise<Replay> {
  let p = replays.get(ctx);
  if (!p) {
    p = (async () => {
      const [login] = await poolLogins(ctx, 1);
      const r = await ctx.postCode(login!.code);
      return { login: login!, ...r };
    })();
    // A failed set-up is not cached: the next check tries again.
    p.catch(() => replays.delete(ctx));
    replays.set(ctx, p);
  }
  return p;
}

// ------------------------------------------------------------ the checks

export const loginChecks: readonly Check[] = [
  {
    id: 'login.fresh-code',
    category: 'login',
    title: 'a fresh wx.login code logs in',
    severity: 'must',
    reference: REFS.code2Session,
    hint: "the backend gives no token for a valid code: check its code2Session call (appid, secret, js_code, grant_type=authorization_code) and that it answers the token where the contract's tokenPath says.",
    async run(ctx) {
      try {
        const [l] = await poolLogins(ctx, 1);
        const s = tokenShape(l!.token);
        return pass(`${codeRequest(ctx, l!.code)} answered a token at ${ctx.contract.tokenPath} (${s.length} chars of ${s.alphabet})`);
      } catch (err) {
        if (err instanceof SetupFailed) return fail(`a fresh code got no token: ${err.message}`, err.evidence);
        throw err;
      }
    },
  },
  {
    id: 'login.replayed-code',
    category: 'login',
    title: 'a code already used is refused',
    severity: 'must',
    reference: REFS.replay,
    hint: 'the backend gives a session for a code it already exchanged: it caches code → session (or skips code2Session). Exchange every code at WeChat, which refuses a used one with 40163, and answer that refusal as 4xx.',
    async run(ctx) {
      const r = await replayOf(ctx);
      const ev = (note: string) => [ctx.evidenceOf(codeRequest(ctx, r.login.code), r.result, note)];
      if (r.result.status >= 500) {
        return fail(`the replayed code got HTTP ${r.result.status}`, ev('a used code is bad input: answer 4xx, not 5xx'), 'WeChat refused the used code (40163) and the backend failed on it: map code2Session errcodes to a 4xx answer.');
      }
      if (!refused(r)) return fail('the same code posted again after a successful login got a session', ev(r.token ? 'a token for a code that was already exchanged' : 'success for a code that was already exchanged'));
      return pass(`the code posted again after a successful login was refused (HTTP ${r.result.status})`);
    },
  },
  {
    id: 'login.replay-errcode',
    category: 'login',
    title: "the refusal of a used code tells WeChat's errcode 40163",
    severity: 'should',
    reference: REFS.errors,
    hint: "pass WeChat's errcode through so the client knows to call wx.login again (the reference backend answers it as data.errcode).",
    async run(ctx) {
      const r = await replayOf(ctx);
      const ev = (note: string): Evidence[] => [ctx.evidenceOf(codeRequest(ctx, r.login.code), r.result, note)];
      if (!refused(r)) return fail('the replayed code was not refused (see login.replayed-code), so there is no refusal to read', ev('not a refusal'));
      if (!new RegExp(`\\b${CODE_BEEN_USED}\\b`).test(r.result.text)) {
        return fail(`the refusal of a used code does not say ${CODE_BEEN_USED}`, ev(`no ${CODE_BEEN_USED} in the answer: the client cannot tell a used code from other failures`));
      }
      return pass(`the refusal of the used code carries WeChat's errcode ${CODE_BEEN_USED}`);
    },
  },
  {
    id: 'login.unknown-code',
    category: 'login',
    title: 'a code WeChat never issued is refused with 4xx',
    severity: 'must',
    reference: REFS.code2Session,
    hint: "the backend must answer a code WeChat refuses (40029 invalid code) as the client's error (4xx, no token): check code2Session's errcode before reading openid and session_key.",
    async run(ctx) {
      const code = unknownCode();
      const r = await ctx.postCode(code);
      const ev = (note: string) => [ctx.evidenceOf(codeRequest(ctx, code), r.result, note)];
      if (!refused(r)) return fail('a made-up code got a session', ev('a code WeChat never issued was accepted'));
      if (r.result.status >= 500) {
        return fail(`a made-up code got HTTP ${r.result.status}`, ev('an invalid code is bad input: answer 4xx, not 5xx'), "WeChat refused the code (40029) and the backend failed on it: map code2Session's errcode to a 4xx answer.");
      }
      if (r.result.status < 400) return fail(`a made-up code was refused with HTTP ${r.result.status}, not 4xx`, ev('a refusal should be a 4xx status'), 'answer a refused code with a 4xx status (401 or 400), so clients and monitoring see a client error.');
      return pass(`a well-formed code the mock never issued was refused (HTTP ${r.result.status})`);
    },
  },
  {
    id: 'login.expired-code',
    category: 'login',
    title: 'a code older than 5 minutes is refused',
    severity: 'must',
    reference: WX_LOGIN,
    hint: 'the backend must answer a code WeChat refuses as expired or invalid (40029) with a 4xx and no token: check code2Session\'s errcode before reading the answer.',
    async run(ctx) {
      const alias = ctx.user('expired');
      const code = await ctx.wxLogin(alias);
      await ctx.mock.advanceClock(CODE_TTL_SECONDS + 1);
      const r = await ctx.postCode(code);
      const ev = (note: string) => [ctx.evidenceOf(codeRequest(ctx, code), r.result, note)];
      if (!refused(r)) return fail(`a code left unused for ${CODE_TTL_SECONDS + 1} s got a session`, ev('an expired code was accepted'));
      if (r.result.status >= 500) {
        return fail(`an expired code got HTTP ${r.result.status}`, ev('an expired code is bad input: answer 4xx, not 5xx'), "WeChat refused the expired code and the backend failed on it: map code2Session's errcode to a 4xx answer.");
      }
      return pass(`a code left unused for ${CODE_TTL_SECONDS + 1} s (mock clock) was refused (HTTP ${r.result.status})`);
    },
  },
  {
    id: 'login.concurrent-code',
    category: 'login',
    title: `one code posted by ${CONCURRENT_POSTS} concurrent requests reaches WeChat once`,
    severity: 'should',
    reference: REFS.raceCondition,
    hint: 'each concurrent login with the same code calls code2Session: all but one get 40163, so a client that retries a slow login fails its own first attempt. Share one in-flight exchange per code (a map of code → pending promise, or a short lock in the session store) and answer every waiting request from it.',
    async run(ctx) {
      const alias = ctx.user('concurrent');
      const code = await ctx.wxLogin(alias);
      const before = (await ctx.mock.journal(1))[0]?.id ?? 0;
      // The first exchange is slowed down so that every post arrives while it is in flight.
      await ctx.mock.addFault({ endpoint: '/sns/jscode2session', kind: 'latency', latencyMs: EXCHANGE_LATENCY_MS, times: 1 });
      const answers = await Promise.all(Array.from({ length: CONCURRENT_POSTS }, () => ctx.postCode(code)));
      await ctx.mock.clearFaults();
      const masked = `${code.slice(0, 6)}***`;
      const exchanges = (await ctx.mock.journal(200)).filter(
        (e) => e.id > before && e.path.split('?')[0] === '/sns/jscode2session' && e.query?.js_code === masked,
      );
      const fives = answers.filter((a) => a.result.status >= 500);
      const withToken = answers.filter((a) => a.token);
      const statuses = new Map<number, number>();
      for (const a of answers) statuses.set(a.result.status, (statuses.get(a.result.status) ?? 0) + 1);
      const summary = [...statuses].map(([s, n]) => `HTTP ${s} ×${n}`).join(', ');
      const errcodes = exchanges.map((e) => (e.errcode === undefined ? 'ok' : `errcode ${e.errcode}`)).join(', ');
      const evidence = (note: string): Evidence[] => {
        const ev: Evidence[] = [
          { request: ctx.mask(`${CONCURRENT_POSTS} × ${codeRequest(ctx, code)} at once`), answer: summary, note },
        ];
        const sample = answers.find((a) => a.result.status >= 500) ?? answers.find((a) => !a.token);
        if (sample) ev.push(ctx.evidenceOf(codeRequest(ctx, code), sample.result, 'one of the concurrent answers'));
        return ev;
      };
      if (fives.length > 0) {
        return fail(`${fives.length} of ${CONCURRENT_POSTS} concurrent logins with one code got a 5xx (${summary})`, evidence(`${exchanges.length} code2Session exchanges reached WeChat (${errcodes})`));
      }
      if (withToken.length === 0) {
        return fail(`none of ${CONCURRENT_POSTS} concurrent logins with one fresh code got a token (${summary})`, evidence(`${exchanges.length} code2Session exchanges reached WeChat (${errcodes})`), 'a fresh code must log in even when the client sends it more than once: share one in-flight exchange per code and answer every request from it.');
      }
      if (exchanges.length !== 1) {
        return fail(
          `${exchanges.length} code2Session exchanges reached WeChat for one code posted by ${CONCURRENT_POSTS} concurrent requests (${summary})`,
          evidence(`WeChat saw the code ${exchanges.length} times (${errcodes}): every exchange after the first is refused with 40163`),
        );
      }
      return pass(`${CONCURRENT_POSTS} concurrent posts of one code made 1 code2Session exchange; ${withToken.length} got a token (${summary})`);
    },
  },
];
