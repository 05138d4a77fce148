// Store URIs: the three kinds parsed, others refused with a clear message, and a password never echoed.
import { describe, expect, it } from 'vitest';
import { openStore, parseStoreUri, redactUri, StoreError } from '../../src/store/index.js';

describe('store URIs', () => {
  it('parses the three kinds and refuses others with a clear message', () => {
    expect(parseStoreUri('memory://').kind).toBe('memory');
    expect(parseStoreUri('sqlite://db/x.sqlite', '/data')).toEqual({ kind: 'sqlite', path: '/data/db/x.sqlite' });
    expect(parseStoreUri('sqlite:///abs/x.sqlite', '/data').path).toBe('/abs/x.sqlite');
    expect(parseStoreUri('redis://127.0.0.1:6379')).toEqual({ kind: 'redis', url: 'redis://127.0.0.1:6379' });
    expect(() => parseStoreUri('mongodb://x')).toThrow(/unknown store "mongodb:\/\/x"/);
    expect(() => parseStoreUri('sqlite://')).toThrow(/needs a path/);
  });
});

describe('URIs in messages', () => {
  it('a Redis that is not there is named without its password', async () => {
    const err = await openStore('redis://user:hunter2-secret@127.0.0.1:1').then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/^cannot connect to Redis at redis:\/\/user:\*\*\*@127\.0\.0\.1:1: /);
    expect(err?.message).not.toContain('hunter2-secret');
  });

  it('parse errors do not echo a password', () => {
    expect(() => parseStoreUri('mongodb://u:hunter2-secret@db')).toThrow(/unknown store "mongodb:\/\/u:\*\*\*@db"/);
    expect(() => parseStoreUri('redis://:hunter2-secret@[bad')).toThrow(StoreError);
    try {
      parseStoreUri('redis://:hunter2-secret@[bad');
    } catch (e) {
      expect((e as Error).message).not.toContain('hunter2-secret');
    }
  });

  it('redactUri is exported from the store', () => {
    expect(redactUri('redis://:pw@h:1')).toBe('redis://:***@h:1');
  });
});
