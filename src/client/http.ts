// One JSON request over undici with an injectable dispatcher. WeChat-style servers sometimes label JSON as
// text/plain, and user backends may answer HTML on errors, so the body is parsed as JSON whatever the content type
// says and kept as text when it is not JSON.
import { request, type Dispatcher } from 'undici';

export interface HttpDeps {
  dispatcher?: Dispatcher;
  /** Per-request deadline (headers and body), ms. */
  timeoutMs?: number;
}

export interface JsonRequest {
  method?: 'GET' | 'POST' | 'DELETE';
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface JsonResponse {
  status: number;
  /** Parsed JSON, or undefined when the body was empty or not JSON. */
  json: unknown;
  text: string;
  ms: number;
}

/** A request that did not produce an HTTP response: connection refused, reset, timeout. */
export class NetworkError extends Error {
  readonly kind: string;
  readonly url: string;
  constructor(url: string, kind: string, cause: unknown) {
    super(`${kind} on ${url}${cause instanceof Error && cause.message ? `: ${cause.message}` : ''}`, { cause });
    this.name = 'NetworkError';
    this.kind = kind;
    this.url = url;
  }
}

function networkKind(err: unknown): string {
  const e = err as { code?: string; name?: string; cause?: { code?: string } };
  const code = e?.code ?? e?.cause?.code;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return 'timeout';
  if (typeof code === 'string') return code.startsWith('UND_ERR_') ? code.slice(8).toLowerCase() : code;
  return 'network';
}

export async function requestJson(req: JsonRequest, deps: HttpDeps = {}): Promise<JsonResponse> {
  const started = performance.now();
  const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
  let payload: string | undefined;
  if (req.body !== undefined) {
    payload = JSON.stringify(req.body);
    headers['content-type'] = 'application/json';
  }
  let res: Dispatcher.ResponseData;
  let text: string;
  try {
    const timeout = deps.timeoutMs ?? 30_000;
    res = await request(req.url, {
      method: req.method ?? (payload === undefined ? 'GET' : 'POST'),
      headers,
      body: payload,
      dispatcher: deps.dispatcher,
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    text = await res.body.text();
  } catch (err) {
    throw new NetworkError(req.url, networkKind(err), err);
  }
  let json: unknown;
  if (text.length > 0) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  return { status: res.statusCode, json, text, ms: performance.now() - started };
}

/** Joins a base URL and a path the way a user means it: `http://h/api` + `login/` → `http://h/api/login/`. */
export function joinUrl(base: string, path: string): string {
  if (/^https?:\/\//.test(path)) return path;
  const b = base.endsWith('/') ? base : `${base}/`;
  return new URL(path.replace(/^\/+/, ''), b).toString();
}
