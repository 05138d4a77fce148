// `wxlogin encrypt` as text: encryptedData alone, for scripts.
import type { Format } from '../../output.js';
import type { EncryptResult } from './run.js';

export const encryptFormat: Format<EncryptResult> = {
  text: (r) => ({ stdout: [r.encryptedData] }),
};
