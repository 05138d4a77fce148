// `wxlogin encrypt`: a JSON payload encrypted the way WeChat does it.
import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { DEFAULT_APP } from '../../defaults.js';
import { unixSecondsArg } from '../../flags.js';
import { printResult } from '../../output.js';

export default function register(program: Command, getCtx: () => CliContext): void {
  program
    .command('encrypt')
    .description('encrypt a JSON payload the way WeChat does (AES-128-CBC, PKCS#7/16) and print encryptedData')
    .requiredOption('--session-key <key>', 'session_key (base64 of 16 bytes)')
    .requiredOption('--iv <iv>', 'iv (base64 of 16 bytes)')
    .requiredOption('--data <json>', 'the plaintext, a JSON object')
    .option('--appid <appid>', 'add watermark {timestamp, appid}')
    .option('--timestamp <seconds>', 'watermark time in Unix seconds (default: now)', unixSecondsArg('--timestamp'))
    .addHelpText(
      'after',
      `
Example:
  $ npx wxlogin encrypt --session-key tiihtNczf5v6AKRyjwEUhQ== --iv r7BXXKkLb8qrSNn05n0qiA== \\
      --data '{"openGId":"tGXVqG5IZmqkGArWBhZNJwn2NsqaQ"}' --appid ${DEFAULT_APP.appid} --timestamp 1700000000`,
    )
    .action(async (opts: { sessionKey: string; iv: string; data: string; appid?: string; timestamp?: number }) => {
      const [{ encrypt }, { encryptFormat }] = await Promise.all([import('./run.js'), import('./format.js')]);
      printResult(getCtx(), encrypt({ ...opts, timestamp: opts.timestamp ?? Math.floor(Date.now() / 1000) }), encryptFormat);
    });
}
