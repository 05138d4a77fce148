// Requests to the backend under test, shaped by its contract: where each step lives, where the token goes.
import { getPath } from './json-path.js';
import { requestJson, joinUrl, type HttpDeps } from './http.js';
import type { BackendContract, BackendStep } from './contract.js';

export interface BackendResult {
  step: BackendStep;
  status: number;
  /** HTTP 2xx and, when the body is an envelope with a numeric `code`, that code is 200 (or 0). */
  ok: boolean;
  /** The backend has no such route (HTTP 404 that is not an envelope of its own). */
  notOffered: boolean;
  json: unknown;
  /** The payload at the contract's dataPath. */
  data: unknown;
  /** Envelope fields when present. */
  code?: number;
  error?: string;
  msg?: string;
  text: string;
  ms: number;
}

export interface BackendClientOptions extends HttpDeps {
  baseUrl: string;
  contract: BackendContract;
}

export function createBackendClient(opts: BackendClientOptions) {
  const { contract } = opts;
  const deps: HttpDeps = { dispatcher: opts.dispatcher, timeoutMs: opts.timeoutMs };

  function offers(step: BackendStep): boolean {
    return typeof contract.paths[step] === 'string';
  }

  async function call(step: BackendStep, args: { token?: string; body?: Record<string, unknown> } = {}): Promise<BackendResult> {
    const path = contract.paths[step];
    if (!path) throw new Error(`the contract has no path for ${step}`);
    const method = contract.methods[step] ?? 'POST';
    let url = joinUrl(opts.baseUrl, path);
    const headers: Record<string, string> = {};
    let body: Record<string, unknown> | undefined = method === 'POST' ? { ...args.body } : undefined;
    if (args.token !== undefined) {
      if (contract.token.in === 'header') {
        headers[contract.token.header] = contract.token.scheme ? `${contract.token.scheme} ${args.token}` : args.token;
      } else if (body) {
        body[contract.token.field] = args.token;
      } else {
        const u = new URL(url);
        u.searchParams.set(contract.token.field, args.token);
        url = u.toString();
      }
    }
    if (method === 'POST' && body && Object.keys(body).length === 0) body = {};
    const res = await requestJson({ method, url, headers, body }, deps);
    const env = (res.json && typeof res.json === 'object' ? res.json : {}) as Record<string, unknown>;
    const code = typeof env.code === 'number' ? env.code : undefined;
    const ok = res.status >= 200 && res.status < 300 && (code === undefined || code === 200 || code === 0);
    const notOffered = res.status === 404 && (code === undefined || code === 404);
    return {
      step,
      status: res.status,
      ok,
      notOffered,
      json: res.json,
      data: getPath(res.json, contract.dataPath),
      code,
      error: typeof env.error === 'string' ? env.error : undefined,
      msg: typeof env.msg === 'string' ? env.msg : typeof env.message === 'string' ? env.message : undefined,
      text: res.text,
      ms: res.ms,
    };
  }

  /** POST the wx.login code; the token is read at the contract's tokenPath. */
  async function login(code: string): Promise<{ result: BackendResult; token?: string }> {
    const result = await call('login', { body: { code } });
    const token = getPath(result.json, contract.tokenPath);
    return { result, token: typeof token === 'string' && token.length > 0 ? token : undefined };
  }

  return { baseUrl: opts.baseUrl, contract, offers, call, login };
}

export type BackendClient = ReturnType<typeof createBackendClient>;

/** One line describing a failed backend answer: status, envelope code and error name, message. */
export function describeFailure(r: BackendResult): string {
  const parts = [`HTTP ${r.status}`];
  if (r.code !== undefined) parts.push(`code ${r.code}`);
  if (r.error) parts.push(r.error);
  const msg = r.msg ?? (r.json === undefined ? r.text.replace(/\s+/g, ' ').slice(0, 80) : undefined);
  if (msg) parts.push(msg);
  return parts.join(' · ');
}
