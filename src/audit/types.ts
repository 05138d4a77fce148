// What a check is and what it answers. A check is a small unit: its id, category, severity, reference and fix hint
// sit next to its run function, so adding a check is adding an entry to one of the files in checks/.
import type { BackendStep } from '../client/contract.js';
import type { AuditContext } from './context.js';

export const CATEGORIES = ['login', 'tokens', 'open data', 'resilience', 'secrets', 'abuse'] as const;
export type Category = (typeof CATEGORIES)[number];

/** must: a weakness an attacker or an outage turns into harm. should: a defence the best backends have. */
export const SEVERITIES = ['must', 'should'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** pass ✔, fail ✘, na – (not applicable: the contract cannot express it, or the backend does not offer it). */
export const OUTCOMES = ['pass', 'fail', 'na'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** What the check is about: a WeChat doc page, an OWASP ASVS item or a CWE. */
export interface Reference {
  title: string;
  url: string;
}

/** One request and the answer it got, secrets masked; `note` says what is wrong with it. */
export interface Evidence {
  request: string;
  answer: string;
  note?: string;
}

export type Verdict =
  | { outcome: 'pass'; detail: string }
  | { outcome: 'fail'; detail: string; evidence: Evidence[]; hint?: string }
  | { outcome: 'na'; detail: string };

export interface Check {
  /** Stable: `--only`/`--skip`, JSON and JUnit name checks by it. */
  id: string;
  category: Category;
  title: string;
  severity: Severity;
  reference: Reference;
  /** Names the usual cause of a failure and the fix. */
  hint: string;
  /** Backend steps the check needs; when the contract lacks one the check is not applicable (never passed). */
  needs?: readonly BackendStep[];
  run(ctx: AuditContext): Promise<Verdict>;
}

export interface CheckResult {
  id: string;
  category: Category;
  title: string;
  severity: Severity;
  outcome: Outcome;
  detail: string;
  evidence: Evidence[];
  /** Only on failures. */
  hint?: string;
  reference: Reference;
  ms: number;
}

export interface AuditReport {
  ok: boolean;
  failOn: Severity;
  backend: string;
  mock: string;
  embedded: boolean;
  profile: string;
  results: CheckResult[];
  counts: Record<Outcome, number>;
  /** Passed out of applicable (pass + fail), and the same weighted must = 2, should = 1. */
  score: { passed: number; applicable: number; percent: number };
  /** Where --log was read from, and how much of it. */
  log?: { source: string; bytes: number };
  /** --prove: the forgery's caps and how it went. */
  prove?: ProveReport;
  ms: number;
}

export interface ProveReport {
  attempted: boolean;
  success: boolean;
  queries: number;
  queryCap: number;
  seconds: number;
  secondsCap: number;
  /** The forged plaintext the backend accepted, and its answer (masked). */
  plaintext?: string;
  answer?: string;
  detail: string;
}

export const pass = (detail: string): Verdict => ({ outcome: 'pass', detail });
export const fail = (detail: string, evidence: Evidence[] = [], hint?: string): Verdict => ({
  outcome: 'fail',
  detail,
  evidence,
  ...(hint ? { hint } : {}),
});
export const na = (detail: string): Verdict => ({ outcome: 'na', detail });

/** Thrown inside a check when it cannot conclude (the backend refused the setup it needs): reported as a failure
 *  of the check with the setup's evidence, since a backend that cannot be audited is not passed. */
export class SetupFailed extends Error {
  readonly evidence: Evidence[];
  constructor(message: string, evidence: Evidence[] = []) {
    super(message);
    this.name = 'SetupFailed';
    this.evidence = evidence;
  }
}

/** Thrown inside a check for a not-applicable finding discovered while running (e.g. a 404 on the step's path). */
export class NotApplicable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotApplicable';
  }
}
