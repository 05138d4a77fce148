// `wxlogin sign`: the signatures a backend checks, computed with the backend's own code (src/crypto).
import { loginStateSignature, rawDataSignature } from '../../../crypto/index.js';
import { usageError } from '../../errors.js';

export interface SignOptions {
  sessionKey: string;
  rawData?: string;
  checksession?: boolean;
  body?: string;
}

export interface SignResult {
  ok: true;
  method: 'sha1' | 'hmac_sha256';
  signature: string;
}

export function sign(o: SignOptions): SignResult {
  const chosen = [o.rawData !== undefined, o.checksession === true, o.body !== undefined].filter(Boolean).length;
  if (chosen !== 1) throw usageError('give exactly one of --raw-data, --checksession or --body', 'usage');
  if (o.rawData !== undefined) return { ok: true, method: 'sha1', signature: rawDataSignature(o.rawData, o.sessionKey) };
  return { ok: true, method: 'hmac_sha256', signature: loginStateSignature(o.sessionKey, o.body ?? '') };
}
