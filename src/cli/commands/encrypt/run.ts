// `wxlogin encrypt`: open data as WeChat's side makes it, with the mock's code (mock-wechat/crypto), so that what
// it produces is checked by the backend's decrypt, never by a shared helper.
import { encryptOpenData } from '../../../../mock-wechat/crypto.js';
import { CliError } from '../../errors.js';
import { sixteenByteProblem } from '../decrypt/key-bytes.js';

export interface EncryptOptions {
  sessionKey: string;
  iv: string;
  data: string;
  appid?: string;
  /** Watermark time, Unix seconds (the command passes now unless --timestamp). */
  timestamp: number;
}

export interface EncryptResult {
  ok: true;
  encryptedData: string;
  iv: string;
  plaintext: string;
}

function b64bytes(v: string, what: string, code: string): void {
  const problem = sixteenByteProblem(v, what);
  if (problem) throw new CliError(`${code}: ${problem}`, { code });
}

export function encrypt(o: EncryptOptions): EncryptResult {
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
