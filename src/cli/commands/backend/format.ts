// `wxlogin backend` as text: where it listens and on what; with --json one line a script can wait for.
import { jsonLine, type Format } from '../../output.js';
import type { BackendBanner } from './run.js';

export const backendFormat: Format<BackendBanner> = {
  json: jsonLine,
  text: (r, { c }) => ({
    stdout: [
      `${c.green('✔')} reference backend  ${c.bold(r.backend)}   ${c.dim(`app ${r.appid}`)}`,
      c.dim(`  WeChat API ${r.wechat}`),
      c.dim(`  store      ${r.store}`),
      c.dim(`  try: curl -s ${r.backend}/healthz`),
      c.dim('Ctrl-C stops it.'),
    ],
  }),
};
