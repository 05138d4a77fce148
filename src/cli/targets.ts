// Turns --backend/--mock/contract flags into clients, starting the embedded stack when no backend is given.
import { Agent } from 'undici';
import { readFile } from 'node:fs/promises';
import { resolveContract, ContractError, type ContractOverrides } from '../client/contract.js';
import { contractFileOverrides, mergeOverrides } from '../client/contract-file.js';
import { createBackendClient, type BackendClient } from '../client/backend-client.js';
import { createMockClient, type MockClient } from '../client/mock-client.js';
import { NetworkError, requestJson } from '../client/http.js';
import { CliError, usageError } from './errors.js';
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
  /**
   * Closes the pool (waiting for requests in flight, or with `abort` ending them at once, as after a Ctrl-C) and
   * stops the embedded stack.
   */
  close(o?: { abort?: boolean }): Promise<void>;
}

/** How long a target has to answer the reachability check. */
export const PROBE_TIMEOUT_MS = 5000;

/**
 * Checks that the mock and the backend given with --mock and --backend answer at all (any HTTP answer will do: a
 * 404 on the bare URL is fine), before a run reports the same dead address at every step. One error names every
 * target that does not answer and what to do about it.
 */
export async function checkTargetsAnswer(t: Targets, which: readonly ('mock' | 'backend')[] = ['mock', 'backend']): Promise<void> {
  if (t.embedded) return;
  const urls = { mock: t.mock.baseUrl, backend: t.backend.baseUrl };
  const results = await Promise.all(
    which.map(async (w) => {
      try {
        await requestJson({ url: urls[w] }, { dispatcher: t.dispatcher, timeoutMs: PROBE_TIMEOUT_MS });
        return undefined;
      } catch (err) {
        if (!(err instanceof NetworkError)) throw err;
        return { which: w, err };
      }
    }),
  );
  const dead = results.filter((r) => r !== undefined);
  if (dead.length === 0) return;
  const what = dead.map((d) => `the ${d.which === 'mock' ? 'mock WeChat' : 'backend'} at ${urls[d.which]} (${d.err.kind})`).join(' or ');
  const port = (url: string) => {
    const u = new URL(url);
    return u.port || (u.protocol === 'https:' ? '443' : '80');
  };
  const fix =
    dead.length === 2
      ? 'start them first (npx wxlogin up starts both)'
      : dead[0]!.which === 'mock'
        ? `start one (npx wxlogin mock --port ${port(urls.mock)})`
        : 'start it first';
  throw new CliError(
    `cannot reach ${what}: ${fix}, or leave out --backend and --mock to run the embedded mock and reference backend`,
    { code: 'unreachable', cause: dead[0]!.err },
  );
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
  const closeDispatcher = (abort = false) => (abort ? dispatcher.destroy() : dispatcher.close()).catch(() => undefined);
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
    async close(c = {}) {
      await closeDispatcher(c.abort === true);
      await stopStack();
    },
  };
}
