import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { addTargetOptions, targetOptions, type TargetFlags } from './target-options.js';

export default function register(program: Command, getCtx: () => CliContext): void {
  const cmd = program
    .command('login')
    .description("play the mini program for one user: wx.login at the mock, POST the code to the backend, print the token");
  addTargetOptions(cmd, { backend: 'http://127.0.0.1:9401', mock: 'http://127.0.0.1:9400' }).addHelpText(
    'after',
    `
Prints only the token on stdout (details on stderr), so it composes in scripts. The defaults are the URLs
\`wxlogin up\` listens on.

Example:
  $ wxlogin up &
  $ TOKEN=$(wxlogin login --user alice)
  $ curl -s -H "Authorization: Bearer $TOKEN" http://127.0.0.1:9401/me`,
  );
  cmd.action(async (opts: TargetFlags) => {
    const { login } = await import('../run/login.js');
    const ctx = getCtx();
    const r = await login({ ...targetOptions(opts), user: opts.user });
    if (ctx.global.json) return ctx.printJson(r);
    ctx.print(r.token);
    const { ce } = ctx;
    ctx.note(
      ce.dim(`logged in ${r.user}${r.openid ? ` (${r.openid})` : ''} at ${r.backend}${r.expiresIn !== undefined ? `; expires in ${r.expiresIn} s` : ''}`),
    );
  });
}
