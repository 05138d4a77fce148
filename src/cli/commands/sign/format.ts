// `wxlogin sign` as text: the signature alone, for scripts.
import type { Format } from '../../output.js';
import type { SignResult } from './run.js';

export const signFormat: Format<SignResult> = {
  text: (r) => ({ stdout: [r.signature] }),
};
