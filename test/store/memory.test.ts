// The memory engine against the store's contract: each handle's records are its own.
import { describe, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { storeContractSuite } from './contract-suite.js';

describe('store contract: memory', () => {
  storeContractSuite(it, (o) => openStore('memory://', o), { kind: 'memory' });
});
