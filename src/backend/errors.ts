// The backend's failures: an envelope code (the contract mini-program clients speak), an HTTP status, and a stable
// machine name in `error`. Every thrown thing becomes one of these in the single error handler (app.ts).
import { OpenDataError, type OpenDataErrorCode } from '../crypto/open-data.js';
import { StoreUnavailableError } from '../store/index.js';
import { WechatError } from '../wechat/client.js';

export const ENVELOPE_CODES = {
  ok: 200,
  badParameter: 201,
  wechatRejected: 202,
  badToken: 203,
  badData: 204,
  wechatUnavailable: 205,
  rateLimited: 429,
  notFound: 404,
  internal: 500,
  storeUnavailable: 503,
} as const;
export type EnvelopeCode = (typeof ENVELOPE_CODES)[keyof typeof ENVELOPE_CODES];

export class AppError extends Error {
  readonly code: EnvelopeCode;
  readonly statusCode: number;
  readonly error: string;
  readonly data: { errcode: number } | null;
  constructor(code: EnvelopeCode, statusCode: number, error: string, msg: string, data: { errcode: number } | null = null, cause?: unknown) {
    super(msg, cause === undefined ? undefined : { cause });
    this.name = 'AppError';
    this.code = code;
    this.statusCode = statusCode;
    this.error = error;
    this.data = data;
  }
}

export const badParameter = (msg: string, error = 'bad_parameter') => new AppError(201, 400, error, msg);
export const badToken = (error: string, msg: string) => new AppError(203, 401, error, msg);

/**
 * The precise name of an open-data refusal, for tools that hold the key (`wxlogin decrypt`, the fixtures): plaintext
 * that is not a JSON object means the ciphertext was corrupt (CBC has no MAC to say so earlier), so it is
 * bad_ciphertext. The backend never answers these apart: see fromOpenDataError.
 */
export function openDataErrorName(code: OpenDataErrorCode): string {
  if (code === 'bad_json' || code === 'bad_session_key') return 'bad_ciphertext';
  return code;
}

/** The backend's one answer to every failure to decrypt or check open data (service.ts says why). */
export const decryptFailed = () =>
  new AppError(204, 400, 'decrypt_failed', 'the encrypted data could not be decrypted and verified for this session; call wx.login, then fetch the data again');

/**
 * Open-data refusals on the wire: malformed base64 is 201 (it says nothing about the key), data whole and valid under
 * the user's previous key is stale_session_key, and anything else is the one decrypt_failed, whatever the reason.
 */
export function fromOpenDataError(err: OpenDataError): AppError {
  if (err.code === 'bad_base64') return new AppError(201, 400, err.code, err.message);
  if (err.code === 'stale_session_key') return new AppError(204, 400, err.code, err.message);
  return decryptFailed();
}

/**
 * Errcodes that blame this backend's own set-up (AppID, AppSecret, IP whitelist, quota, token), not the client's code:
 * the client cannot fix them by logging in again, so they are 205 rather than 202.
 */
export const APP_CONFIG_ERRCODES: readonly number[] = [40001, 40002, 40013, 40125, 40164, 40243, 41001, 41002, 41004, 42001, 45009, 48001];

/**
 * WeChat failures: a refused code is 202 with WeChat's errcode; WeChat down or unreadable is 205. The client gets the
 * errcode and a message of ours: WeChat's errmsg can name this server's egress IP (40164) or its set-up (40125), so it
 * goes to the log only (app.ts error handler).
 */
export function fromWechatError(err: WechatError, what: 'code' | 'call'): AppError {
  if (err.kind === 'business') {
    if (what === 'code' && !APP_CONFIG_ERRCODES.includes(err.errcode)) {
      return new AppError(202, 401, 'wechat_rejected', `WeChat refused the code: errcode ${err.errcode}`, { errcode: err.errcode }, err);
    }
    return new AppError(205, 502, 'wechat_error', `WeChat refused this server's call: errcode ${err.errcode}; see the server log`, { errcode: err.errcode }, err);
  }
  if (err.kind === 'unavailable') {
    return new AppError(205, 503, 'wechat_unavailable', 'WeChat is unreachable or failing; retry later', null, err);
  }
  return new AppError(205, 502, 'wechat_bad_response', 'WeChat answered something unreadable; retry later', null, err);
}

export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof StoreUnavailableError) {
    return new AppError(503, 503, 'store_unavailable', 'the session store is unavailable; retry later');
  }
  if (err instanceof OpenDataError) return fromOpenDataError(err);
  if (err instanceof WechatError) return fromWechatError(err, 'call');
  const e = err as { validation?: { keyword?: string }[]; statusCode?: number; code?: string; message?: string };
  if (e && Array.isArray(e.validation)) {
    const missing = e.validation.some((v) => v.keyword === 'required');
    return badParameter(e.message ?? 'bad request', missing ? 'missing_parameter' : 'bad_parameter');
  }
  switch (e?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError(201, 413, 'body_too_large', 'request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError(201, 415, 'unsupported_media_type', 'send JSON (content-type: application/json)');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return badParameter('request body is not valid JSON', 'bad_json_body');
    default:
      break;
  }
  if (e?.statusCode === 429) return new AppError(429, 429, 'rate_limited', 'too many logins from this client; retry later');
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return badParameter(e.message ?? 'bad request');
  }
  return new AppError(500, 500, 'internal', 'internal error');
}
