// The Redis engine against the store's contract, when WXLOGIN_TEST_REDIS points at a server; every test keeps to a
// prefix of its own there.
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { storeContractSuite, type OpenOptions } from './contract-suite.js';

const uri = process.env.WXLOGIN_TEST_REDIS;

describe.skipIf(!uri)('store contract: redis', () => {
  const open = (o: OpenOptions) => openStore(uri!, o);
  storeContractSuite(it, open, { kind: 'redis', reopen: open, locksAcrossHandles: true, expiresByItself: true });
});

describe('redis store', () => {
  it('a Redis that is not there is a clear error', async () => {
    await expect(openStore('redis://127.0.0.1:1')).rejects.toThrow(/cannot connect to Redis at redis:\/\/127.0.0.1:1/);
  });
});
