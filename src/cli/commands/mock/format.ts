// `wxlogin mock` as text: where it listens, its apps and users with their fake credentials, and a first request
// to try; with --json the URL, seed, apps and users.
import type { Format } from '../../output.js';
import type { RunningMock } from './run.js';

export const mockFormat: Format<RunningMock> = {
  json: (mock) =>
    JSON.stringify(
      {
        url: mock.url,
        seed: mock.seed,
        apps: mock.apps,
        users: mock.users.map((u) => ({ alias: u.alias, appid: u.appid, openid: u.openid, unionid: u.unionid, nickName: u.nickName })),
      },
      null,
      2,
    ),
  text(mock, { c }) {
    const out = [`${c.bold('mock WeChat')} listening on ${c.cyan(mock.url)}  (seed ${mock.seed})`, '', c.bold('apps (fake credentials)')];
    for (const a of mock.apps) out.push(`  ${a.appid}  secret ${a.secret}${a.openPlatform ? `  open platform ${a.openPlatform}` : ''}`);
    out.push('', c.bold('users'));
    const width = Math.max(5, ...mock.users.map((u) => u.alias.length));
    for (const u of mock.users) {
      const notes = [u.consent.default === 'deny' ? 'denies consent' : '', u.risk ? 'high risk: code2Session answers 40226' : '']
        .filter(Boolean)
        .join(', ');
      const app = mock.apps.length > 1 ? `${u.appid}  ` : '';
      out.push(`  ${app}${u.alias.padEnd(width)}  ${u.openid}  ${u.nickName}${notes ? c.dim(`  (${notes})`) : ''}`);
    }
    out.push('', `try: curl -s ${mock.url}/__client/login -H 'content-type: application/json' -d '{"user":"alice"}'`);
    return { stdout: out };
  },
};
