// One audit: pick the checks, build the context over a mock and a backend already reachable, run, and assemble the
// report. Where the mock and backend come from (the embedded stack or URLs) is the caller's business.
import type { Dispatcher } from 'undici';
import type { BackendClient } from '../client/backend-client.js';
import type { MockClient } from '../client/mock-client.js';
import { ALL_CHECKS } from './checks/index.js';
import { createAuditContext } from './context.js';
import { runAudit, selectChecks } from './runner.js';
import type { AuditReport, Check, CheckResult, Severity } from './types.js';

export interface AuditOptions {
  mock: MockClient;
  backend: BackendClient;
  embedded: boolean;
  /** The app to play; found from the mock's admin API when it serves one app. */
  appid?: string;
  dispatcher?: Dispatcher;
  timeoutMs?: number;
  /** The backend's log, read when the secrets checks run. */
  readLog?: () => Promise<{ source: string; text: string }>;
  only?: string[];
  skip?: string[];
  failOn?: Severity;
  prove?: { queryCap: number; secondsCap: number };
  answerWithinMs?: number;
  checks?: readonly Check[];
  onResult?: (r: CheckResult) => void;
}

export class AuditSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuditSetupError';
  }
}

/** Which checks a run would make (throws RangeError naming an --only/--skip entry that matches none). */
export function plannedChecks(only?: string[], skip?: string[], all: readonly Check[] = ALL_CHECKS): Check[] {
  return selectChecks(all, only, skip);
}

async function findApp(mock: MockClient, appid: string | undefined): Promise<{ appid: string; secret?: string }> {
  const apps = await mock.apps().catch((err: unknown) => {
    throw new AuditSetupError(`the mock's admin API did not answer (${err instanceof Error ? err.message : err}): the audit needs it to learn session keys and script faults`);
  });
  if (appid) {
    const a = apps.find((x) => x.appid === appid);
    if (!a) throw new AuditSetupError(`the mock serves no app ${appid} (it serves ${apps.map((x) => x.appid).join(', ') || 'none'})`);
    return { appid, secret: typeof a.secret === 'string' ? a.secret : undefined };
  }
  if (apps.length !== 1) throw new AuditSetupError(`the mock serves ${apps.length} apps: say which with --app (${apps.map((x) => x.appid).join(', ')})`);
  const a = apps[0]!;
  return { appid: a.appid, secret: typeof a.secret === 'string' ? a.secret : undefined };
}

export async function auditBackend(o: AuditOptions): Promise<AuditReport> {
  const checks = plannedChecks(o.only, o.skip, o.checks);
  const app = await findApp(o.mock, o.appid);
  const ctx = createAuditContext({
    mock: o.mock,
    backend: o.backend,
    embedded: o.embedded,
    appid: app.appid,
    secret: app.secret,
    dispatcher: o.dispatcher,
    timeoutMs: o.timeoutMs,
    readLog: o.readLog,
    prove: o.prove,
    answerWithinMs: o.answerWithinMs,
  });
  let logInfo: AuditReport['log'];
  const readLog = o.readLog;
  if (readLog) {
    // Remember what the secrets check read, for the report's header.
    ctx.readLog = async () => {
      const l = await readLog();
      logInfo = { source: l.source, bytes: Buffer.byteLength(l.text) };
      return l;
    };
  }
  const run = await runAudit({ ctx, checks, failOn: o.failOn, onResult: o.onResult });
  if (o.prove && !ctx.findings.prove) {
    // --prove forges only through an oracle the padding-oracle check found: say why it did not run.
    const oracle = run.results.find((r) => r.id === 'open-data.padding-oracle');
    ctx.findings.prove = {
      attempted: false,
      success: false,
      queries: 0,
      queryCap: o.prove.queryCap,
      seconds: 0,
      secondsCap: o.prove.secondsCap,
      detail: oracle ? `not attempted: open-data.padding-oracle is ${oracle.outcome === 'na' ? `not applicable (${oracle.detail})` : oracle.outcome}` : 'not attempted: open-data.padding-oracle was not selected',
    };
  }
  return {
    ...run,
    backend: o.backend.baseUrl,
    mock: o.mock.baseUrl,
    embedded: o.embedded,
    profile: o.backend.contract.profile,
    ...(logInfo ? { log: logInfo } : {}),
    ...(ctx.findings.prove ? { prove: ctx.findings.prove } : {}),
  };
}
