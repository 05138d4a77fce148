// The request journal: a fixed-size ring (load runs send millions of requests), newest first on read. Entries keep
// references to the parsed query and body; masking and rendering happen on read, so recording stays cheap.
import type { JournalEntry } from './types.js';

/** What is recorded per request: a JournalEntry before numbering, masking and rendering. */
export interface RawEntry extends Omit<JournalEntry, 'id' | 'time' | 'query'> {
  time: number;
  query?: unknown;
}

/** Fully hidden: the app secret and session keys. */
const HIDE = new Set(['secret', 'session_key', 'appsecret']);
/** Partly shown so a person can match a journal line to a log line: tokens and codes. */
const PARTIAL = new Set(['access_token', 'js_code', 'code']);

export function maskValue(key: string, v: unknown): unknown {
  if (typeof v !== 'string') return v;
  if (HIDE.has(key)) return '***';
  if (PARTIAL.has(key)) return v.length <= 8 ? '***' : `${v.slice(0, 6)}***`;
  return v;
}

function mask(v: unknown, depth = 0): unknown {
  if (v === null || typeof v !== 'object' || depth > 4) return v;
  if (Array.isArray(v)) return v.map((x) => mask(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    out[k] = typeof x === 'object' ? mask(x, depth + 1) : maskValue(k, x);
  }
  return out;
}

/**
 * Raw server-API bodies are strings: masked as JSON when they parse, as a form when they look like one; anything
 * else (including a JSON body cut short by the journal's size bound) is summarised, never shown, since it may
 * carry a secret the masker cannot find.
 */
function renderBody(body: unknown): unknown {
  if (typeof body !== 'string') return mask(body);
  if (body === '') return undefined;
  try {
    return mask(JSON.parse(body));
  } catch {
    if (/^[\w.%+*-]+=/.test(body)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of new URLSearchParams(body)) out[k] = maskValue(k, v);
      return out;
    }
    return `(${body.length} characters, not JSON)`;
  }
}

export function createJournal(limit: number) {
  let ring: Array<RawEntry & { id: number }> = [];
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
    list(max = limit): JournalEntry[] {
      const out: JournalEntry[] = [];
      const n = Math.min(max, ring.length);
      for (let i = 1; i <= n; i++) {
        const e = ring[(next - i + ring.length * 2) % ring.length]!;
        const query = e.query === undefined ? undefined : (mask(e.query) as Record<string, unknown>);
        const body = renderBody(e.body);
        out.push({
          id: e.id,
          time: new Date(e.time).toISOString(),
          method: e.method,
          path: e.path,
          ...(query && Object.keys(query).length > 0 ? { query } : {}),
          ...(body === undefined ? {} : { body }),
          status: e.status,
          ...(e.errcode === undefined ? {} : { errcode: e.errcode }),
          ...(e.errMsg === undefined ? {} : { errMsg: e.errMsg }),
          ...(e.fault === undefined ? {} : { fault: e.fault }),
          durationMs: Math.round(e.durationMs * 1000) / 1000,
        });
      }
      return out;
    },
    clear(): void {
      ring = [];
      next = 0;
    },
  };
}
