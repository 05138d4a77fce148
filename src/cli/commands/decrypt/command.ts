// `wxlogin decrypt`: open data decrypted as the reference backend does it.
import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { printResult } from '../../output.js';

export default function register(program: Command, getCtx: () => CliContext): void {
  program
    .command('decrypt')
    .description('decrypt open data (getUserInfo, phone, WeRun, share info) and print the plaintext JSON')
    .requiredOption('--session-key <key>', "the user's session_key (base64)")
    .requiredOption('--iv <iv>', 'the iv that came with the data (base64)')
    .requiredOption('--data <encryptedData>', 'encryptedData (base64); @FILE reads it from a file, - from stdin')
    .option('--appid <appid>', 'check that watermark.appid is this app')
    .addHelpText(
      'after',
      `
Exits non-zero naming the refusal: bad_padding (wrong or stale key, corrupt data), bad_json (not a JSON object),
watermark_appid_mismatch, bad_ciphertext, bad_iv, bad_session_key, bad_base64.

Example (the official demo vector):
  $ npx wxlogin decrypt --session-key tiihtNczf5v6AKRyjwEUhQ== --iv r7BXXKkLb8qrSNn05n0qiA== \\
      --data @encryptedData.txt --appid wx4f4bc4dec97d474b`,
    )
    .action(async (opts: { sessionKey: string; iv: string; data: string; appid?: string }) => {
      const [{ decrypt, readDataArg }, { decryptFormat }] = await Promise.all([import('./run.js'), import('./format.js')]);
      const ctx = getCtx();
      const data = await readDataArg(opts.data, () => ctx.io.stdin ?? process.stdin);
      printResult(ctx, decrypt({ ...opts, data }), decryptFormat);
    });
}
