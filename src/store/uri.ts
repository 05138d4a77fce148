// Store URIs: which engine and where (memory://, sqlite://PATH, redis://HOST:PORT), and the URI as it may be shown to
// a person: a Redis URI can carry a password (redis://:pw@host or redis://user:pw@host), which must not reach a
// banner, --json output, a log line or an error message.
import { resolve } from 'node:path';
import type { StoreKind } from './contract.js';
import { StoreError } from './errors.js';

/** Parses a store URI: `memory://`, `sqlite://PATH` (relative to dataDir), `redis://HOST:PORT[/DB]`. */
export function parseStoreUri(uri: string, dataDir = '.'): { kind: StoreKind; path?: string; url?: string } {
  if (uri === 'memory://' || uri === 'memory') return { kind: 'memory' };
  if (uri.startsWith('sqlite://')) {
    const p = uri.slice('sqlite://'.length);
    if (p === '') throw new StoreError('sqlite store needs a path: sqlite://PATH');
    return { kind: 'sqlite', path: p === ':memory:' ? p : resolve(dataDir, p) };
  }
  if (uri.startsWith('redis://') || uri.startsWith('rediss://')) {
    try {
      new URL(uri);
    } catch {
      throw new StoreError(`bad redis URI: ${redactUri(uri)}`);
    }
    return { kind: 'redis', url: uri };
  }
  throw new StoreError(`unknown store "${redactUri(uri)}": use sqlite://PATH, redis://HOST:PORT or memory://`);
}

/** The URI with any userinfo password replaced by `***` (the user name, if any, is kept). Non-URLs pass unchanged. */
export function redactUri(uri: string): string {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    // Not a URL: still hide anything that looks like `scheme://user:pass@`.
    return uri.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1***@');
  }
  if (!u.password && !u.username) return uri;
  if (u.password) u.password = '***';
  return u.toString();
}
