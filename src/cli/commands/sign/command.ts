// `wxlogin sign`: a rawData signature or a login-state signature, one call at a time.
import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { printResult } from '../../output.js';
import type { SignOptions } from './run.js';

export default function register(program: Command, getCtx: () => CliContext): void {
  program
    .command('sign')
    .description('compute a rawData signature (sha1) or a login-state signature (hmac_sha256, e.g. for checksession)')
    .requiredOption('--session-key <key>', 'session_key (base64 text; both signatures key with the text itself)')
    .option('--raw-data <json>', 'sign rawData: sha1(rawData + session_key)')
    .option('--checksession', 'the checksession/resetusersessionkey signature: hmac_sha256 of the empty string')
    .option('--body <text>', 'hmac_sha256 of a POST body (the login-state signature)')
    .addHelpText(
      'after',
      `
Examples:
  $ npx wxlogin sign --session-key HyVFkGl5F5OQWJZZaNzBBg== --raw-data '{"nickName":"Band",...}'
  $ npx wxlogin sign --session-key o0q0otL8aEzpcZL/FT9WsQ== --checksession`,
    )
    .action(async (opts: SignOptions) => {
      const [{ sign }, { signFormat }] = await Promise.all([import('./run.js'), import('./format.js')]);
      printResult(getCtx(), sign(opts), signFormat);
    });
}
