// `wxlogin flow`: one user's whole journey as a checklist, or with --users a load run. Returns the report; steps
// and the start are told through callbacks as they happen, for the command to print.
import { runFlow, type FlowReport, type StepResult } from '../../../client/flow.js';
import { runLoad, type LoadReport } from '../../../client/load.js';
import { NetworkError } from '../../../client/http.js';
import { CliError } from '../../errors.js';
import { checkTargetsAnswer, openTargets, type TargetOptions } from '../../targets.js';

/** Where a run points, told before the first step. */
export interface FlowStart {
  mock: string;
  backend: string;
  embedded: boolean;
  profile: string;
}

export interface FlowCommandOptions extends TargetOptions {
  user?: string;
  users?: number;
  concurrency?: number;
  onStep?: (s: StepResult) => void;
  onStart?: (info: FlowStart) => void;
  onProgress?: (done: number, total: number, failed: number) => void;
  /** Load runs: aborting it (Ctrl-C) stops the run, which reports the users that finished, marked interrupted. */
  signal?: AbortSignal;
  /** Load runs: how long users in flight get to finish after `signal` aborts. */
  drainMs?: number;
}

export type FlowCommandResult =
  | ({ mode: 'flow'; embedded: boolean } & FlowReport)
  | ({ mode: 'load'; embedded: boolean; mock: string; backend: string; profile: string } & LoadReport);

export async function flow(o: FlowCommandOptions): Promise<FlowCommandResult> {
  const load = o.users !== undefined;
  const concurrency = o.concurrency ?? 16;
  const targets = await openTargets({ ...o, rateLimits: !load, connections: load ? concurrency : 8 });
  let interrupted = false;
  try {
    await checkTargetsAnswer(targets);
    const info = { mock: targets.mock.baseUrl, backend: targets.backend.baseUrl, embedded: targets.embedded };
    o.onStart?.({ ...info, profile: targets.backend.contract.profile });
    if (!load) {
      const report = await runFlow({ mock: targets.mock, backend: targets.backend, user: o.user, onStep: o.onStep });
      return { mode: 'flow', embedded: targets.embedded, ...report };
    }
    const report = await runLoad({
      mock: targets.mock,
      backend: targets.backend,
      users: o.users!,
      concurrency,
      userPrefix: o.user ? `${o.user}-` : undefined,
      onProgress: o.onProgress,
      signal: o.signal,
      drainMs: o.drainMs,
    });
    interrupted = report.interrupted;
    return { mode: 'load', ...info, profile: targets.backend.contract.profile, ...report };
  } catch (err) {
    if (err instanceof NetworkError) throw new CliError(`cannot reach ${err.url}: ${err.kind}`, { code: 'unreachable', cause: err });
    throw err;
  } finally {
    // After a Ctrl-C, requests of users that did not finish in time are cut off, not waited for.
    await targets.close({ abort: interrupted });
  }
}
