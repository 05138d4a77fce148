// decrypt / encrypt / sign: the open-data algorithms one call at a time. decrypt uses the backend's own code
// (src/crypto), so what it accepts is what the reference backend accepts; encrypt uses the mock's, which is what
// WeChat's side does. The CLI is a conductor and may use both.
import { decryptOpenData, loginStateSignature, OpenDataError, rawDataSignature } from '../../crypto/index.js';
import { encryptOpenData } from '../../../mock-wechat/crypto.js';
import { readFile } from 'node:fs/promises';
import { CliError } from '../context.js';

/**
 * `--data` as given, or read from a file (`@path`) or stdin (`-`): encryptedData is long, and the official demo
 * prints it wrapped over several lines, which the backend's decoder accepts.
 */
export async function readDataArg(v: string, stdin: NodeJS.ReadableStream): Promise<string> {
  if (v === '-') {
    let text = '';
    for await (const chunk of stdin) text += chunk.toString();
    return text.trim();
  }
  if (v.startsWith('@')) {
    try {
      return (await readFile(v.slice(1), 'utf8')).trim();
    } catch (err) {
      throw new CliError(`cannot read ${v.slice(1)}: ${(err as NodeJS.ErrnoException).code ?? err}`, { code: 'io', cause: err });
    }
  }
  return v;
}

export interface DecryptOptions {
  sessionKey: string;
  iv: string;
  data: string;
  appid?: string;
}

export function decrypt(o: DecryptOptions): { ok: true; plaintext: Record<string, unknown> } {
  try {
    return { ok: true, plaintext: decryptOpenData({ encryptedData: o.data, iv: o.iv, sessionKey: o.sessionKey, appId: o.appid }) };
  } catch (err) {
    if (err instanceof OpenDataError) throw new CliError(`${err.code}: ${err.message}`, { code: err.code, cause: err });
    throw err;
  }
}

export interface EncryptOptions {
  sessionKey: string;
  iv: string;
  data: string;
  appid?: string;
  /** Watermark time, Unix seconds (the command passes now unless --timestamp). */
  timestamp: number;
}

function b64bytes(v: string, what: string, code: string): void {
  const ok = /^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 === 0 && Buffer.from(v, 'base64').length === 16;
  if (!ok) throw new CliError(`${code}: ${what} must be base64 of 16 bytes`, { code });
}

export function encrypt(o: EncryptOptions): { ok: true; encryptedData: string; iv: string; plaintext: string } {
  b64bytes(o.sessionKey, '--session-key', 'bad_session_key');
  b64bytes(o.iv, '--iv', 'bad_iv');
  let value: unknown;
  try {
    value = JSON.parse(o.data);
  } catch (err) {
    throw new CliError(`bad_json: --data is not JSON (${err instanceof Error ? err.message : err})`, { code: 'bad_json' });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new CliError('bad_json: --data must be a JSON object', { code: 'bad_json' });
  }
  // With an appid the payload gets WeChat's watermark, last, timestamp before appid as in real data.
  const plaintext = o.appid
    ? JSON.stringify({ ...(value as Record<string, unknown>), watermark: { timestamp: o.timestamp, appid: o.appid } })
    : JSON.stringify(value);
  return { ok: true, encryptedData: encryptOpenData(plaintext, o.sessionKey, o.iv), iv: o.iv, plaintext };
}

export interface SignOptions {
  sessionKey: string;
  rawData?: string;
  checksession?: boolean;
  body?: string;
}

export function sign(o: SignOptions): { ok: true; method: 'sha1' | 'hmac_sha256'; signature: string } {
  const chosen = [o.rawData !== undefined, o.checksession === true, o.body !== undefined].filter(Boolean).length;
  if (chosen !== 1) throw new CliError('give exactly one of --raw-data, --checksession or --body', { code: 'usage', exitCode: 2 });
  if (o.rawData !== undefined) return { ok: true, method: 'sha1', signature: rawDataSignature(o.rawData, o.sessionKey) };
  return { ok: true, method: 'hmac_sha256', signature: loginStateSignature(o.sessionKey, o.body ?? '') };
}
