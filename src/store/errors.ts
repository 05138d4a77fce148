// The store's errors: a StoreError for what the caller got wrong (a bad URI, a bad TTL), a StoreUnavailableError for
// whatever the engine failed to do, so callers tell a store that is down from their own bugs.

export class StoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/** The store could not be reached or failed a read or write (Redis down, SQLite I/O error): retry later. */
export class StoreUnavailableError extends StoreError {
  constructor(cause: unknown) {
    super(`store unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'StoreUnavailableError';
  }
}

/** Every failure of the storage engine becomes a StoreUnavailableError, so callers tell it from their own bugs. */
export async function guard<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    throw err instanceof StoreError ? err : new StoreUnavailableError(err);
  }
}

/** p, or a StoreUnavailableError once ms have passed without an answer. */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new StoreUnavailableError(new Error(`no answer within ${ms} ms`))), ms);
    guard(p).then(
      (v) => (clearTimeout(timer), resolve(v)),
      (err) => (clearTimeout(timer), reject(err)),
    );
  });
}
