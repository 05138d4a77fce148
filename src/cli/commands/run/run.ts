// `wxlogin run`: checks the flags and the scenario file, checks that the mock answers, runs the program
// (src/runtime) and answers its report.
import { readFile } from 'node:fs/promises';
import { NetworkError, requestJson } from '../../../client/http.js';
import {
  parseMapping,
  parseScenario,
  parseTap,
  ProgramError,
  runProgram,
  ScenarioError,
  StorageFileError,
  UrlMapError,
  type RunReport,
  type Scenario,
} from '../../../runtime/index.js';
import { CliError, usageError } from '../../errors.js';
import { toHttpUrl } from '../../flags.js';
import { PROBE_TIMEOUT_MS } from '../../targets.js';
import type { RunFlags } from './command.js';

export type RunResult = RunReport & { mock: string };

export async function runMiniProgram(o: RunFlags & { dir: string }): Promise<RunResult> {
  const mock = toHttpUrl(o.mock);
  if (!mock) throw usageError(`--mock must be an http(s) URL, got "${o.mock}"`);
  let taps;
  let maps;
  try {
    taps = o.tap.map(parseTap);
    maps = o.map.map(parseMapping);
  } catch (err) {
    if (err instanceof ScenarioError) throw usageError(`--tap: ${err.message}`);
    if (err instanceof UrlMapError) throw usageError(`--map: ${err.message}`);
    throw err;
  }
  let scenario: Scenario = { steps: [], expect: [] };
  if (o.scenario) {
    let text: string;
    try {
      text = await readFile(o.scenario, 'utf8');
    } catch (err) {
      throw usageError(`cannot read the scenario ${o.scenario}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    try {
      scenario = parseScenario(JSON.parse(text), o.scenario);
    } catch (err) {
      if (err instanceof SyntaxError) throw usageError(`the scenario ${o.scenario} is not JSON: ${err.message}`);
      if (err instanceof ScenarioError) throw usageError(err.message);
      throw err;
    }
  }
  try {
    await requestJson({ url: mock }, { timeoutMs: PROBE_TIMEOUT_MS });
  } catch (err) {
    if (err instanceof NetworkError) {
      throw new CliError(`cannot reach the mock WeChat at ${mock} (${err.kind}): start it first (npx wxlogin up, or npx wxlogin mock)`, { code: 'unreachable', cause: err });
    }
    throw err;
  }
  try {
    const report = await runProgram({
      dir: o.dir,
      mock,
      appid: o.app,
      // The flag's default is "alice": a scenario's user counts unless --user was given another.
      user: o.user !== 'alice' || !scenario.user ? (o.user ?? 'alice') : scenario.user,
      sdkVersion: o.sdkVersion,
      storage: o.storage,
      map: maps,
      taps: [...scenario.steps, ...taps],
      expect: scenario.expect,
      timerBoundMs: o.wait,
    });
    return { ...report, mock };
  } catch (err) {
    if (err instanceof ProgramError || err instanceof StorageFileError) throw new CliError(err.message, { code: 'bad_program' });
    throw err;
  }
}
