// The SQLite file holds every user's session_key and the access token: it and its -wal/-shm are kept 0600 in a 0700
// directory whatever the umask. Files and directories the store did not create are the user's: a loose mode there is
// reported through onWarning, never changed.
import { constants } from 'node:fs';
import { chmod, mkdir, open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Group or other may read or write. */
const LOOSE = 0o066;

const octal = (mode: number) => (mode & 0o777).toString(8).padStart(4, '0');

const SIDE_FILES = ['-wal', '-shm'] as const;

export interface PreparedFiles {
  /** Call once SQLite has opened the file: tightens the -wal/-shm it created if they came out looser than the file. */
  afterOpen(): Promise<void>;
}

async function modeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mode;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export async function prepareSqliteFiles(path: string, warn: (message: string) => void): Promise<PreparedFiles> {
  const dir = dirname(path);
  // mkdir's mode goes through the umask; chmod after it so what we create is 0700 whatever the umask is.
  const first = await mkdir(dir, { recursive: true, mode: 0o700 });
  if (first !== undefined) {
    for (let d = dir; ; d = dirname(d)) {
      await chmod(d, 0o700);
      if (d === first || dirname(d) === d) break;
    }
  } else {
    const mode = (await stat(dir)).mode;
    if (mode & LOOSE) warn(`the SQLite store's directory ${dir} is open to group or others (mode ${octal(mode)}): run chmod 700 ${dir}`);
  }

  let created = false;
  try {
    // O_EXCL: create it ourselves with 0600 before SQLite opens it (SQLite would create it 0644 under the usual umask).
    const fh = await open(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
    try {
      await fh.chmod(0o600);
    } finally {
      await fh.close();
    }
    created = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }

  const existed = new Set<string>();
  for (const p of [path, ...SIDE_FILES.map((s) => path + s)]) {
    const mode = p === path && created ? undefined : await modeOf(p);
    if (mode === undefined) continue;
    existed.add(p);
    if (mode & LOOSE) warn(`the SQLite store file ${p} holds session keys and is open to group or others (mode ${octal(mode)}): run chmod 600 ${p}`);
  }

  return {
    async afterOpen() {
      // SQLite gives -wal and -shm the database file's mode; make sure, for the ones it has just created.
      const dbMode = (await stat(path)).mode & 0o666;
      for (const p of SIDE_FILES.map((s) => path + s)) {
        if (existed.has(p)) continue;
        const mode = await modeOf(p);
        if (mode !== undefined && mode & 0o777 & ~dbMode) await chmod(p, dbMode);
      }
    },
  };
}
