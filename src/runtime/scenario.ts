// Steps and expectations: `--tap PAGE:HANDLER[:OPEN_TYPE]` (or `--tap tabBar:PAGE`, the user tapping that tab) on the
// command line, or a scenario file (JSON) holding the same steps plus what must hold at the end, for repeatable CI runs:
//
//   { "user": "alice",
//     "steps": [ { "tap": "pages/index/index:info1:getUserInfo" } ],
//     "expect": [ { "storage": "token" },
//                 { "request": "/api/userinfo/", "method": "POST", "status": 200, "answerCode": 200 },
//                 { "wx": "authorize", "errMsg": "authorize:fail auth deny" } ] }
import { isOpenType, OPEN_TYPES, type OpenType } from './events.js';
import type { TraceEntry } from './trace.js';

export interface TapStep {
  /** The page showing, whose handler the tap fires; for a tab bar tap, the tab tapped. */
  page: string;
  handler: string;
  openType?: OpenType;
  /** A tap on the tab bar's tab for `page` (its handler is the page's onTabItemTap). */
  tabBar?: true;
}

export type Expectation =
  /** The storage key is set at the end (and, with `equals`, holds that value). */
  | { storage: string; equals?: unknown }
  /** A request was made to a URL whose path is this (or to this whole URL), with that method, status and envelope code. */
  | { request: string; method?: string; status?: number; answerCode?: number }
  /** A wx.* call answered this errMsg (or, without errMsg, was made at all). */
  | { wx: string; errMsg?: string };

export interface Scenario {
  user?: string;
  steps: TapStep[];
  expect: Expectation[];
}

export class ScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioError';
  }
}

/** "pages/index/index:info1:getUserInfo" → a step; "tabBar:pages/cart/cart" → a tap on that tab. */
export function parseTap(text: string): TapStep {
  const parts = text.split(':');
  if (parts[0] === 'tabBar') {
    if (parts.length !== 2 || !parts[1]) throw new ScenarioError(`a tab bar tap is tabBar:PAGE (tabBar:pages/cart/cart), got "${text}"`);
    return { page: parts[1].replace(/^\/+/, ''), handler: 'onTabItemTap', tabBar: true };
  }
  const [page, handler, openType] = parts;
  if (parts.length < 2 || parts.length > 3 || !page || !handler) {
    throw new ScenarioError(`a tap is PAGE:HANDLER or PAGE:HANDLER:OPEN_TYPE (pages/index/index:onTap), got "${text}"`);
  }
  if (openType !== undefined && !isOpenType(openType)) {
    throw new ScenarioError(`unknown open-type "${openType}" in "${text}" (one of ${OPEN_TYPES.join(', ')}; leave it out for a plain tap)`);
  }
  return { page: page.replace(/^\/+/, ''), handler, ...(openType ? { openType } : {}) };
}

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

export function parseScenario(json: unknown, where = 'the scenario'): Scenario {
  if (!isObj(json)) throw new ScenarioError(`${where} is not a JSON object`);
  for (const k of Object.keys(json)) if (!['user', 'steps', 'expect'].includes(k)) throw new ScenarioError(`${where}: unknown key "${k}" (user, steps, expect)`);
  if (json.user !== undefined && (typeof json.user !== 'string' || json.user === '')) throw new ScenarioError(`${where}: "user" is a non-empty string`);
  const steps = json.steps ?? [];
  const expect = json.expect ?? [];
  if (!Array.isArray(steps)) throw new ScenarioError(`${where}: "steps" is a list`);
  if (!Array.isArray(expect)) throw new ScenarioError(`${where}: "expect" is a list`);
  const out: Scenario = {
    ...(typeof json.user === 'string' ? { user: json.user } : {}),
    steps: steps.map((s, i) => {
      if (!isObj(s) || typeof s.tap !== 'string' || Object.keys(s).length !== 1) throw new ScenarioError(`${where}: steps[${i}] is {"tap": "PAGE:HANDLER[:OPEN_TYPE]"}`);
      return parseTap(s.tap);
    }),
    expect: expect.map((e, i): Expectation => {
      const bad = (why: string) => new ScenarioError(`${where}: expect[${i}] ${why}`);
      if (!isObj(e)) throw bad('is an object');
      const allowed = (keys: string[]) => {
        for (const k of Object.keys(e)) if (!keys.includes(k)) throw bad(`has an unknown key "${k}" (${keys.join(', ')})`);
      };
      const str = (k: string) => {
        if (e[k] !== undefined && typeof e[k] !== 'string') throw bad(`"${k}" is a string`);
      };
      const int = (k: string) => {
        if (e[k] !== undefined && !Number.isInteger(e[k])) throw bad(`"${k}" is a whole number`);
      };
      if (typeof e.storage === 'string') {
        allowed(['storage', 'equals']);
        return e as Expectation;
      }
      if (typeof e.request === 'string') {
        allowed(['request', 'method', 'status', 'answerCode']);
        str('method');
        int('status');
        int('answerCode');
        return e as Expectation;
      }
      if (typeof e.wx === 'string') {
        allowed(['wx', 'errMsg']);
        str('errMsg');
        return e as Expectation;
      }
      throw bad('names one of "storage", "request" or "wx"');
    }),
  };
  return out;
}

export interface ExpectationResult {
  expectation: Expectation;
  ok: boolean;
  text: string;
}

function pathMatches(want: string, url: string): boolean {
  if (want === url) return true;
  try {
    return new URL(url).pathname === want;
  } catch {
    return false;
  }
}

export function checkExpectations(expect: readonly Expectation[], trace: readonly TraceEntry[], storage: Record<string, unknown>): ExpectationResult[] {
  return expect.map((e) => {
    if ('storage' in e) {
      const has = Object.hasOwn(storage, e.storage);
      const ok = has && (e.equals === undefined || JSON.stringify(storage[e.storage]) === JSON.stringify(e.equals));
      return { expectation: e, ok, text: `storage "${e.storage}" is set${e.equals === undefined ? '' : ` to ${JSON.stringify(e.equals)}`}${ok ? '' : has ? ' (it holds something else)' : ' (it is not)'}` };
    }
    if ('request' in e) {
      const reqs = trace.filter((t): t is Extract<TraceEntry, { kind: 'request' }> => t.kind === 'request' && (pathMatches(e.request, t.url) || (t.sentTo !== undefined && pathMatches(e.request, t.sentTo))));
      const match = reqs.filter(
        (t) =>
          (e.method === undefined || t.method === e.method.toUpperCase()) &&
          (e.status === undefined || t.statusCode === e.status) &&
          (e.answerCode === undefined || (isObj(t.answer) && t.answer.code === e.answerCode)),
      );
      const what = [e.method?.toUpperCase(), e.request, e.status === undefined ? '' : `→ ${e.status}`, e.answerCode === undefined ? '' : `code ${e.answerCode}`].filter(Boolean).join(' ');
      const seen = reqs.map((t) => `${t.method} ${t.statusCode ?? t.errMsg}${isObj(t.answer) && t.answer.code !== undefined ? ` code ${String(t.answer.code)}` : ''}`).join('; ');
      return { expectation: e, ok: match.length > 0, text: `a request ${what}${match.length ? '' : reqs.length ? ` (seen: ${seen})` : ' (none to that path)'}` };
    }
    const calls = trace.filter((t): t is Extract<TraceEntry, { kind: 'wx' }> => t.kind === 'wx' && t.api === e.wx);
    const ok = calls.some((t) => e.errMsg === undefined || t.errMsg === e.errMsg);
    return {
      expectation: e,
      ok,
      text: `wx.${e.wx}${e.errMsg ? ` answers "${e.errMsg}"` : ' is called'}${ok ? '' : calls.length ? ` (it answered ${calls.map((c) => `"${c.errMsg}"`).join(', ')})` : ' (it was not called)'}`,
    };
  });
}
