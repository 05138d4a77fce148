// `wxlogin audit` as users run it: the built CLI against the embedded reference backend (every check passes) and
// against the deliberately weak backend (exactly its weaknesses fail), with --json, --junit, --log and exit codes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMockWechat } from '../../mock-wechat/index.js';
import type { AuditReport } from '../../src/audit/types.js';
import { ensureBuilt, run } from '../cli/helpers.js';
import { APPID, SECRET } from './helpers.js';
import { buildWeakBackend } from './weak-backend.js';
import { buildSeedBackend } from '../e2e/seed-backend.js';

ensureBuilt();

const WEAK_PATHS = ['--path', 'phone=none', '--path', 'werun=none', '--path', 'shareinfo=none', '--path', 'sessionCheck=none', '--path', 'logout=none'];

/** What the weak backend's listed weaknesses imply, and nothing else (its error handler answers every error, the
 *  framework's own 400 and 413 too, with a 500 and the stack: hence the two abuse checks on bad bodies). */
const WEAK_FAILS = [
  'login.concurrent-code',
  'tokens.not-derived',
  'tokens.not-in-query',
  'open-data.other-app',
  'open-data.raw-signature',
  'open-data.padding-oracle',
  'resilience.html-5xx',
  'resilience.timeout',
  'resilience.dropped-connection',
  'resilience.after-processing',
  'abuse.garbage-params',
  'abuse.oversized-body',
  'abuse.decrypt-failures-throttled',
  'abuse.login-limit',
  'secrets.no-stack-traces',
  'secrets.log',
].sort();

interface JUnitSuite {
  '@_tests': string;
  '@_failures': string;
  '@_skipped': string;
  testcase: Array<{ '@_name': string; failure?: unknown; skipped?: unknown }> | { '@_name': string; failure?: unknown; skipped?: unknown };
}

function parseJUnit(xml: string) {
  expect(XMLValidator.validate(xml)).toBe(true);
  const doc = new XMLParser({ ignoreAttributes: false }).parse(xml) as { testsuites: { '@_tests': string; '@_failures': string; '@_skipped': string; testsuite: JUnitSuite[] | JUnitSuite } };
  const suites = ([] as JUnitSuite[]).concat(doc.testsuites.testsuite);
  const cases = suites.flatMap((s) => ([] as Array<{ '@_name': string; failure?: unknown; skipped?: unknown }>).concat(s.testcase));
  return { top: doc.testsuites, suites, cases };
}

describe('wxlogin audit against the embedded reference backend', () => {
  let dir: string;
  let r: Awaited<ReturnType<typeof run>>;
  let report: AuditReport;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wxlogin-audit-cli-'));
    r = await run(['audit', '--json', '--junit', join(dir, 'audit.xml')], { timeoutMs: 90_000 });
    report = JSON.parse(r.stdout) as AuditReport;
  }, 100_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes every applicable check and exits 0', () => {
    const failed = report.results.filter((x) => x.outcome === 'fail');
    expect(failed.map((x) => `${x.id}: ${x.detail}`)).toEqual([]);
    expect(r.code).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.counts.pass).toBeGreaterThanOrEqual(25);
    // Not applicable only with a reason, and only where the mock or the contract cannot express the check.
    for (const x of report.results.filter((y) => y.outcome === 'na')) expect(x.detail.length).toBeGreaterThan(10);
    expect(report.log?.source).toMatch(/embedded/);
    expect(report.log?.bytes).toBeGreaterThan(0);
  });

  it('writes JUnit XML with one testcase per check and the right counts', () => {
    const { top, cases } = parseJUnit(readFileSync(join(dir, 'audit.xml'), 'utf8'));
    expect(cases).toHaveLength(report.results.length);
    expect(Number(top['@_tests'])).toBe(report.results.length);
    expect(Number(top['@_failures'])).toBe(0);
    expect(Number(top['@_skipped'])).toBe(report.counts.na);
    expect(cases.filter((c) => c.skipped !== undefined)).toHaveLength(report.counts.na);
  });

  it('every check carries a reference and ids are unique', () => {
    const ids = report.results.map((x) => x.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const x of report.results) expect(x.reference.url).toMatch(/^https:\/\//);
  });
});

describe('wxlogin audit against a deliberately weak backend', () => {
  let dir: string;
  let logFile: string;
  let mockUrl: string;
  let backendUrl: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wxlogin-audit-weak-'));
    logFile = join(dir, 'weak.log');
    writeFileSync(logFile, '');
    const mock = buildMockWechat({ seed: 3, logger: false, apps: [{ appid: APPID, secret: SECRET }] });
    mockUrl = (await mock.app.listen({ port: 0, host: '127.0.0.1' })).replace(/\/$/, '');
    const weak = buildWeakBackend({ mockUrl, appid: APPID, secret: SECRET, logFile });
    backendUrl = (await weak.listen({ port: 0, host: '127.0.0.1' })).replace(/\/$/, '');
    close = async () => {
      await weak.close();
      await mock.app.close();
    };
  });
  afterAll(async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails exactly the checks its weaknesses imply, each with evidence and a hint, and exits 1', async () => {
    const junit = join(dir, 'weak.xml');
    const r = await run(['audit', '--backend', backendUrl, '--mock', mockUrl, ...WEAK_PATHS, '--log', logFile, '--answer-within', '2500', '--json', '--junit', junit], { timeoutMs: 120_000 });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as AuditReport;
    const failed = report.results.filter((x) => x.outcome === 'fail');
    expect(failed.map((x) => x.id).sort()).toEqual(WEAK_FAILS);
    for (const f of failed) {
      expect(f.evidence.length, f.id).toBeGreaterThan(0);
      expect(f.hint, f.id).toBeTruthy();
    }
    // Logout is not offered: not applicable, never passed.
    expect(report.results.find((x) => x.id === 'tokens.logout-revokes')?.outcome).toBe('na');
    // Evidence masks the session keys the audit saw.
    const text = JSON.stringify(report);
    const keys = [...readFileSync(logFile, 'utf8').matchAll(/session_key=(\S+)/g)].map((m) => m[1]!);
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) expect(text).not.toContain(k);
    const { top, cases } = parseJUnit(readFileSync(junit, 'utf8'));
    expect(Number(top['@_failures'])).toBe(WEAK_FAILS.length);
    expect(cases.filter((c) => c.failure !== undefined)).toHaveLength(WEAK_FAILS.length);
  }, 130_000);

  it('--fail-on decides which failures set exit 1', async () => {
    const args = ['audit', '--backend', backendUrl, '--mock', mockUrl, ...WEAK_PATHS, '--only', 'tokens.not-in-query'];
    const must = await run(args, { timeoutMs: 30_000 });
    expect(must.stdout).toMatch(/✘ tokens\.not-in-query/);
    expect(must.code).toBe(0);
    const should = await run([...args, '--fail-on', 'should'], { timeoutMs: 30_000 });
    expect(should.code).toBe(1);
  }, 40_000);
});

describe('wxlogin audit --profile seed against the classic Django tutorial contract', () => {
  it('audits what the contract can express and reports the rest as not applicable', async () => {
    const mock = buildMockWechat({ seed: 5, logger: false, apps: [{ appid: APPID, secret: SECRET }] });
    const mockUrl = (await mock.app.listen({ port: 0, host: '127.0.0.1' })).replace(/\/$/, '');
    const seed = buildSeedBackend({ mockUrl, appid: APPID, secret: SECRET });
    const url = await seed.listen({ port: 0, host: '127.0.0.1' });
    try {
      const r = await run(['audit', '--backend', `${url}/api/`, '--mock', mockUrl, '--profile', 'seed', '--answer-within', '2500', '--json'], { timeoutMs: 60_000 });
      expect(r.code).toBe(1);
      const report = JSON.parse(r.stdout) as AuditReport;
      const by = (o: string) => report.results.filter((x) => x.outcome === o).map((x) => x.id).sort();
      // The tutorial's weaknesses: no in-flight sharing of a code, no openId check, no signature check, no timeout on
      // WeChat calls, no limits. Its token is random and its errors are clean.
      expect(by('fail')).toEqual(['abuse.decrypt-failures-throttled', 'abuse.login-limit', 'login.concurrent-code', 'open-data.other-user', 'open-data.raw-signature', 'resilience.timeout']);
      expect(by('na')).toEqual(expect.arrayContaining(['tokens.logout-revokes', 'tokens.not-in-query', 'abuse.phone-code-other-user', 'secrets.log']));
      expect(report.results.find((x) => x.id === 'tokens.logout-revokes')!.detail).toMatch(/seed contract has no logout/);
    } finally {
      await seed.close();
      await mock.app.close();
    }
  }, 70_000);
});

describe('wxlogin audit usage errors exit 2', () => {
  it.each([
    [['--only', 'no.such-check'], /no check matches "no.such-check"/],
    [['--backend', 'http://127.0.0.1:9'], /--backend needs --mock/],
    [['--log', '/nonexistent/backend.log'], /cannot read --log/],
    [['--fail-on', 'could'], /--fail-on/],
  ])('%j', async (args, message) => {
    const r = await run(['audit', ...args], { timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('--list names every check with its severity', async () => {
    const r = await run(['audit', '--list'], { timeoutMs: 20_000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/open-data\.padding-oracle\s+must/);
  });
});
