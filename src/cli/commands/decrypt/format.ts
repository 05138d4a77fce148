// `wxlogin decrypt` as text: the plaintext JSON, indented.
import type { Format } from '../../output.js';
import type { DecryptResult } from './run.js';

export const decryptFormat: Format<DecryptResult> = {
  text: (r) => ({ stdout: [JSON.stringify(r.plaintext, null, 2)] }),
};
