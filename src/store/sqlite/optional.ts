// sqlite3 (a native module, compiled at install when no prebuilt binary fits) and @keyv/sqlite are optional
// dependencies: `npm install --omit=optional` leaves them out, and everything but the SQLite store works without
// them. Opening a SQLite store then fails with one line that says how to get them.
import { StoreError } from '../errors.js';

/** The versions package.json pins (a test keeps them equal). */
export const SQLITE_PACKAGES = ['sqlite3@5.1.7', '@keyv/sqlite@4.0.8'] as const;

const HOW = `npm install ${SQLITE_PACKAGES.join(' ')} (or use a memory:// or redis:// store)`;

/** The package itself missing, or one it loads (@keyv/sqlite loads sqlite3). */
function missing(err: unknown, names: readonly string[]): boolean {
  const e = err as { code?: string; message?: string };
  return (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') && names.some((n) => (e.message ?? '').includes(`'${n}'`));
}

/** sqlite3 present but its native part never built (installed with --ignore-scripts, or for another platform). */
function unbuilt(err: unknown): boolean {
  return /could not locate the bindings file|node_sqlite3\.node|invalid ELF header|was compiled against a different Node/i.test((err as Error)?.message ?? '');
}

/** `names`: the packages whose absence means "installed without the optional dependencies". */
export async function loadOptional<T>(load: () => Promise<T>, names: readonly string[] = ['sqlite3', '@keyv/sqlite']): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if (missing(err, names)) {
      throw new StoreError(`the SQLite store needs the optional packages sqlite3 and @keyv/sqlite, which this install left out: ${HOW}`, { cause: err });
    }
    if (unbuilt(err)) {
      throw new StoreError(`the SQLite store needs sqlite3's native module, which is not built for this machine: npm rebuild sqlite3 (or use a memory:// or redis:// store)`, { cause: err });
    }
    throw err;
  }
}
