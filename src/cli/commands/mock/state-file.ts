// The state file of `wxlogin mock --import FILE` and `--export-on-exit FILE` (the mock's snapshot, as the Firebase
// emulators keep theirs: https://firebase.google.com/docs/emulator-suite/install_and_configure). It holds app secrets
// and session keys, so it is written 0600, whole or not at all (a temporary file renamed over the old one).
import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { MockStateSnapshot } from '../../../../mock-wechat/index.js';
import { CliError, usageError } from '../../errors.js';

const why = (err: unknown) => {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return (err as Error).message;
};

/** The parsed file; its content is checked by control.importState, which names the wrong field. */
export async function readStateFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw usageError(`--import ${file}: cannot read it: ${why(err)}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw usageError(`--import ${file}: not JSON (${(err as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw usageError(`--import ${file}: a state file is a JSON object (as GET /__admin/state or --export-on-exit writes it)`);
  }
  return value as Record<string, unknown>;
}

/** Fails at start rather than at exit: the folder the state will be written to must exist. */
export async function checkExportTarget(file: string): Promise<void> {
  const dir = dirname(file);
  let isDir = false;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch (err) {
    throw usageError(`--export-on-exit ${file}: folder ${dir}: ${why(err)}`);
  }
  if (!isDir) throw usageError(`--export-on-exit ${file}: ${dir} is not a folder`);
}

export async function writeStateFile(file: string, snapshot: MockStateSnapshot): Promise<void> {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    // wx: a fresh file, so the mode is ours (a file left over would keep its own).
    await writeFile(tmp, `${JSON.stringify(snapshot, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new CliError(`--export-on-exit ${file}: cannot write the mock's state: ${why(err)}`, { cause: err });
  }
}
