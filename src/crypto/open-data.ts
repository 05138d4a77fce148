// Open-data decryption and signatures, backend side (https://developers.weixin.qq.com/miniprogram/dev/framework/open-ability/signature.html). Pure functions, no I/O.
// Deliberately independent from mock-wechat/crypto.ts: both sides are held to the known-answer vectors instead,
// so that a shared bug (wrong key encoding, lax padding) cannot pass every round trip.
import { isUtf8 } from 'node:buffer';
import { createDecipheriv, createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Stable machine names of every way open data can be refused, with a readable message each. */
export const OPEN_DATA_ERRORS = {
  bad_base64: 'encryptedData or iv is not valid base64',
  bad_iv: 'iv must decode to 16 bytes',
  bad_session_key: 'session_key must decode to 16 bytes',
  bad_ciphertext: 'encryptedData is not a whole number of AES blocks',
  bad_padding: 'decryption gave invalid PKCS#7 padding (wrong or stale session_key, or corrupt data)',
  bad_json: 'decrypted data is not a JSON object (wrong or stale session_key, or corrupt data)',
  watermark_appid_mismatch: 'watermark.appid is not this app',
  openid_mismatch: 'decrypted openId is not the session user',
  bad_signature: 'rawData signature does not match',
  stale_session_key: 'data was encrypted under a previous session_key whose grace period is over; log in again',
} as const;

export type OpenDataErrorCode = keyof typeof OPEN_DATA_ERRORS;

export class OpenDataError extends Error {
  readonly code: OpenDataErrorCode;
  constructor(code: OpenDataErrorCode, detail?: string) {
    super(detail ? `${OPEN_DATA_ERRORS[code]}: ${detail}` : OPEN_DATA_ERRORS[code]);
    this.name = 'OpenDataError';
    this.code = code;
  }
}

const URL_ESCAPES = /%(2B|2F|3D)/gi;
const ESCAPED: Record<string, string> = { '2B': '+', '2F': '/', '3D': '=' };

/**
 * Repairs base64 damaged on the way in, only where the repair is unambiguous, and refuses everything else.
 * - A space can only be a `+` that URL form-decoding turned into a space (base64 has no spaces): restored.
 * - Line breaks are dropped: the official demo prints encryptedData wrapped, and Node/PHP decoders skip them.
 * - `%2B`, `%2F`, `%3D` are URL-encoded base64 characters: decoded. Any other `%` is refused.
 * Anything still outside the standard alphabet (URL-safe `-`/`_`, tabs, other bytes), a length that is not a multiple
 * of 4, or `=` anywhere but the last two places is bad_base64: a decoder that silently skipped it would decrypt the
 * wrong bytes.
 */
export function normalizeBase64(input: string, field = 'value'): string {
  decodeBase64(input, field);
  return repair(input, field);
}

function repair(input: string, field: string): string {
  let s = input;
  if (s.includes('%')) {
    s = s.replace(URL_ESCAPES, (_m, hex: string) => ESCAPED[hex.toUpperCase()] ?? '');
    if (s.includes('%')) throw new OpenDataError('bad_base64', `${field} has a URL escape other than %2B, %2F, %3D`);
  }
  if (s.includes(' ')) s = s.replaceAll(' ', '+');
  if (s.includes('\n') || s.includes('\r')) s = s.replace(/[\r\n]/g, '');
  return s;
}

/**
 * Strict standard base64 decode. Node's decoder skips characters outside the alphabet and accepts the URL-safe one,
 * so instead of a regex pass over the input, the decoded length is checked against what a clean input of this length
 * must give: any skipped character, inner `=` or a third `=` makes them differ. URL-safe characters are refused first.
 */
function decodeBase64(input: string, field: string): Buffer {
  if (typeof input !== 'string') throw new OpenDataError('bad_base64', `${field} is not a string`);
  const s = repair(input, field);
  const n = s.length;
  if (n % 4 !== 0 || s.includes('-') || s.includes('_')) {
    throw new OpenDataError('bad_base64', `${field} is not standard padded base64`);
  }
  const pad = n === 0 ? 0 : s.charCodeAt(n - 1) !== 61 ? 0 : s.charCodeAt(n - 2) !== 61 ? 1 : 2;
  if (pad === 2 && s.charCodeAt(n - 3) === 61) throw new OpenDataError('bad_base64', `${field} has too much padding`);
  const buf = Buffer.from(s, 'base64');
  if (buf.length !== (n / 4) * 3 - pad) throw new OpenDataError('bad_base64', `${field} is not standard padded base64`);
  return buf;
}

const decode = decodeBase64;

function sessionKeyBytes(sessionKey: string): Buffer {
  let key: Buffer;
  try {
    key = decode(sessionKey, 'session_key');
  } catch {
    throw new OpenDataError('bad_session_key', 'not base64');
  }
  if (key.length !== 16) throw new OpenDataError('bad_session_key', `${key.length} bytes`);
  return key;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * AES-128-CBC decrypt of WeChat open data (getUserInfo, old phone, werun, share info). Strict PKCS#7 over 16-byte
 * blocks (the signature page's algorithm; the 32-byte variant of some SDKs does not apply), the plaintext must be a UTF-8 JSON
 * object, and when appId is given the watermark must name it. Throws OpenDataError with a distinct code per failure.
 */
export function decryptOpenData(input: {
  encryptedData: string;
  iv: string;
  sessionKey: string;
  appId?: string;
}): Record<string, unknown> {
  const data = decode(input.encryptedData, 'encryptedData');
  const iv = decode(input.iv, 'iv');
  if (iv.length !== 16) throw new OpenDataError('bad_iv', `${iv.length} bytes`);
  const key = sessionKeyBytes(input.sessionKey);
  if (data.length === 0 || data.length % 16 !== 0) throw new OpenDataError('bad_ciphertext', `${data.length} bytes`);

  const decipher = createDecipheriv('aes-128-cbc', key, iv);
  // Padding is checked below, so that a bad pad gets its own error name. Without auto-padding, update() returns
  // every whole block at once; final() would only add a costly empty call (about a third of the time per payload).
  decipher.setAutoPadding(false);
  const plain = decipher.update(data);
  if (plain.length !== data.length) throw new OpenDataError('bad_ciphertext', 'cipher held back bytes');

  const pad = plain[plain.length - 1] ?? 0;
  if (pad < 1 || pad > 16) throw new OpenDataError('bad_padding');
  for (let i = plain.length - pad; i < plain.length - 1; i++) {
    if (plain[i] !== pad) throw new OpenDataError('bad_padding');
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(plain.subarray(0, plain.length - pad)));
  } catch {
    throw new OpenDataError('bad_json');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new OpenDataError('bad_json');
  const result = parsed as Record<string, unknown>;

  if (input.appId !== undefined) {
    const watermark = result.watermark as { appid?: unknown } | undefined;
    const appid = watermark && typeof watermark === 'object' ? watermark.appid : undefined;
    if (appid !== input.appId) {
      throw new OpenDataError('watermark_appid_mismatch', `got ${typeof appid === 'string' ? appid : 'none'}`);
    }
  }
  return result;
}

/** Strict standard base64 to bytes (the same rules as decryptOpenData); throws OpenDataError('bad_base64'). */
export function decodeOpenDataBase64(input: string, field: string): Buffer {
  return decodeBase64(input, field);
}

const ZERO_BLOCK = Buffer.alloc(16);
let scratch = Buffer.alloc(4096);

/**
 * Opens open data the way a server that attackers talk to must: one outcome, the object or undefined, and the same
 * work whatever was wrong. A server that answers differently (or measurably later) for bad PKCS#7 padding than for
 * plaintext that is not JSON hands out a padding oracle: with a valid token and no key, CBC-R builds ciphertext that
 * decrypts to any plaintext under that user's session_key. So a wrong iv or ciphertext length is replaced by a dummy
 * of the right size, the padding is checked without branching on its bytes, the text is decoded and parsed whether or
 * not the padding held, and every later check runs too. `accept` is the caller's own check of the object (watermark
 * openId, required fields); it runs whenever the text parsed to an object. decryptOpenData keeps the precise reasons
 * for offline tools.
 */
export function openOpenData(input: {
  data: Buffer;
  iv: Buffer;
  sessionKey: string;
  appId: string;
  accept?: (obj: Record<string, unknown>) => boolean;
}): Record<string, unknown> | undefined {
  let ok = 1;
  let key: Buffer = ZERO_BLOCK;
  try {
    key = sessionKeyBytes(input.sessionKey);
  } catch {
    ok = 0;
  }
  let iv: Buffer = input.iv;
  if (iv.length !== 16) {
    ok = 0;
    iv = ZERO_BLOCK;
  }
  let data: Buffer = input.data;
  if (data.length === 0 || data.length % 16 !== 0) {
    ok = 0;
    // The blocks it would have had, in a buffer kept for this (a fresh allocation would cost this path more).
    const size = Math.max(16, Math.ceil(data.length / 16) * 16);
    if (scratch.length < size) scratch = Buffer.alloc(Math.max(size, scratch.length * 2));
    data.copy(scratch);
    scratch.fill(0, data.length, size);
    data = scratch.subarray(0, size);
  }
  const decipher = createDecipheriv('aes-128-cbc', key, iv);
  decipher.setAutoPadding(false);
  const plain = decipher.update(data);
  const n = plain.length;
  // PKCS#7 over 16-byte blocks, checked over all of the last 16 bytes with arithmetic instead of branches.
  const pad = plain[n - 1]!;
  let bad = ((pad - 1) >>> 31) | ((16 - pad) >>> 31);
  for (let i = 2; i <= 16; i++) {
    const inPad = ((pad - i) >>> 31) ^ 1; // 1 while i <= pad
    const diff = plain[n - i]! ^ pad;
    bad |= inPad & ((diff | -diff) >>> 31);
  }
  ok &= bad ^ 1;
  const end = n - pad * (bad ^ 1);
  // UTF-8 is validated without throwing (an exception costs more than the whole decryption, and would be the slow
  // path): the garbage an attacker without the key produces is not UTF-8, whether its padding held or not, so it is
  // refused here after the same work. Only text that is UTF-8 is parsed. The check reads the whole plaintext, padding
  // included, so that its length (and the validator's speed, which differs for lengths that are not a multiple of its
  // block) never depends on whether the padding held. That is the same answer as for the text alone: padding bytes
  // (0x01 to 0x10) are ASCII, and none can complete a multi-byte sequence the text left open.
  const text = plain.subarray(0, end);
  let obj: unknown;
  if (isUtf8(plain)) {
    try {
      obj = JSON.parse(text.toString('utf8'));
    } catch {
      ok = 0;
    }
  } else ok = 0;
  const isObject = obj !== null && typeof obj === 'object' && !Array.isArray(obj);
  if (!isObject) ok = 0;
  const record = (isObject ? obj : {}) as Record<string, unknown>;
  const watermark = record.watermark as { appid?: unknown } | undefined;
  const appid = watermark !== null && typeof watermark === 'object' ? watermark.appid : undefined;
  if (appid !== input.appId) ok = 0;
  if (input.accept && !input.accept(record)) ok = 0;
  return ok === 1 ? record : undefined;
}

/** sha1(rawData + session_key) as lowercase hex; the key is the base64 text itself (signature.html, 数据签名校验). */
export function rawDataSignature(rawData: string, sessionKey: string): string {
  return createHash('sha1').update(rawData + sessionKey, 'utf8').digest('hex');
}

/** Compares in constant time; accepts upper-case hex too (WxJava emits upper case for its HMACs). */
export function verifyRawDataSignature(rawData: string, sessionKey: string, signature: string): boolean {
  if (typeof signature !== 'string' || !/^[0-9a-fA-F]{40}$/.test(signature)) return false;
  const expected = Buffer.from(rawDataSignature(rawData, sessionKey), 'hex');
  return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
}

/**
 * hmac_sha256(body, key = session_key TEXT as UTF-8), lowercase hex (https://developers.weixin.qq.com/miniprogram/dev/server/API/user-login/api_checksessionkey): the login-state signature,
 * and with an empty body the checksession/resetusersessionkey signature.
 */
export function loginStateSignature(sessionKey: string, body = ''): string {
  return createHmac('sha256', Buffer.from(sessionKey, 'utf8')).update(body, 'utf8').digest('hex');
}
