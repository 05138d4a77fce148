// `wxlogin decrypt`: the backend's own decrypt (src/crypto), so what it accepts is what the reference backend
// accepts.
import { readFile } from 'node:fs/promises';
import { decryptOpenData, OpenDataError } from '../../../crypto/index.js';
import { CliError } from '../../errors.js';
import { sixteenByteProblem } from './key-bytes.js';

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
  // The backend's decrypt repairs some damage (spaces for +, %2B) and only then counts bytes: ask it first, and
  // when it refuses the iv or the key, say what the value decodes to.
  try {
    return { ok: true, plaintext: decryptOpenData({ encryptedData: o.data, iv: o.iv, sessionKey: o.sessionKey, appId: o.appid }) };
  } catch (err) {
    if (err instanceof OpenDataError) {
      const problem = explain(err, o);
      if (problem) throw new CliError(`${problem.code}: ${problem.message}`, { code: problem.code, cause: err });
      throw new CliError(`${err.code}: ${err.message}`, { code: err.code, cause: err });
    }
    throw err;
  }
}

/** The iv's or the key's problem in words a person can act on, when that is why the decrypt refused. */
function explain(err: OpenDataError, o: DecryptOptions): { code: string; message: string } | undefined {
  if (err.code === 'bad_session_key') {
    const message = sixteenByteProblem(o.sessionKey.trim(), '--session-key');
    return message ? { code: err.code, message } : undefined;
  }
  if (err.code === 'bad_iv' || err.code === 'bad_base64') {
    const message = sixteenByteProblem(o.iv.trim(), '--iv');
    if (!message) return undefined;
    return { code: message.includes('not base64') ? 'bad_base64' : 'bad_iv', message };
  }
  return undefined;
}
