// `wxlogin login`: one user's login against a running mock and backend, the token printed for scripts.
import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { BACKEND_URL, MOCK_URL } from '../../defaults.js';
import { printResult } from '../../output.js';
import { addTargetOptions, targetOptions, type TargetFlags } from '../../target-flags.js';

export default function register(program: Command, getCtx: () => CliContext): void {
  const cmd = program
    .command('login')
    .description("play the mini program for one user: wx.login at the mock, POST the code to the backend, print the token");
  addTargetOptions(cmd, { backend: BACKEND_URL, mock: MOCK_URL }).addHelpText(
    'after',
    `
Prints only the token on stdout (details on stderr), so it composes in scripts. The defaults are the URLs
\`wxlogin up\` listens on.

Example:
  $ npx wxlogin up &
  $ TOKEN=$(npx wxlogin login --user alice)
  $ curl -s -H "Authorization: Bearer $TOKEN" ${BACKEND_URL}/me`,
  );
  cmd.action(async (opts: TargetFlags) => {
    const [{ login }, { loginFormat }] = await Promise.all([import('./run.js'), import('./format.js')]);
    printResult(getCtx(), await login({ ...targetOptions(opts), user: opts.user }), loginFormat);
  });
}
