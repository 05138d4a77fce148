// The request journal: a fixed-size ring (load runs send millions of requests), newest first on read. Entries keep
// references to the parsed query and body; masking (masking.ts) and rendering happen on read, so recording stays
// cheap.
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


export function createJournal(limit: number, masker: Masker = createMasker()) {
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
        const query = e.query === undefined ? undefined : (masker.mask(e.query) as Record<string, unknown>);
        const body = masker.renderBody(e.body);
        out.push({
          id: e.id,
          time: new Date(e.time).toISOString(),
          method: e.method,
          path: masker.maskPath(e.path),
          ...(query && typeof query === 'object' && Object.keys(query).length > 0 ? { query } : {}),
          ...(body === undefined ? {} : { body }),
          status: e.status,
          ...(e.errcode === undefined ? {} : { errcode: e.errcode }),
          ...(e.errMsg === undefined ? {} : { errMsg: masker.scrub(e.errMsg) }),
          ...(e.fault === undefined ? {} : { fault: e.fault }),
          ...(e.faultWhen === undefined ? {} : { faultWhen: e.faultWhen }),
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

export type Journal = ReturnType<typeof createJournal>;
