// wx.uploadFile and wx.downloadFile with WeChat's semantics
// (https://developers.weixin.qq.com/miniprogram/dev/api/network/upload/wx.uploadFile.html,
// https://developers.weixin.qq.com/miniprogram/dev/api/network/download/wx.downloadFile.html).
// uploadFile POSTs a local file as multipart/form-data (the `formData` fields, then the file under `name`) and answers
// the body as a string; downloadFile GETs a URL and saves the body, whatever the status ("只要服务器有响应数据，就会把响应
// 内容写入文件并进入 success 回调"), to a temporary file or to `filePath`. Local paths go through the sandbox (files.ts),
// URLs through --map, as wx.request's do; `fail` is for bad arguments, network errors, the timeout and abort().
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, unlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { getGlobalDispatcher, interceptors, request, type Dispatcher } from 'undici';
import type { FileSandbox, LocalFile } from './files.js';
import type { WxResult } from './invoke.js';
import { applyMappings, type UrlMapping } from './url-map.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, failReason, requestHeaders } from './wx-request.js';

/**
 * The most a run moves in one uploadFile or downloadFile. WeChat allows downloads up to 200 MB (the downloadFile
 * page); a test has no use for that much, and a bound keeps a hostile server from filling the disk.
 */
export const DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024;
/** Redirects downloadFile follows, as the phone's network stack does. */
const MAX_REDIRECTIONS = 5;

export interface UploadOptions {
  url?: unknown;
  filePath?: unknown;
  name?: unknown;
  header?: unknown;
  formData?: unknown;
  timeout?: unknown;
}

export interface DownloadOptions {
  url?: unknown;
  filePath?: unknown;
  header?: unknown;
  timeout?: unknown;
}

export interface TransferDeps {
  appid?: string;
  maps: readonly UrlMapping[];
  dispatcher?: Dispatcher;
  defaultTimeoutMs?: number;
  files: FileSandbox;
  maxFileBytes?: number;
}

/** What the task object's listeners hear (UploadTask / DownloadTask onProgressUpdate, onHeadersReceived). */
export interface TransferEvents {
  progress(ev: Record<string, number>): void;
  headers(header: Record<string, string>): void;
}

export interface TransferOutcome {
  res: WxResult;
  method: 'POST' | 'GET';
  url: string;
  sentTo: string;
  /** For the trace: what was sent (upload) and what came back. */
  sent?: Record<string, unknown>;
  answer?: unknown;
}

const typeName = (v: unknown) => (v === null ? 'Null' : v === undefined ? 'Undefined' : Array.isArray(v) ? 'Array' : (typeof v).replace(/^./, (c) => c.toUpperCase()));
const paramError = (key: string, want: string, v: unknown) => `parameter error: parameter.${key} should be ${want} instead of ${typeName(v)};`;

const MIME: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.mp3': 'audio/mpeg',
  '.mp4': 'video/mp4',
  '.silk': 'audio/silk',
  '.pdf': 'application/pdf',
  '.json': 'application/json',
  '.txt': 'text/plain',
};
const extOf = (name: string) => name.match(/(\.[A-Za-z0-9]{1,8})$/)?.[1]?.toLowerCase() ?? '';

function target(rawUrl: string, maps: readonly UrlMapping[]): URL | undefined {
  try {
    const u = new URL(applyMappings(rawUrl, maps));
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : undefined;
  } catch {
    return undefined;
  }
}

const timeoutOf = (timeout: unknown, deps: TransferDeps) =>
  typeof timeout === 'number' && timeout > 0 ? timeout : (deps.defaultTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);

function headerRecord(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** A name or filename in a part's Content-Disposition, escaped as the HTML standard's form encoding does. */
const quoted = (s: string) => `"${s.replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/"/g, '%22')}"`;

/** The multipart/form-data body: each formData field, then the file. */
function multipart(boundary: string, fields: [string, string][], file: { name: string; filename: string; type: string; content: Buffer }): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of fields) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name=${quoted(k)}\r\n\r\n${v}\r\n`));
  }
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name=${quoted(file.name)}; filename=${quoted(file.filename)}\r\nContent-Type: ${file.type}\r\n\r\n`));
  parts.push(file.content, Buffer.from(`\r\n--${boundary}--\r\n`));
  return Buffer.concat(parts);
}

class TooLarge extends Error {}
/** Drops an answer's body unread (its stream then ends in an abort error, which nobody needs to hear). */
function discard(body: { on(ev: 'error', fn: () => void): unknown; destroy(): unknown }) {
  body.on('error', () => undefined);
  body.destroy();
}
/** Writing the downloaded file failed (a file-system error, not a network one). */
class SaveError extends Error {}
const saving = async <T>(fn: () => Promise<T>): Promise<T> => {
  try {
    return await fn();
  } catch (err) {
    throw new SaveError((err as NodeJS.ErrnoException).code ?? (err as Error).message);
  }
};

/** The answer's body, refused past `max` bytes. */
async function readBounded(body: AsyncIterable<Buffer>, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of body) {
    n += c.length;
    if (n > max) throw new TooLarge();
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

const tooLarge = (max: number) => `file size exceeds the limit: over ${max} bytes (the most a run moves in one transfer)`;

export async function doUpload(o: UploadOptions, deps: TransferDeps, abort: AbortSignal, events: TransferEvents): Promise<TransferOutcome> {
  const rawUrl = typeof o.url === 'string' ? o.url : '';
  const fail = (why: string, sentTo = rawUrl): TransferOutcome => ({ res: { errMsg: `uploadFile:fail ${why}` }, method: 'POST', url: rawUrl, sentTo });
  const max = deps.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  if (typeof o.url !== 'string') return fail(paramError('url', 'String', o.url));
  const to = target(rawUrl, deps.maps);
  if (!to) return fail(`invalid url "${rawUrl}"`);
  if (typeof o.name !== 'string' || o.name === '') return fail(typeof o.name === 'string' ? 'parameter error: parameter.name should not be empty' : paramError('name', 'String', o.name));
  const form = o.formData;
  if (form !== undefined && form !== null && (typeof form !== 'object' || Array.isArray(form))) return fail(paramError('formData', 'Object', form));
  const file = deps.files.readable(o.filePath);
  if ('error' in file) return fail(file.error);
  let content: Buffer;
  try {
    if (statSync(file.abs).size > max) return fail(`${tooLarge(max)}: "${file.path}"`);
    content = readFileSync(file.abs);
  } catch (err) {
    return fail(`cannot read "${file.path}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const fields: [string, string][] = Object.entries((form ?? {}) as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => [k, v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v)]);
  const filename = file.path.split('/').at(-1) || 'file';
  const boundary = `----WebKitFormBoundary${randomBytes(8).toString('hex')}`;
  const body = multipart(boundary, fields, { name: o.name, filename, type: MIME[extOf(filename)] ?? 'application/octet-stream', content });
  const headers = requestHeaders(o.header, deps.appid);
  headers['content-type'] = `multipart/form-data; boundary=${boundary}`;
  delete headers['content-length'];
  const sentTo = to.toString();
  const sent = { name: o.name, filePath: file.path, ...(form ? { formData: form as Record<string, unknown> } : {}) };
  const timer = AbortSignal.timeout(timeoutOf(o.timeout, deps));
  try {
    const r = await request(sentTo, { method: 'POST', headers, body, signal: AbortSignal.any([abort, timer]), dispatcher: deps.dispatcher });
    // The whole body is on the wire once the answer starts.
    events.progress({ progress: 100, totalBytesSent: body.length, totalBytesExpectedToSend: body.length });
    events.headers(headerRecord(r.headers));
    let buf: Buffer;
    try {
      buf = await readBounded(r.body, max);
    } catch (err) {
      if (err instanceof TooLarge) {
        discard(r.body);
        return { ...fail(`the answer is over ${max} bytes`, sentTo), sent };
      }
      throw err;
    }
    const data = buf.toString('utf8');
    let answer: unknown = data;
    try {
      answer = JSON.parse(data);
    } catch {
      // Not JSON: the trace shows the text.
    }
    return { res: { errMsg: 'uploadFile:ok', data, statusCode: r.statusCode }, method: 'POST', url: rawUrl, sentTo, sent, answer };
  } catch (err) {
    return { ...fail(failReason(err, timer.aborted, abort.aborted), sentTo), sent };
  }
}

export async function doDownload(o: DownloadOptions, deps: TransferDeps, abort: AbortSignal, events: TransferEvents): Promise<TransferOutcome> {
  const rawUrl = typeof o.url === 'string' ? o.url : '';
  const fail = (why: string, sentTo = rawUrl): TransferOutcome => ({ res: { errMsg: `downloadFile:fail ${why}` }, method: 'GET', url: rawUrl, sentTo });
  const max = deps.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  if (typeof o.url !== 'string') return fail(paramError('url', 'String', o.url));
  const to = target(rawUrl, deps.maps);
  if (!to) return fail(`invalid url "${rawUrl}"`);
  let dest: LocalFile | undefined;
  if (o.filePath !== undefined) {
    const w = deps.files.writable(o.filePath);
    if ('error' in w) return fail(w.error);
    dest = w;
  }
  const headers = requestHeaders(o.header, deps.appid);
  const sentTo = to.toString();
  const timer = AbortSignal.timeout(timeoutOf(o.timeout, deps));
  const dispatcher = (deps.dispatcher ?? getGlobalDispatcher()).compose(interceptors.redirect({ maxRedirections: MAX_REDIRECTIONS }));
  let written: LocalFile | undefined;
  try {
    const r = await request(sentTo, { method: 'GET', headers, signal: AbortSignal.any([abort, timer]), dispatcher });
    const header = headerRecord(r.headers);
    events.headers(header);
    const expected = Number(header['content-length']);
    const total = Number.isSafeInteger(expected) && expected >= 0 ? expected : 0;
    if (total > max) {
      discard(r.body);
      return fail(tooLarge(max), sentTo);
    }
    // A temporary file is named after the URL's extension, else the Content-Type's (why WeChat asks for a "合理的
    // Content-Type").
    const type = (header['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const ext = extOf(to.pathname) || (Object.entries(MIME).find(([, m]) => m === type)?.[0] ?? '');
    written = dest ?? deps.files.newTemp(ext);
    const file = written;
    const fh = await saving(() => open(file.abs, 'w', 0o600));
    let n = 0;
    try {
      for await (const c of r.body as AsyncIterable<Buffer>) {
        n += c.length;
        if (n > max) {
          discard(r.body);
          throw new TooLarge();
        }
        await saving(() => fh.write(c));
        events.progress({ progress: total ? Math.min(100, Math.floor((n * 100) / total)) : 0, totalBytesWritten: n, totalBytesExpectedToWrite: total });
      }
    } finally {
      await fh.close();
    }
    if (!total || n < total) events.progress({ progress: 100, totalBytesWritten: n, totalBytesExpectedToWrite: total || n });
    const where = dest ? { filePath: dest.path } : { tempFilePath: written.path };
    return { res: { errMsg: 'downloadFile:ok', ...where, statusCode: r.statusCode }, method: 'GET', url: rawUrl, sentTo, answer: { ...where, bytes: n } };
  } catch (err) {
    if (written) {
      try {
        unlinkSync(written.abs);
      } catch {
        // Never written, or the run's folder is gone already.
      }
    }
    if (err instanceof TooLarge) return fail(tooLarge(max), sentTo);
    if (err instanceof SaveError) return fail(`cannot save the file: ${err.message}`, sentTo);
    return fail(failReason(err, timer.aborted, abort.aborted), sentTo);
  }
}
