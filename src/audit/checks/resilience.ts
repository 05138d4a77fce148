// Resilience: WeChat misbehaves (busy, a gateway's HTML page, no answer, a reset, JSON labelled text/plain) while a
// user logs in. The backend must answer a clean error in its own format, soon, and never a 5xx with a stack trace;
// and once WeChat is back, logins work again. Each check scripts one fault at the mock on jscode2session, with `times`
// large enough that a backend retrying (as it should on -1, 5xx and timeouts) meets it on every attempt.
// -1 "system busy": https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-login/code2Session.html
import { NetworkError } from '../../client/http.js';
import type { MockFaultSpec } from '../../client/mock-client.js';
import type { AuditContext, RawAnswer } from '../context.js';
import { REFS } from '../references.js';
import { fail, na, pass, SetupFailed, type Check, type Evidence, type Verdict } from '../types.js';
import { findStackTrace, firstLines } from './secrets.js';

const ENDPOINT = '/sns/jscode2session';
/** Every attempt of a backend that retries a few times meets the fault. */
const TIMES = 5;
/** How much longer than the audit waits the mock sleeps: a backend with no upstream timeout answers only after. */
const LATENCY_MARGIN_MS = 2000;

type Outcome = { answer: RawAnswer; ms: number } | { error: NetworkError; ms: number };

/** POSTs a fresh user's code to the login step while `fault` is active (the code is minted before the fault). */
async function loginUnderFault(ctx: AuditContext, tag: string, fault: Omit<MockFaultSpec, 'endpoint'>) {
  const alias = ctx.user(tag);
  const code = await ctx.wxLogin(alias);
  await ctx.mock.addFault({ endpoint: ENDPOINT, times: TIMES, ...fault });
  const requestLine = `${ctx.describe('login', { code })} (WeChat: ${describeFault(fault)})`;
  const t0 = performance.now();
  let out: Outcome;
  try {
    const answer = await ctx.send({
      method: ctx.contract.methods.login ?? 'POST',
      path: ctx.contract.paths.login!,
      body: { code },
      timeoutMs: ctx.answerWithinMs,
    });
    out = { answer, ms: performance.now() - t0 };
  } catch (err) {
    if (!(err instanceof NetworkError)) throw err;
    out = { error: err, ms: performance.now() - t0 };
  } finally {
    await ctx.mock.clearFaults().catch(() => undefined);
  }
  return { alias, code, requestLine, out };
}

function describeFault(f: Omit<MockFaultSpec, 'endpoint'>): string {
  if (f.when === 'after') return `used the code, then ${f.kind === 'drop' ? 'dropped the connection' : f.kind} instead of answering, once`;
  switch (f.kind) {
    case 'errcode':
      return `errcode ${f.errcode ?? -1} on every attempt`;
    case 'http5xx':
      return `HTTP ${f.status ?? 503} HTML gateway page on every attempt`;
    case 'latency':
      return `no answer for ${f.latencyMs} ms`;
    case 'drop':
      return 'connection dropped on every attempt';
    case 'textPlain':
      return 'JSON answer labelled text/plain';
    default:
      return `${f.kind} on every attempt`;
  }
}

/** What is wrong with an answer given while WeChat failed; undefined when it is a clean answer. */
function problemOf(a: RawAnswer): string | undefined {
  const st = findStackTrace(a.text);
  if (st) return `HTTP ${a.status} with a ${st.name}`;
  if (/<center>nginx<\/center>/i.test(a.text)) return `HTTP ${a.status} passing on WeChat's gateway page`;
  if (a.json === undefined || a.json === null || typeof a.json !== 'object') {
    return `HTTP ${a.status} that is not a JSON answer (${a.headers['content-type'] ?? 'no content-type'})`;
  }
  return undefined;
}

const noAnswer = (ms: number) => ({ status: 0, text: `no answer within ${ms} ms` });

/** The verdict of one faulted login: a clean JSON answer within answerWithinMs, success or error. */
function judge(ctx: AuditContext, r: Awaited<ReturnType<typeof loginUnderFault>>, what: string): Verdict {
  const within = ctx.answerWithinMs;
  if ('error' in r.out) {
    const timedOut = r.out.error.kind === 'timeout';
    const note = timedOut ? `no answer within ${within} ms` : `the connection failed (${r.out.error.kind}) instead of an answer`;
    return fail(`${what}: ${note}`, [ctx.evidenceOf(r.requestLine, timedOut ? noAnswer(within) : { status: 0, text: r.out.error.kind }, note)]);
  }
  const a = r.out.answer;
  if (a.status === 404 && !(a.json && typeof a.json === 'object' && 'code' in a.json)) {
    throw new SetupFailed(`no login route at ${ctx.contract.paths.login} (HTTP 404)`, [ctx.evidenceOf(r.requestLine, { status: a.status, text: firstLines(a.text) })]);
  }
  if (r.out.ms > within) {
    const note = `answered only after ${Math.round(r.out.ms)} ms (limit ${within} ms)`;
    return fail(`${what}: ${note}`, [ctx.evidenceOf(r.requestLine, a, note)]);
  }
  const problem = problemOf(a);
  if (problem) {
    return fail(`${what}: ${problem}`, [ctx.evidenceOf(r.requestLine, { status: a.status, text: firstLines(a.text) }, problem)]);
  }
  return pass(`${what}: a clean HTTP ${a.status} in ${Math.round(r.out.ms)} ms${a.status < 300 ? ' (the backend got through)' : ''}`);
}

const CLEAN_ERROR_HINT =
  'catch failures of the code2Session call (errcode -1, HTTP 5xx, HTML instead of JSON, a reset connection, a ' +
  'timeout) and answer your own JSON error (502/503 with a retry hint); retry -1, 5xx and resets a couple of times ' +
  'with backoff; never let the framework answer 500 with its stack trace';

const errcodeBusy: Check = {
  id: 'resilience.errcode-busy',
  category: 'resilience',
  title: 'WeChat busy (errcode -1) gets a clean error',
  severity: 'must',
  reference: REFS.errors,
  hint: CLEAN_ERROR_HINT,
  async run(ctx) {
    return judge(ctx, await loginUnderFault(ctx, 'busy', { kind: 'errcode', errcode: -1 }), 'WeChat answered errcode -1');
  },
};

const html5xx: Check = {
  id: 'resilience.html-5xx',
  category: 'resilience',
  title: 'an HTML 5xx from WeChat\'s gateway gets a clean error',
  severity: 'must',
  reference: REFS.uncheckedError,
  hint: CLEAN_ERROR_HINT,
  async run(ctx) {
    return judge(ctx, await loginUnderFault(ctx, 'html5xx', { kind: 'http5xx', status: 502 }), 'WeChat\'s gateway answered HTTP 502 HTML');
  },
};

const timeout: Check = {
  id: 'resilience.timeout',
  category: 'resilience',
  title: 'a WeChat that does not answer is given up on in time',
  severity: 'must',
  reference: REFS.timeout,
  hint:
    'the call to code2Session has no timeout (or a longer one than a user waits): set one of a few seconds on the ' +
    'HTTP client (undici headersTimeout/bodyTimeout, axios timeout, requests timeout=) and answer 503 when it expires; ' +
    'without it every stuck call holds a connection and a worker',
  async run(ctx) {
    const latencyMs = Math.min(120_000, ctx.answerWithinMs + LATENCY_MARGIN_MS);
    return judge(ctx, await loginUnderFault(ctx, 'timeout', { kind: 'latency', latencyMs }), `WeChat did not answer for ${latencyMs} ms`);
  },
};

const dropped: Check = {
  id: 'resilience.dropped-connection',
  category: 'resilience',
  title: 'a dropped connection to WeChat gets a clean error',
  severity: 'must',
  reference: REFS.uncheckedError,
  hint: CLEAN_ERROR_HINT,
  async run(ctx) {
    return judge(ctx, await loginUnderFault(ctx, 'drop', { kind: 'drop' }), 'WeChat dropped the connection');
  },
};

const textPlain: Check = {
  id: 'resilience.text-plain',
  category: 'resilience',
  title: 'a code2Session answer labelled text/plain still logs in',
  severity: 'should',
  reference: REFS.code2Session,
  hint:
    'WeChat has been captured answering jscode2session JSON as text/plain: parse the body as JSON whatever its ' +
    'content-type says (axios/requests/got refuse or skip it when told to expect JSON by content-type)',
  async run(ctx) {
    const alias = ctx.user('textplain');
    const code = await ctx.wxLogin(alias);
    await ctx.mock.addFault({ endpoint: ENDPOINT, kind: 'textPlain', times: TIMES });
    let r;
    try {
      r = await ctx.postCode(code);
    } finally {
      await ctx.mock.clearFaults().catch(() => undefined);
    }
    const requestLine = `${ctx.describe('login', { code })} (WeChat: JSON answer labelled text/plain)`;
    const st = findStackTrace(r.result.text);
    if (r.token && r.result.ok && !st) {
      await ctx.sessionKey(alias).catch(() => undefined);
      return pass(`logged in (HTTP ${r.result.status}) with WeChat's answer labelled text/plain`);
    }
    const note = st ? `refused with a ${st.name}` : `refused the login (HTTP ${r.result.status})`;
    return fail(`WeChat's valid answer labelled text/plain: ${note}`, [ctx.evidenceOf(requestLine, r.result, note)]);
  },
};

const afterProcessing: Check = {
  id: 'resilience.after-processing',
  category: 'resilience',
  title: 'an answer lost after WeChat used the code gets a clean error',
  severity: 'should',
  reference: REFS.code2Session,
  hint:
    'WeChat used the code but its answer was lost, so a retry gets 40163 (code been used): answer a clean error that ' +
    'tells the mini program to call wx.login again, never a 5xx with a stack trace',
  async run(ctx) {
    // Asked of the mock itself: an older mock that has no faults after processing refuses the field.
    const fault = { kind: 'drop', when: 'after', times: 1 } as const;
    try {
      await ctx.mock.addFault({ endpoint: ENDPOINT, ...fault });
    } catch {
      return na('the mock offers no fault after processing (when: "after"): a newer mock does');
    } finally {
      await ctx.mock.clearFaults().catch(() => undefined);
    }
    const r = await loginUnderFault(ctx, 'afterproc', fault);
    return judge(ctx, r, 'WeChat used the code and the answer was lost');
  },
};

const recovers: Check = {
  id: 'resilience.recovers',
  category: 'resilience',
  title: 'logins work again once WeChat is back',
  severity: 'must',
  reference: REFS.uncheckedError,
  hint:
    'logins keep failing after WeChat recovered: do not cache a failure (a broken HTTP client, a circuit breaker ' +
    'that never closes, a poisoned access token or connection pool); retry on a fresh connection',
  async run(ctx) {
    await ctx.mock.clearFaults();
    try {
      const l = await ctx.login(ctx.user('recovers'));
      return pass(`a login after the faults got a token (HTTP ${l.result.status})`);
    } catch (err) {
      if (!(err instanceof SetupFailed)) throw err;
      const evidence: Evidence[] = err.evidence.map((e) => ({ ...e, note: 'no token once WeChat answered normally again' }));
      return fail(`after the faults stopped, a login failed: ${err.message}`, evidence);
    }
  },
};

export const resilienceChecks: readonly Check[] = [errcodeBusy, html5xx, timeout, dropped, textPlain, afterProcessing, recovers];
