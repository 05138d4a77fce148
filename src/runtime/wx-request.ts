// wx.request with WeChat's semantics, not fetch's (https://developers.weixin.qq.com/miniprogram/dev/api/network/request/wx.request.html):
// `data` becomes a query string for GET, a JSON body for a JSON content type (the default) and a form body for
// application/x-www-form-urlencoded; `res.data` is the parsed JSON when the body parses (dataType "json", the
// default), else the text; any HTTP answer, 4xx and 5xx included, is a success; `fail` is for network errors and
// the timeout (60 s unless `timeout` says otherwise).
import { types } from 'node:util';
import { request, type Dispatcher } from 'undici';
import type { WxResult } from './invoke.js';
import { applyMappings, type UrlMapping } from './url-map.js';

export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
const METHODS = ['OPTIONS', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'TRACE', 'CONNECT'];

export interface RequestOptions {
  url?: unknown;
  data?: unknown;
  header?: unknown;
  method?: unknown;
  timeout?: unknown;
  dataType?: unknown;
  responseType?: unknown;
}

export interface RequestDeps {
  appid?: string;
  maps: readonly UrlMapping[];
  dispatcher?: Dispatcher;
  defaultTimeoutMs?: number;
}

export interface RequestOutcome {
  res: WxResult;
  method: string;
  url: string;
  sentTo: string;
}

/** The program's `header`, names lower-cased, with the Referer WeChat sets (a program cannot set its own). */
export function requestHeaders(header: unknown, appid: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (header && typeof header === 'object') {
    for (const [k, v] of Object.entries(header)) if (v !== undefined && v !== null) headers[k.toLowerCase()] = String(v);
  }
  // Every request from a mini program carries this Referer (the page's doc: "referer ... 格式固定为
  // https://servicewechat.com/{appid}/{version}/page-frame.html"); the developer tools use "devtools" as the version.
  headers.referer = `https://servicewechat.com/${appid ?? 'touristappid'}/devtools/page-frame.html`;
  return headers;
}

/** `k=v&...`, each part encodeURIComponent'd; objects inside are JSON. */
function queryString(data: unknown): string {
  if (typeof data === 'string') return data;
  if (!data || typeof data !== 'object') return '';
  return Object.entries(data)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v))}`)
    .join('&');
}

function body(data: unknown, contentType: string): string | Buffer | undefined {
  if (data === undefined || data === null) return undefined;
  // An ArrayBuffer of the program's own context is not `instanceof` this one's.
  if (types.isAnyArrayBuffer(data)) return Buffer.from(data as ArrayBuffer);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (/application\/x-www-form-urlencoded/i.test(contentType)) return queryString(data);
  if (typeof data === 'string') return data;
  if (/json/i.test(contentType)) return JSON.stringify(data);
  return String(data);
}

/** WeChat's wording for a failure to connect (as the developer tools write Chromium's net errors). */
export function failReason(err: unknown, timedOut: boolean, aborted: boolean): string {
  if (timedOut) return 'timeout';
  if (aborted) return 'abort';
  const e = err as { code?: string; cause?: { code?: string }; message?: string };
  const code = e?.code ?? e?.cause?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return '-102:net::ERR_CONNECTION_REFUSED';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return '-105:net::ERR_NAME_NOT_RESOLVED';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return '-101:net::ERR_CONNECTION_RESET';
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'timeout';
    default:
      return code ?? e?.message ?? 'network error';
  }
}

export async function doRequest(o: RequestOptions, deps: RequestDeps, abort: AbortSignal): Promise<RequestOutcome> {
  const method = typeof o.method === 'string' ? o.method.toUpperCase() : 'GET';
  const rawUrl = typeof o.url === 'string' ? o.url : '';
  const fail = (why: string, sentTo = rawUrl): RequestOutcome => ({ res: { errMsg: `request:fail ${why}` }, method, url: rawUrl, sentTo });
  if (!METHODS.includes(method)) return fail(`parameter error: parameter.method should be one of ${METHODS.join(', ')}`);
  let target: URL;
  try {
    target = new URL(applyMappings(rawUrl, deps.maps));
    if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error('not http');
  } catch {
    return fail(`invalid url "${rawUrl}"`);
  }
  const headers = requestHeaders(o.header, deps.appid);
  headers['content-type'] ??= 'application/json';
  let payload: string | Buffer | undefined;
  if (method === 'GET' || method === 'HEAD') {
    const q = queryString(o.data);
    if (q) target.search = target.search ? `${target.search}&${q}` : `?${q}`;
  } else {
    payload = body(o.data, headers['content-type']);
  }
  const sentTo = target.toString();
  const timeoutMs = typeof o.timeout === 'number' && o.timeout > 0 ? o.timeout : (deps.defaultTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
  const timer = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([abort, timer]);
  try {
    const r = await request(sentTo, { method: method as Dispatcher.HttpMethod, headers, body: payload, signal, dispatcher: deps.dispatcher });
    const buf = Buffer.from(await r.body.arrayBuffer());
    const header: Record<string, string> = {};
    const cookies: string[] = [];
    for (const [k, v] of Object.entries(r.headers)) {
      if (v === undefined) continue;
      if (k === 'set-cookie') cookies.push(...(Array.isArray(v) ? v : [v]));
      header[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    let data: unknown;
    if (o.responseType === 'arraybuffer') {
      data = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    } else {
      const text = buf.toString('utf8');
      data = text;
      if (o.dataType === undefined || o.dataType === 'json') {
        try {
          data = JSON.parse(text.replace(/^\uFEFF/, ''));
        } catch {
          data = text;
        }
      }
    }
    return { res: { errMsg: 'request:ok', data, statusCode: r.statusCode, header, cookies }, method, url: rawUrl, sentTo };
  } catch (err) {
    return fail(failReason(err, timer.aborted, abort.aborted), sentTo);
  }
}
