// `wxlogin login` as text: only the token on stdout, so `TOKEN=$(wxlogin login)` works; who and where on stderr.
import type { Format } from '../../output.js';
import type { LoginResult } from './run.js';

export const loginFormat: Format<LoginResult> = {
  text: (r, { ce }) => ({
    stdout: [r.token],
    stderr: [
      ce.dim(`logged in ${r.user}${r.openid ? ` (${r.openid})` : ''} at ${r.backend}${r.expiresIn !== undefined ? `; expires in ${r.expiresIn} s` : ''}`),
    ],
  }),
};
