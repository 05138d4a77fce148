// Scripted failures: once, N times, or with a probability, on one endpoint or on every server-API endpoint ('*').
// Kinds: a WeChat errcode reply, added latency, an HTTP 5xx from "the gateway", a dropped connection, and a JSON
// reply labelled text/plain (as real jscode2session errors have been captured).
import { MockUsageError } from './errors.js';
import { FAULT_ERRMSG_MAX, FAULTS_MAX } from './limits.js';
import type { RandomStream } from './random.js';

export const FAULT_KINDS = ['errcode', 'latency', 'http5xx', 'drop', 'textPlain'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * before: the request never reaches the handler (nothing changes; a retry succeeds). after: the handler runs (the
 * code is used, the key rotated, the token issued) and then the answer is lost, replaced or late, as when WeChat
 * processed a call and the network failed on the way back: a retry of a lost jscode2session meets 40163.
 */
export const FAULT_WHEN = ['before', 'after'] as const;
export type FaultWhen = (typeof FAULT_WHEN)[number];
/** What can happen to an answer once the handler ran. */
export const AFTER_KINDS: readonly FaultKind[] = ['drop', 'http5xx', 'latency'];

export interface FaultSpec {
  /** A server-API or client-simulator path, or '*' for every server-API path (not the client simulator). */
  endpoint: string;
  kind: FaultKind;
  errcode?: number;
  errmsg?: string;
  latencyMs?: number;
  status?: number;
  /** How many requests the fault hits. Default 1; with a probability and no times, it never runs out. */
  times?: number;
  /** 0..1: each matching request is hit with this probability. */
  probability?: number;
  /** Default before. */
  when?: FaultWhen;
}

export interface ActiveFault extends FaultSpec {
  id: string;
  remaining: number;
}

export interface Faults {
  add(spec: FaultSpec): string;
  clear(): number;
  /** Removes one fault by id: false when no active fault has it (unknown, or spent already). */
  remove(id: string): boolean;
  list(): ActiveFault[];
  readonly size: number;
  /** The fault that hits this request, if any (consumes one of its times). */
  take(endpoint: string, serverApi: boolean): ActiveFault | undefined;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

export function validateFault(spec: unknown, endpoints: ReadonlySet<string>): FaultSpec {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) throw new MockUsageError('a fault is a JSON object');
  const s = spec as Record<string, unknown>;
  const allowed = new Set(['endpoint', 'kind', 'errcode', 'errmsg', 'latencyMs', 'status', 'times', 'probability', 'when']);
  for (const k of Object.keys(s)) if (!allowed.has(k)) throw new MockUsageError(`fault: unknown field ${k}`);
  if (typeof s.endpoint !== 'string' || (s.endpoint !== '*' && !endpoints.has(s.endpoint))) {
    throw new MockUsageError(`fault.endpoint must be '*' or one of ${[...endpoints].join(', ')}`);
  }
  if (typeof s.kind !== 'string' || !(FAULT_KINDS as readonly string[]).includes(s.kind)) {
    throw new MockUsageError(`fault.kind must be one of ${FAULT_KINDS.join(', ')}`);
  }
  if (s.errcode !== undefined && !isInt(s.errcode)) throw new MockUsageError('fault.errcode must be an integer');
  if (s.errmsg !== undefined && !(typeof s.errmsg === 'string' && s.errmsg.length <= FAULT_ERRMSG_MAX)) {
    throw new MockUsageError(`fault.errmsg must be a string of at most ${FAULT_ERRMSG_MAX} characters`);
  }
  if (s.latencyMs !== undefined && !(isInt(s.latencyMs) && s.latencyMs >= 0 && s.latencyMs <= 120_000)) {
    throw new MockUsageError('fault.latencyMs must be an integer in 0..120000');
  }
  if (s.status !== undefined && !(isInt(s.status) && s.status >= 500 && s.status <= 599)) {
    throw new MockUsageError('fault.status must be an integer in 500..599');
  }
  if (s.times !== undefined && !(isInt(s.times) && s.times >= 1)) throw new MockUsageError('fault.times must be an integer >= 1');
  if (s.probability !== undefined && !(typeof s.probability === 'number' && s.probability >= 0 && s.probability <= 1)) {
    throw new MockUsageError('fault.probability must be a number in 0..1');
  }
  if (s.when !== undefined && !(FAULT_WHEN as readonly unknown[]).includes(s.when)) {
    throw new MockUsageError(`fault.when must be one of ${FAULT_WHEN.join(', ')}`);
  }
  if (s.when === 'after' && !AFTER_KINDS.includes(s.kind as FaultKind)) {
    throw new MockUsageError(`fault.when "after" takes kind ${AFTER_KINDS.join(', ')} (an answer lost, replaced or late once the request was processed)`);
  }
  return s as unknown as FaultSpec;
}

export function createFaults(endpoints: ReadonlySet<string>, dice: () => RandomStream): Faults {
  let active: ActiveFault[] = [];
  let seq = 0;
  return {
    add(spec) {
      const s = validateFault(spec, endpoints);
      if (active.length >= FAULTS_MAX) {
        throw new MockUsageError(`fault limit reached: ${FAULTS_MAX} faults are active (DELETE /__admin/faults clears them)`, 409);
      }
      const id = `fault-${++seq}`;
      // With a probability and no count the fault stays until cleared; otherwise it defaults to once.
      const remaining = s.times ?? (s.probability !== undefined ? Number.POSITIVE_INFINITY : 1);
      active.push({ ...s, id, remaining });
      return id;
    },
    clear() {
      const n = active.length;
      active = [];
      return n;
    },
    remove(id) {
      const i = active.findIndex((f) => f.id === id);
      if (i < 0) return false;
      active.splice(i, 1);
      return true;
    },
    list: () => active.map((f) => ({ ...f })),
    get size() {
      return active.length;
    },
    take(endpoint, serverApi) {
      for (let i = 0; i < active.length; i++) {
        const f = active[i]!;
        if (f.endpoint !== endpoint && !(f.endpoint === '*' && serverApi)) continue;
        if (f.probability !== undefined && dice().float() >= f.probability) continue;
        f.remaining--;
        if (f.remaining <= 0) active.splice(i, 1);
        return f;
      }
      return undefined;
    },
  };
}
