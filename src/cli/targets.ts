// Turns --backend/--mock/contract flags into clients, starting the embedded stack when no backend is given.
import { Agent } from 'undici';
import { readFile } from 'node:fs/promises';
import { resolveContract, ContractError, type ContractOverrides } from '../client/contract.js';
import { contractFileOverrides, mergeOverrides } from '../client/contract-file.js';
import { createBackendClient, type BackendClient } from '../client/backend-client.js';
import { createMockClient, type MockClient } from '../client/mock-client.js';
import { usageError } from './errors.js';
import { toHttpUrl } from './flags.js';
import type { StackOptions } from './stack.js';

export interface TargetOptions extends ContractOverrides {
  /** A contract file (JSON), applied over the profile and under the flags. */
  contractFile?: string;
  backend?: string;
  mock?: string;
  app?: string;
  timeout?: number;
  seed?: string;
  /** Connections per origin (load runs). */
  connections?: number;
  /** Embedded stack only: false turns rate limits off. */
  rateLimits?: boolean;
  /** Embedded stack only: settings of its backend beyond the defaults. */
  stackBackend?: StackOptions['backend'];
}

export interface Targets {
  mock: MockClient;
  backend: BackendClient;
  embedded: boolean;
  /** The connection pool both clients use (the audit sends raw requests through it too). */
  dispatcher: Agent;
  close(): Promise<void>;
}

function checkUrl(v: string, flag: string): string {
  const url = toHttpUrl(v);
  if (url === undefined) throw usageError(`${flag} must be an http(s) URL, got "${v}"`, 'usage');
  return url;
}

export async function openTargets(o: TargetOptions): Promise<Targets> {
  let contract;
  try {
    let overrides: ContractOverrides = o;
    if (o.contractFile) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(await readFile(o.contractFile, 'utf8'));
      } catch (err) {
        throw usageError(`cannot read the contract file ${o.contractFile}: ${err instanceof Error ? err.message : err}`, 'usage');
      }
      const fromFile = contractFileOverrides(parsed);
      overrides = mergeOverrides(fromFile, o);
    }
    contract = resolveContract(overrides);
  } catch (err) {
    if (err instanceof ContractError) throw usageError(err.message, 'usage');
    throw err;
  }
  if (o.backend && !o.mock) {
    throw usageError('--backend needs --mock: the URL of the mock WeChat that backend calls', 'usage');
  }
  if (o.mock && !o.backend) {
    throw usageError('--mock needs --backend (leave both out to run the embedded stack)', 'usage');
  }
  const dispatcher = new Agent({ connections: o.connections ?? 8, keepAliveTimeout: 10_000 });
  const closeDispatcher = () => dispatcher.close().catch(() => undefined);
  let backendUrl: string;
  let mockUrl: string;
  let stopStack: () => Promise<void> = async () => {};
  const embedded = !o.backend;
  if (o.backend && o.mock) {
    backendUrl = checkUrl(o.backend, '--backend');
    mockUrl = checkUrl(o.mock, '--mock');
  } else {
    const { startStack } = await import('./stack.js');
    const stack = await startStack({ store: 'memory://', rateLimits: o.rateLimits, seed: o.seed, backend: o.stackBackend });
    backendUrl = stack.backendUrl;
    mockUrl = stack.mockUrl;
    stopStack = stack.close;
  }
  const http = { dispatcher, timeoutMs: o.timeout ?? 10_000 };
  return {
    mock: createMockClient({ baseUrl: mockUrl, appid: o.app, ...http }),
    backend: createBackendClient({ baseUrl: backendUrl, contract, ...http }),
    embedded,
    dispatcher,
    async close() {
      await closeDispatcher();
      await stopStack();
    },
  };
}
