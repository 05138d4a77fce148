// `wxlogin up` as text: what listens where, and what to try next; with --json one line a script can wait for.
import { jsonLine, type Format } from '../../output.js';
import type { UpResult } from './run.js';

export const upFormat: Format<UpResult> = {
  json: jsonLine,
  text: (r, { c }) => ({
    stdout: [
      `${c.green('✔')} mock WeChat        ${c.bold(r.mock)}   ${c.dim(`app ${r.appid}`)}`,
      `${c.green('✔')} reference backend  ${c.bold(r.backend)}   ${c.dim(`store ${r.store}`)}`,
      `${c.green('✔')} dashboard          ${c.bold(r.dashboard)}`,
      c.dim(`  logins per minute per client: ${r.rateLimit === 0 ? 'no limit' : `${r.rateLimit} (--rate-limit; 0 = off)`}`),
      '',
      c.dim('Try it (in another terminal):'),
      `  TOKEN=$(npx wxlogin login --backend ${r.backend} --mock ${r.mock})`,
      `  curl -s -H "Authorization: Bearer $TOKEN" ${r.backend}/me`,
      `  npx wxlogin flow --backend ${r.backend} --mock ${r.mock}`,
      '',
      c.dim('Ctrl-C stops both.'),
    ],
  }),
};
