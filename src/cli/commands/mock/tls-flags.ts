// What `wxlogin mock --tls` and `wxlogin mock ca` share: where the local CA lives, and its errors as CLI lines.
// Light on purpose: `mock ca` loads this and the CA code, not the whole mock.
import { resolve } from 'node:path';
import { MockTlsError } from '../../../../mock-wechat/front/errors.js';
import { DATA_DIR } from '../../defaults.js';
import { CliError, usageError } from '../../errors.js';

/** The environment variable behind --data-dir, shared with `wxlogin backend`. */
export const DATA_DIR_ENV = 'WXLOGIN_DATA_DIR';

/** --data-dir, else WXLOGIN_DATA_DIR, else .wxlogin in the working directory (as `wxlogin backend` and `up`), absolute. */
export function mockDataDir(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  const given = flag ?? (env[DATA_DIR_ENV] === '' ? undefined : env[DATA_DIR_ENV]);
  if (given !== undefined && given.trim() === '') throw usageError('--data-dir expects a directory, got ""');
  return resolve(given ?? DATA_DIR);
}

/** The front's own errors (an unreadable CA file, a data directory it cannot create) as one CLI line. */
export function tlsCliError(err: unknown): unknown {
  return err instanceof MockTlsError ? new CliError(err.message, { code: 'tls', cause: err }) : err;
}
