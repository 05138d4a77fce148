// sqlite3 and @keyv/sqlite are optional dependencies: without them, opening a SQLite store fails with one line that
// says how to get them, and nothing else needs them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/store/errors.js';
import { loadOptional, SQLITE_PACKAGES } from '../../src/store/sqlite/optional.js';
import { ROOT } from '../cli/helpers.js';

describe('the optional SQLite packages', () => {
  it('a missing package is one line naming the packages to install', async () => {
    const err = await loadOptional(() => import('wxlogin-no-such-package' as string), ['wxlogin-no-such-package']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    const msg = (err as Error).message;
    expect(msg).not.toContain('\n');
    expect(msg).toContain(`npm install ${SQLITE_PACKAGES.join(' ')}`);
    expect(msg).toMatch(/memory:\/\/ or redis:\/\//);
  });

  it('a missing module that is not one of them is not disguised', async () => {
    const err = await loadOptional(() => import('wxlogin-other-missing' as string)).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(StoreError);
  });

  it('a sqlite3 whose native part was never built says to rebuild it', async () => {
    const err = await loadOptional(() => Promise.reject(new Error('Could not locate the bindings file. Tried: node_sqlite3.node'))).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/npm rebuild sqlite3/);
  });

  it('are optional in package.json, at the versions the message names', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; optionalDependencies?: Record<string, string> };
    for (const spec of SQLITE_PACKAGES) {
      const at = spec.lastIndexOf('@');
      const [name, version] = [spec.slice(0, at), spec.slice(at + 1)];
      expect(pkg.optionalDependencies?.[name]).toBe(version);
      expect(pkg.dependencies[name]).toBeUndefined();
    }
  });
});
