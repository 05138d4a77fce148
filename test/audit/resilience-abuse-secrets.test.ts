// The resilience, abuse and secrets checks against the reference backend (every one passes) and the weak one (the
// failures its weaknesses imply, with evidence and hints), run in the audit's order: the login-limit check after the
// others of these groups, the secrets checks last. The login limit stays tripped for a minute: one target per
// describe.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abuseChecks, loginLimitCheck } from '../../src/audit/checks/abuse.js';
import { resilienceChecks } from '../../src/audit/checks/resilience.js';
import { findKey, findStackTrace, secretChecks } from '../../src/audit/checks/secrets.js';
import { runAudit } from '../../src/audit/runner.js';
import type { CheckResult, Outcome } from '../../src/audit/types.js';
import { auditTarget, type AuditTarget } from './helpers.js';

const CHECKS = [...resilienceChecks, ...abuseChecks, loginLimitCheck, ...secretChecks];
const IDS = CHECKS.map((c) => c.id);

/** Runs the groups in the audit's order; counts the login-route requests each group made (the login budget). */
async function runAll(t: AuditTarget) {
  const byId = new Map<string, CheckResult>();
  const loginPath = t.ctx.contract.paths.login!;
  const loginRequests = () => t.ctx.seen.answers.filter((a) => a.where === 'login' || a.where.endsWith(` ${loginPath}`)).length;
  const counts: Record<string, number> = {};
  for (const [group, checks] of [
    ['resilience', resilienceChecks],
    ['abuse', abuseChecks],
    ['login-limit', [loginLimitCheck]],
    ['secrets', secretChecks],
  ] as const) {
    const before = loginRequests();
    const report = await runAudit({ ctx: t.ctx, checks });
    counts[group] = loginRequests() - before;
    for (const r of report.results) byId.set(r.id, r);
  }
  return { byId, counts };
}

const show = (r: CheckResult | undefined) => JSON.stringify(r, null, 2);

describe('against the reference backend', () => {
  let t: AuditTarget;
  let byId: Map<string, CheckResult>;
  let counts: Record<string, number>;
  beforeAll(async () => {
    t = await auditTarget('reference');
    ({ byId, counts } = await runAll(t));
  }, 60_000);
  afterAll(() => t?.close());

  it.each(IDS)('%s passes', (id) => {
    const r = byId.get(id);
    expect(r?.outcome, show(r)).toBe('pass');
  });

  it('after-processing: the code was used and the answer lost; the retry met 40163 and was answered cleanly', () => {
    expect(byId.get('resilience.after-processing')!.detail).toMatch(/clean HTTP 4\d\d/);
  });

  it('the secrets checks examined something', () => {
    expect(byId.get('secrets.no-key-in-answers')!.detail).toMatch(/^[1-9]\d* answers examined for [1-9]\d* session keys/);
    expect(byId.get('secrets.log')!.detail).toMatch(/^[1-9]\d* log lines examined/);
    expect(byId.get('secrets.log-tokens')!.detail).toMatch(/examined for [1-9]\d* tokens/);
  });

  it('the login limit was met', () => {
    expect(byId.get('abuse.login-limit')!.detail).toMatch(/limited after \d+ rapid login requests \(HTTP 429/);
    expect(counts['login-limit']).toBeLessThanOrEqual(60);
  });

  it('a session_key in an answer, in hex, fails no-key-in-answers with masked evidence', async () => {
    const check = secretChecks.find((c) => c.id === 'secrets.no-key-in-answers')!;
    const key = [...t.ctx.seen.sessionKeys][0]!;
    const hex = Buffer.from(key, 'base64').toString('hex');
    t.ctx.seen.answers.push({ where: 'GET /debug', status: 200, text: `{"code":200,"data":{"sk":"${hex}"}}` });
    try {
      const v = await check.run(t.ctx);
      expect(v.outcome).toBe('fail');
      if (v.outcome !== 'fail') return;
      expect(v.evidence[0]!.note).toMatch(/session_key \(hex\)/);
      expect(v.evidence[0]!.answer).not.toContain(hex);
    } finally {
      t.ctx.seen.answers.pop();
    }
  });

  it('secrets.log is not applicable without a log, or with an empty one', async () => {
    const check = secretChecks.find((c) => c.id === 'secrets.log')!;
    expect(await check.run({ ...t.ctx, readLog: undefined })).toMatchObject({ outcome: 'na', detail: expect.stringMatching(/--log/) });
    const empty = await check.run({ ...t.ctx, readLog: async () => ({ source: 'x.log', text: '\n' }) });
    expect(empty).toMatchObject({ outcome: 'na', detail: expect.stringMatching(/the log is empty/) });
  });
});

describe('against the weak backend', () => {
  let t: AuditTarget;
  let byId: Map<string, CheckResult>;
  beforeAll(async () => {
    t = await auditTarget('weak', { ctx: { answerWithinMs: 2500 } });
    ({ byId } = await runAll(t));
  }, 60_000);
  afterAll(() => t?.close());

  // What the weak backend's weaknesses imply: a 500 with the stack trace on WeChat's HTML and dropped connections
  // (its error handler is the framework's debug page for every error: also unparsable and oversized bodies), no
  // upstream timeout, no failure budget, no login limit, the session_key in its log.
  const expected: Record<string, Outcome> = {
    'resilience.errcode-busy': 'pass',
    'resilience.html-5xx': 'fail',
    'resilience.timeout': 'fail',
    'resilience.dropped-connection': 'fail',
    'resilience.text-plain': 'pass',
    'resilience.after-processing': 'fail',
    'resilience.recovers': 'pass',
    'abuse.garbage-params': 'fail',
    'abuse.oversized-body': 'fail',
    'abuse.decrypt-failures-throttled': 'fail',
    'abuse.phone-code-other-user': 'na',
    'abuse.login-limit': 'fail',
    'secrets.no-key-in-answers': 'pass',
    'secrets.no-stack-traces': 'fail',
    'secrets.log': 'fail',
    'secrets.log-tokens': 'pass',
  };

  it('covers every check', () => expect(Object.keys(expected).sort()).toEqual([...IDS].sort()));

  it.each(Object.entries(expected))('%s: %s', (id, outcome) => {
    const r = byId.get(id);
    expect(r?.outcome, show(r)).toBe(outcome);
    if (outcome === 'fail') {
      expect(r!.evidence.length, show(r)).toBeGreaterThan(0);
      expect(r!.hint, show(r)).toBeTruthy();
    }
  });

  it('names the cause in the evidence', () => {
    expect(byId.get('resilience.html-5xx')!.detail).toMatch(/HTTP 500 with a Node\.js stack trace/);
    expect(byId.get('resilience.dropped-connection')!.detail).toMatch(/HTTP 500 with a Node\.js stack trace/);
    expect(byId.get('resilience.timeout')!.detail).toMatch(/no answer within 2500 ms/);
    expect(byId.get('abuse.garbage-params')!.evidence.map((e) => e.request).join('\n')).toMatch(/not JSON/);
    expect(byId.get('abuse.decrypt-failures-throttled')!.detail).toMatch(/20 undecryptable payloads/);
    expect(byId.get('abuse.login-limit')!.detail).toMatch(/^150 login requests/);
    expect(byId.get('abuse.phone-code-other-user')!.detail).toMatch(/no phone step/);
  });

  it('shows the logged session_key masked', () => {
    const r = byId.get('secrets.log')!;
    expect(r.evidence[0]!.answer).toMatch(/session_key=<session_key>/);
    for (const k of t.ctx.seen.sessionKeys) expect(JSON.stringify(r)).not.toContain(k);
  });
});

describe('stack trace and key patterns', () => {
  const traces: [string, string][] = [
    ['Node.js stack trace', 'Error: boom\n    at handler (/srv/app/routes.js:12:9)\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)'],
    ['Node.js stack trace', '{"error":"TypeError: x is undefined\\n    at Object.<anonymous> (/app/index.js:3:1)"}'],
    ['Python traceback', 'Traceback (most recent call last):\n  File "/app/views.py", line 10, in login\nKeyError: \'openid\''],
    ['Java stack trace', 'java.lang.NullPointerException\n\tat com.example.LoginController.login(LoginController.java:42)'],
    ['Java stack trace', 'Exception in thread "main" java.lang.RuntimeException'],
    ['PHP error', 'Fatal error: Uncaught Exception: boom in /var/www/html/login.php:12'],
    ['PHP error', 'PHP Warning: x\nStack trace:\n#0 /var/www/index.php(3): login()'],
    ['Go panic', 'panic: runtime error\n\ngoroutine 1 [running]:\nmain.main()'],
    ['Django debug page', '<title>KeyError at /login/</title> ... <th>Django Version:</th><td>4.2</td>'],
    ['Spring Whitelabel page', '<h1>Whitelabel Error Page</h1><p>This application has no explicit mapping for /error</p>'],
    ['Express debug page', '<pre>TypeError: x<br> &nbsp; &nbsp;at /app/server.js:10:5<br></pre>'],
    ['Ruby/Rails trace', 'app/controllers/login_controller.rb:12:in `create\''],
    ['Flask/Werkzeug debugger', '<title>KeyError // Werkzeug Debugger</title>'],
  ];
  it.each(traces)('finds a %s', (name, text) => expect(findStackTrace(text)?.name).toBe(name));

  it.each([
    '{"code":503,"msg":"WeChat is unreachable or failing; retry later","error":"wechat_unavailable","data":null}',
    '{"code":401,"msg":"token unknown, expired or revoked; log in again","error":"invalid_token","data":null}',
    '<html><head><title>502</title></head><body><center><h1>502</h1></center><hr><center>nginx</center></body></html>',
    'meet at 10:30 at the gate (platform 2)',
  ])('finds none in %s', (text) => expect(findStackTrace(text)).toBeUndefined());

  it('finds a session_key in its forms and escapings', () => {
    const raw = Buffer.alloc(16, 0xfb);
    const k = raw.toString('base64'); // +/v7+/v7…: a `+` and a `/` to escape
    expect(findKey(`{"k":"${k.replace(/\//g, '\\/')}"}`, [k])?.form).toBe('base64');
    expect(findKey(`?k=${encodeURIComponent(k)}`, [k])?.form).toBe('base64');
    expect(findKey(raw.toString('base64url'), [k])?.form).toBe('base64url');
    expect(findKey(raw.toString('hex').toUpperCase(), [k])?.form).toBe('HEX');
    expect(findKey('nothing here', [k])).toBeUndefined();
  });
});
