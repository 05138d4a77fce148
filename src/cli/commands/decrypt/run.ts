// `wxlogin decrypt`: the backend's own decrypt (src/crypto), so what it accepts is what the reference backend
// accepts.
import { readFile } from 'node:fs/promises';
import { decryptOpenData, OpenDataError } from '../../../crypto/index.js';
import { CliError } from '../../errors.js';

/**
 * `--data` as given, or read from a file (`@path`) or stdin (`-`): encryptedData is long, and the official demo
 * prints it wrapped over several lines, which the backend's decoder accepts.
 */
export async function readDataArg(v: string, stdin: () => NodeJS.ReadableStream): Promise<string> {
  if (v === '-') {
    let text = '';
    for await (const chunk of stdin()) text += chunk.toString();
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

export interface DecryptResult {
  ok: true;
  plaintext: Record<string, unknown>;
}

export function decrypt(o: DecryptOptions): DecryptResult {
  try {
    return { ok: true, plaintext: decryptOpenData({ encryptedData: o.data, iv: o.iv, sessionKey: o.sessionKey, appId: o.appid }) };
  } catch (err) {
    if (err instanceof OpenDataError) throw new CliError(`${err.code}: ${err.message}`, { code: err.code, cause: err });
    throw err;
  }
}
