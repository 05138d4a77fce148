// The request journal: a fixed-size ring (load runs send millions of requests), newest first on read. Entries keep
// references to the parsed query and body; masking (masking.ts) and rendering happen on read, so recording stays
// cheap. Reads can filter (endpoint, user, errcode, time, code): filters see the raw entry, so a query by the full
// js_code matches while the answer still shows the code masked.
import { MockUsageError } from './errors.js';
import type { FaultKind, FaultWhen } from './faults.js';
import { createMasker, type Masker } from './masking.js';

export interface JournalEntry {
  id: number;
  time: string;
  method: string;
  path: string;
  query?: Record<string, unknown>;
  body?: unknown;
  status: number;
  errcode?: number;
  errMsg?: string;
  /** The user a server-API request concerned, when its handler identified one (a code's owner, a signed openid). */
  openid?: string;
  /** With `quirks: "rotate"`: the quirk variants the answer had (quirks.ts). */
  quirks?: string[];
  fault?: FaultKind;
  /** Set when the fault hit after the request was processed. */
  faultWhen?: FaultWhen;
  durationMs: number;
}

/** What is recorded per request: a JournalEntry before numbering, masking and rendering. */
export interface RawEntry extends Omit<JournalEntry, 'id' | 'time' | 'query'> {
  time: number;
  query?: unknown;
}

/** What a journal read may filter on (control.journal and GET /__admin/journal). */
export interface JournalQuery {
  /** The exact path: a server-API endpoint such as /sns/jscode2session, or a client one such as /__client/login. */
  endpoint?: string;
  /**
   * The user: server-API entries whose handler identified that user (jscode2session: the code's owner, whatever the
   * outcome), and client-simulator entries whose `user` is that openid or an alias of it.
   */
  openid?: string;
  /** The answer's errcode; 0 also matches answers that carry none and did not fail (jscode2session's success). */
  errcode?: number;
  /** From this time on (inclusive), by the mock's clock: ms since the epoch, or an ISO time with a zone. */
  since?: number | string | Date;
  /** Up to this time (inclusive). */
  until?: number | string | Date;
  /** The full code a request carried (js_code, or a phone code in the body), compared unmasked, never shown. */
  code?: string;
  /** At most this many entries (newest first). */
  limit?: number;
}

/** A query once checked: times in ms. */
export interface JournalFilter {
  endpoint?: string;
  openid?: string;
  errcode?: number;
  since?: number;
  until?: number;
  code?: string;
  limit?: number;
}

const QUERY_KEYS = ['endpoint', 'openid', 'errcode', 'since', 'until', 'code', 'limit'] as const;
const MAX_TEXT = 256;
// An ISO date (UTC) or date-time with its zone: a zoneless time would be read in the local zone of whoever runs the mock.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/**
 * Checks a journal query from code or from a query string (where every value is a string, and a repeated key an
 * array): a MockUsageError (400) names the first bad parameter.
 */
export function parseJournalQuery(input: unknown, endpoints: readonly string[]): JournalFilter {
  const fail = (msg: string): never => {
    throw new MockUsageError(`journal query: ${msg}`);
  };
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input)) return fail('expected an object of filters');
  const q = input as Record<string, unknown>;
  const out: JournalFilter = {};
  for (const [k, v] of Object.entries(q)) {
    if (!(QUERY_KEYS as readonly string[]).includes(k)) fail(`unknown parameter "${k}" (allowed: ${QUERY_KEYS.join(', ')})`);
    if (v === undefined) continue;
    if (Array.isArray(v)) fail(`${k} given more than once`);
  }
  const text = (k: 'endpoint' | 'openid' | 'code'): string | undefined => {
    const v = q[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '' || v.length > MAX_TEXT) {
      return fail(`${k} must be a non-empty string of at most ${MAX_TEXT} characters`);
    }
    return v;
  };
  const int = (k: 'errcode' | 'limit', min: number): number | undefined => {
    const v = q[k];
    if (v === undefined) return undefined;
    const n = typeof v === 'string' && /^-?\d{1,15}$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min) {
      return fail(`${k} must be an integer${min > Number.MIN_SAFE_INTEGER ? ` >= ${min}` : ''}, got ${JSON.stringify(v)}`);
    }
    return n;
  };
  const time = (k: 'since' | 'until'): number | undefined => {
    const v = q[k];
    if (v === undefined) return undefined;
    let t = Number.NaN;
    if (v instanceof Date) t = v.getTime();
    else if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) t = v;
    else if (typeof v === 'string' && /^\d{1,15}$/.test(v)) t = Number(v);
    else if (typeof v === 'string' && ISO_TIME.test(v)) t = Date.parse(v);
    if (Number.isNaN(t)) {
      return fail(`${k} must be ms since the epoch or an ISO time with a zone (2024-05-01T12:00:00Z), got ${JSON.stringify(v)}`);
    }
    return t;
  };
  const endpoint = text('endpoint');
  if (endpoint !== undefined && !endpoints.includes(endpoint)) {
    fail(`endpoint ${JSON.stringify(endpoint)} is not one of ${endpoints.join(', ')}`);
  }
  const set = <K extends keyof JournalFilter>(k: K, v: JournalFilter[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('endpoint', endpoint);
  set('openid', text('openid'));
  set('code', text('code'));
  set('errcode', int('errcode', Number.MIN_SAFE_INTEGER));
  set('limit', int('limit', 1));
  set('since', time('since'));
  set('until', time('until'));
  if (out.since !== undefined && out.until !== undefined && out.since > out.until) {
    fail(`since (${new Date(out.since).toISOString()}) is after until (${new Date(out.until).toISOString()})`);
  }
  return out;
}

type Stored = RawEntry & { id: number };

/** The code a request carried: js_code in the query, or `code` in a JSON body (getuserphonenumber). */
function codeOf(e: Stored): string | undefined {
  const q = e.query as Record<string, unknown> | undefined;
  if (q && typeof q === 'object' && typeof q.js_code === 'string') return q.js_code;
  let b = e.body;
  if (typeof b === 'string') {
    try {
      b = JSON.parse(b);
    } catch {
      return undefined;
    }
  }
  return b !== null && typeof b === 'object' && typeof (b as Record<string, unknown>).code === 'string'
    ? ((b as Record<string, unknown>).code as string)
    : undefined;
}

/** Did the answer succeed without an errcode (jscode2session's success, a wx.* `:ok`)? */
const quietSuccess = (e: Stored) => e.errcode === undefined && e.status === 200 && !(e.errMsg ?? '').includes(':fail');

/** Resolves a client-simulator entry's `user` (and appid) to an openid; the journal itself knows no users. */
export type UserOf = (path: string, body: unknown) => string | undefined;

export function createJournal(limit: number, masker: Masker = createMasker()) {
  let ring: Stored[] = [];
  let next = 0;
  let seq = 0;
  return {
    add(e: RawEntry): void {
      if (limit <= 0) return;
      const entry = Object.assign(e, { id: ++seq });
      if (ring.length < limit) ring.push(entry);
      else ring[next] = entry;
      next = (next + 1) % limit;
    },
    list: (max = limit): JournalEntry[] => query({ limit: max }),
    query,
    clear(): void {
      ring = [];
      next = 0;
    },
  };

  /** Entries matching every filter given, newest first, at most f.limit of them. */
  function query(f: JournalFilter, userOf?: UserOf): JournalEntry[] {
    const out: JournalEntry[] = [];
    const max = f.limit ?? limit;
    const match = (e: Stored): boolean => {
      if (f.endpoint !== undefined && e.path !== f.endpoint) return false;
      if (f.since !== undefined && e.time < f.since) return false;
      if (f.until !== undefined && e.time > f.until) return false;
      if (f.errcode !== undefined && e.errcode !== f.errcode && !(f.errcode === 0 && quietSuccess(e))) return false;
      if (f.openid !== undefined && e.openid !== f.openid && (e.openid !== undefined || userOf?.(e.path, e.body) !== f.openid)) {
        return false;
      }
      if (f.code !== undefined && codeOf(e) !== f.code) return false;
      return true;
    };
    for (let i = 1; i <= ring.length && out.length < max; i++) {
      const e = ring[(next - i + ring.length * 2) % ring.length]!;
      if (!match(e)) continue;
      const q = e.query === undefined ? undefined : (masker.mask(e.query) as Record<string, unknown>);
      const body = masker.renderBody(e.body);
      out.push({
        id: e.id,
        time: new Date(e.time).toISOString(),
        method: e.method,
        path: masker.maskPath(e.path),
        ...(q && typeof q === 'object' && Object.keys(q).length > 0 ? { query: q } : {}),
        ...(body === undefined ? {} : { body }),
        status: e.status,
        ...(e.errcode === undefined ? {} : { errcode: e.errcode }),
        ...(e.errMsg === undefined ? {} : { errMsg: masker.scrub(e.errMsg) }),
        ...(e.openid === undefined ? {} : { openid: e.openid }),
        ...(e.quirks === undefined ? {} : { quirks: [...e.quirks] }),
        ...(e.fault === undefined ? {} : { fault: e.fault }),
        ...(e.faultWhen === undefined ? {} : { faultWhen: e.faultWhen }),
        durationMs: Math.round(e.durationMs * 1000) / 1000,
      });
    }
    return out;
  }
}

export type Journal = ReturnType<typeof createJournal>;
