// `wxlogin audit`: the scorecard for a backend. Points the audit at --backend/--mock (or starts the embedded stack),
// arranges the backend's log for the secrets checks (--log FILE, --log - for stdin, or the embedded backend's own
// log), runs the checks and returns the report.
import { open, stat } from 'node:fs/promises';
import { auditBackend, AuditSetupError, plannedChecks } from '../../../audit/audit.js';
import type { AuditReport, CheckResult, Severity } from '../../../audit/types.js';
import { NetworkError, requestJson } from '../../../client/http.js';
import { CliError, usageError } from '../../errors.js';
import { checkTargetsAnswer, openTargets, type TargetOptions } from '../../targets.js';

export interface AuditCommandOptions extends TargetOptions {
  log?: string;
  stdin?: NodeJS.ReadableStream;
  only?: string[];
  skip?: string[];
  prove?: boolean;
  proveQueries?: number;
  proveSeconds?: number;
  failOn?: Severity;
  answerWithinMs?: number;
  onStart?: (info: { mock: string; backend: string; embedded: boolean; profile: string; checks: number }) => void;
  onResult?: (r: CheckResult) => void;
}

/** The embedded backend's WeChat timeout during an audit: short, so the timeout check does not wait 3 × 5 s. */
export const EMBEDDED_WECHAT_TIMEOUT_MS = 1000;

type LogReader = () => Promise<{ source: string; text: string }>;

/** --log FILE: what the backend appends to FILE during the run (from its size when the audit starts). */
async function fileLog(path: string): Promise<LogReader> {
  let start: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new Error('not a file');
    start = s.size;
  } catch (err) {
    throw usageError(`cannot read --log ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'usage');
  }
  return async () => {
    const fh = await open(path, 'r');
    try {
      const { size } = await fh.stat();
      // A log rotated or truncated during the run is read whole.
      const from = size >= start ? start : 0;
      const buf = Buffer.alloc(size - from);
      await fh.read(buf, 0, buf.length, from);
      return { source: path, text: buf.toString('utf8') };
    } finally {
      await fh.close();
    }
  };
}

/** --log -: stdin, collected from the start; read when asked, after a short settle for lines still in the pipe. */
function stdinLog(stdin: NodeJS.ReadableStream): LogReader {
  const chunks: Buffer[] = [];
  let ended = false;
  stdin.on('data', (c: Buffer | string) => chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c)));
  stdin.on('end', () => (ended = true));
  stdin.on('error', () => (ended = true));
  return async () => {
    if (!ended) await new Promise((r) => setTimeout(r, 500));
    stdin.pause();
    return { source: 'stdin', text: Buffer.concat(chunks).toString('utf8') };
  };
}

export async function audit(o: AuditCommandOptions): Promise<AuditReport> {
  let checks;
  try {
    checks = plannedChecks(o.only, o.skip);
  } catch (err) {
    throw usageError((err as Error).message, 'usage');
  }
  if (checks.length === 0) throw usageError('--only and --skip leave no check to run', 'usage');
  if (o.log === '-' && !o.stdin) throw usageError('--log - reads the log from stdin, which is not available here', 'usage');
  let readLog: LogReader | undefined = o.log === undefined ? undefined : o.log === '-' ? stdinLog(o.stdin!) : await fileLog(o.log);
  // The embedded backend's log is captured whole, so the secrets checks read it even without --log.
  const captured: string[] = [];
  const targets = await openTargets({
    ...o,
    stackBackend: {
      wechatTimeoutMs: EMBEDDED_WECHAT_TIMEOUT_MS,
      logger: { level: 'info', stream: { write: (line: string) => void captured.push(line) } },
    },
  });
  if (targets.embedded && !readLog) readLog = async () => ({ source: 'the embedded backend\'s log', text: captured.join('') });
  try {
    // The mock first: every check plays the mini program there, so a dead --mock would fail all of them.
    await checkTargetsAnswer(targets, ['mock']);
    if (!targets.embedded) {
      // Any HTTP answer will do (a 404 on the bare URL is fine): only a backend that does not answer at all is
      // worth stopping for, before thirty checks each report it.
      try {
        await requestJson({ url: targets.backend.baseUrl }, { dispatcher: targets.dispatcher, timeoutMs: 5000 });
      } catch (err) {
        if (!(err instanceof NetworkError)) throw err;
        throw new CliError(`cannot reach the backend at ${targets.backend.baseUrl} (${err.kind}): start it first, or leave out --backend and --mock to audit the embedded reference backend`, { code: 'unreachable', cause: err });
      }
    }
    o.onStart?.({
      mock: targets.mock.baseUrl,
      backend: targets.backend.baseUrl,
      embedded: targets.embedded,
      profile: targets.backend.contract.profile,
      checks: checks.length,
    });
    return await auditBackend({
      mock: targets.mock,
      backend: targets.backend,
      embedded: targets.embedded,
      appid: o.app,
      dispatcher: targets.dispatcher,
      timeoutMs: o.timeout,
      readLog,
      only: o.only,
      skip: o.skip,
      failOn: o.failOn,
      prove: o.prove ? { queryCap: o.proveQueries ?? 60_000, secondsCap: o.proveSeconds ?? 120 } : undefined,
      answerWithinMs: o.answerWithinMs,
      onResult: o.onResult,
    });
  } catch (err) {
    if (err instanceof AuditSetupError) throw new CliError(`${err.message} (is ${targets.mock.baseUrl} a wxlogin mock? start one with: npx wxlogin mock)`, { code: 'audit_setup' });
    if (err instanceof NetworkError) throw new CliError(`cannot reach ${err.url}: ${err.kind}`, { code: 'unreachable', cause: err });
    throw err;
  } finally {
    await targets.close();
  }
}
