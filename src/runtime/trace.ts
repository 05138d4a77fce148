// What a run records: every wx.* call, every request with its answer, the lifecycle, taps, console output and
// failures, in the order they happened. Secrets are masked before an entry is made (mask.ts).

export type TraceEntry =
  | { kind: 'lifecycle'; where: string; hook: string }
  | { kind: 'tap'; where: string; handler: string; openType?: string; detail?: unknown }
  | { kind: 'wx'; where: string; api: string; args?: unknown; errMsg?: string; result?: unknown }
  | {
      kind: 'request';
      where: string;
      /** Which API made it, when not wx.request: "uploadFile", "downloadFile". */
      api?: string;
      method: string;
      url: string;
      /** The URL after --map rewrote it, when it did (secret query parameters masked in both). */
      sentTo?: string;
      data?: unknown;
      errMsg: string;
      statusCode?: number;
      answer?: unknown;
    }
  | { kind: 'console'; where: string; level: string; text: string }
  /** A `fail` nobody handled: no fail or complete callback, or a promise rejection nobody caught. */
  | { kind: 'unhandled'; where: string; api: string; errMsg: string }
  /** The program threw (in a module, a lifecycle hook, a handler, a callback or a timer), or the run could not go on. */
  | { kind: 'error'; where: string; message: string };

export type Trace = (entry: TraceEntry) => void;

/** One line for an error thrown in the program's code (a value from another realm is not `instanceof Error`). */
export function describeThrown(err: unknown, root?: string): string {
  const e = err as { name?: unknown; message?: unknown; stack?: unknown } | undefined;
  if (!e || typeof e !== 'object' || typeof e.message !== 'string') {
    if (e && typeof e === 'object' && typeof (e as { errMsg?: unknown }).errMsg === 'string') return (e as { errMsg: string }).errMsg;
    return String(err);
  }
  const name = typeof e.name === 'string' ? e.name : 'Error';
  let at = '';
  if (root && typeof e.stack === 'string') {
    // The first frame in the program's own files: "at Object.onLoad (/abs/dir/pages/index/index.js:12:5)".
    const frame = e.stack.split('\n').find((l) => l.includes(root));
    const m = frame?.match(/\(?([^()\s]+):(\d+):(\d+)\)?\s*$/);
    if (m) at = ` (at ${m[1]!.slice(root.length).replace(/^[\\/]+/, '')}:${m[2]}:${m[3]})`;
  }
  return `${name}: ${e.message}${at}`;
}
