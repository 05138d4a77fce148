// The backend's failures: an envelope code (the contract mini-program clients speak), an HTTP status, and a stable
// machine name in `error`. Every thrown thing becomes one of these in the single error handler (app.ts).
import { OpenDataError, type OpenDataErrorCode } from '../crypto/open-data.js';
import { BASE64_FIELDS } from './schemas.js';
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

/**
 * Every failure the backend answers, by its stable name in `error`: the envelope code clients switch on and the HTTP
 * status. The one place a name gets its numbers (README, "The reference backend", lists them).
 */
export const FAILURES = {
  missing_parameter: { code: 201, status: 400 },
  bad_parameter: { code: 201, status: 400 },
  bad_base64: { code: 201, status: 400 },
  bad_json_body: { code: 201, status: 400 },
  body_too_large: { code: 201, status: 413 },
  unsupported_media_type: { code: 201, status: 415 },
  wechat_rejected: { code: 202, status: 401 },
  phone_code_mismatch: { code: 202, status: 403 },
  missing_token: { code: 203, status: 401 },
  invalid_token: { code: 203, status: 401 },
  session_key_expired: { code: 203, status: 401 },
  decrypt_failed: { code: 204, status: 400 },
  stale_session_key: { code: 204, status: 400 },
  wechat_unavailable: { code: 205, status: 503 },
  wechat_bad_response: { code: 205, status: 502 },
  wechat_error: { code: 205, status: 502 },
  not_found: { code: 404, status: 404 },
  rate_limited: { code: 429, status: 429 },
  internal: { code: 500, status: 500 },
  store_unavailable: { code: 503, status: 503 },
} as const satisfies Record<string, { code: EnvelopeCode; status: number }>;
export type FailureName = keyof typeof FAILURES;

export class AppError extends Error {
  readonly code: EnvelopeCode;
  readonly statusCode: number;
  readonly error: FailureName;
  readonly data: { errcode: number } | null;
  constructor(error: FailureName, msg: string, data: { errcode: number } | null = null, cause?: unknown) {
    super(msg, cause === undefined ? undefined : { cause });
    this.name = 'AppError';
    this.code = FAILURES[error].code;
    this.statusCode = FAILURES[error].status;
    this.error = error;
    this.data = data;
  }
}

export const badParameter = (msg: string, error: 'bad_parameter' | 'missing_parameter' = 'bad_parameter') => new AppError(error, msg);
export const badToken = (error: 'missing_token' | 'invalid_token', msg: string) => new AppError(error, msg);

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
  new AppError('decrypt_failed', 'the encrypted data could not be decrypted and verified for this session; call wx.login, then fetch the data again');

/**
 * Open-data refusals on the wire: malformed base64 is 201 (it says nothing about the key), data whole and valid under
 * the user's previous key is stale_session_key, and anything else is the one decrypt_failed, whatever the reason.
 */
export function fromOpenDataError(err: OpenDataError): AppError {
  if (err.code === 'bad_base64') return new AppError('bad_base64', err.message);
  if (err.code === 'stale_session_key') return new AppError('stale_session_key', err.message);
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
      return new AppError('wechat_rejected', `WeChat refused the code: errcode ${err.errcode}`, { errcode: err.errcode }, err);
    }
    return new AppError('wechat_error', `WeChat refused this server's call: errcode ${err.errcode}; see the server log`, { errcode: err.errcode }, err);
  }
  if (err.kind === 'unavailable') {
    return new AppError('wechat_unavailable', 'WeChat is unreachable or failing; retry later', null, err);
  }
  return new AppError('wechat_bad_response', 'WeChat answered something unreadable; retry later', null, err);
}

export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof StoreUnavailableError) {
    return new AppError('store_unavailable', 'the session store is unavailable; retry later');
  }
  if (err instanceof OpenDataError) return fromOpenDataError(err);
  if (err instanceof WechatError) return fromWechatError(err, 'call');
  const e = err as { validation?: { keyword?: string; instancePath?: string }[]; statusCode?: number; code?: string; message?: string };
  if (e && Array.isArray(e.validation)) {
    const notBase64 = e.validation.some((v) => v.keyword === 'pattern' && BASE64_FIELDS.some((f) => v.instancePath === `/${f}`));
    if (notBase64) return new AppError('bad_base64', 'encryptedData or iv is not base64');
    const missing = e.validation.some((v) => v.keyword === 'required');
    return badParameter(e.message ?? 'bad request', missing ? 'missing_parameter' : 'bad_parameter');
  }
  switch (e?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('body_too_large', 'request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('unsupported_media_type', 'send JSON (content-type: application/json)');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('bad_json_body', 'request body is not valid JSON');
    default:
      break;
  }
  if (e?.statusCode === 429) return new AppError('rate_limited', 'too many logins from this client; retry later');
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return badParameter(e.message ?? 'bad request');
  }
  return new AppError('internal', 'internal error');
}
