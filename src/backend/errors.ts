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
  constructor(code: EnvelopeCode, statusCode: number, error: string, msg: string, data: { errcode: number } | null = null) {
    super(msg);
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
 * The name a refusal carries in `error`. The 204 names are a closed list that clients switch on (stale_session_key,
 * bad_ciphertext, bad_padding, watermark_appid_mismatch, openid_mismatch, bad_signature): plaintext that is not a
 * JSON object means the ciphertext was corrupt (CBC has no MAC to say so earlier), so it is bad_ciphertext there; the
 * message keeps the detail. Fixtures use the same names (src/client/fixtures.ts).
 */
export function openDataErrorName(code: OpenDataErrorCode): string {
  if (code === 'bad_json' || code === 'bad_session_key') return 'bad_ciphertext';
  return code;
}

/** Open-data refusals: malformed input is 201, everything about the decrypted content or the key is 204. */
export function fromOpenDataError(err: OpenDataError): AppError {
  if (err.code === 'bad_base64' || err.code === 'bad_iv') return new AppError(201, 400, err.code, err.message);
  // A stored key that is not 16 bytes is our problem, not the client's; it still must not decrypt anything.
  if (err.code === 'bad_session_key') return new AppError(204, 400, 'bad_ciphertext', 'the stored session_key cannot decrypt this data; log in again');
  return new AppError(204, 400, openDataErrorName(err.code), err.message);
}

/**
 * Errcodes that blame this backend's own set-up (AppID, AppSecret, IP whitelist, quota, token), not the client's code:
 * the client cannot fix them by logging in again, so they are 205 rather than 202.
 */
export const APP_CONFIG_ERRCODES: readonly number[] = [40001, 40002, 40013, 40125, 40164, 40243, 41001, 41002, 41004, 42001, 45009, 48001];

/** WeChat failures: a refused code is 202 with WeChat's errcode; WeChat down or unreadable is 205. */
export function fromWechatError(err: WechatError, what: 'code' | 'call'): AppError {
  if (err.kind === 'business') {
    const msg = `WeChat refused the ${what === 'code' ? 'code' : 'call'}: errcode ${err.errcode}${err.errmsg ? ` (${err.errmsg})` : ''}`;
    if (what === 'code' && !APP_CONFIG_ERRCODES.includes(err.errcode)) {
      return new AppError(202, 401, 'wechat_rejected', msg, { errcode: err.errcode });
    }
    return new AppError(205, 502, 'wechat_error', msg, { errcode: err.errcode });
  }
  if (err.kind === 'unavailable') {
    return new AppError(205, 503, 'wechat_unavailable', `WeChat is unreachable or failing (${err.endpoint}: ${err.errmsg})`);
  }
  return new AppError(205, 502, 'wechat_bad_response', `WeChat answered something unreadable (${err.endpoint}: ${err.errmsg})`);
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
