// The flags of the commands that talk to a backend (flow, login): where to point and the backend's contract. Light:
// commander only.
import { Option, type Command } from 'commander';
import type { ContractOverrides } from '../client/contract.js';
import { collect, positiveIntArg } from './flags.js';
import type { TargetOptions } from './targets.js';

export function addTargetOptions(cmd: Command, defaults: { backend?: string; mock?: string } = {}, o: { user?: boolean } = {}): Command {
  cmd
    .option('--backend <url>', defaults.backend ? 'backend under test' : 'backend under test (default: start the mock and the embedded reference backend)', defaults.backend)
    .option('--mock <url>', defaults.mock ? 'the mock WeChat that backend calls' : 'the mock WeChat that backend calls (required with --backend)', defaults.mock)
    .option('--app <appid>', "the mock's app to play, when it serves several");
  if (o.user !== false) cmd.option('--user <alias>', 'mock user (alias or openid; created on first use)');
  return cmd
    .addOption(new Option('--profile <name>', 'built-in backend contract (default: wxlogin)').choices(['wxlogin', 'seed']))
    .option('--contract <file>', 'JSON contract file: {"extends", "paths", "token", "tokenPath", "dataPath", "phoneBy"}; flags override it')
    .option('--path <step=path>', 'override a step\'s path, e.g. login=/api/login/ or "me=GET /api/me"; PATH "none" drops the step (repeatable)', collect)
    .addOption(new Option('--token-in <where>', 'where the token goes').choices(['header', 'body']))
    .option('--token-field <name>', 'body field (or query parameter on GET) carrying the token')
    .option('--token-header <name>', 'header carrying the token')
    .option('--token-scheme <scheme>', 'prefix before the token in the header ("" for none)')
    .option('--token-path <path>', 'JSON path of the token in the login answer (e.g. data.token)')
    .option('--data-path <path>', 'JSON path of the payload in answers (e.g. data)')
    .addOption(new Option('--phone-by <how>', 'send the phone step a phone code or encryptedData+iv').choices(['code', 'encrypted']))
    .option('--timeout <ms>', 'per-request timeout', positiveIntArg('--timeout'), 10_000);
}

/** The parsed flags: the contract overrides (the repeatable --path is `paths` there) plus where to point. */
export interface TargetFlags extends Omit<ContractOverrides, 'paths'> {
  backend?: string;
  mock?: string;
  app?: string;
  user?: string;
  contract?: string;
  path?: string[];
  timeout?: number;
}

export function targetOptions(f: TargetFlags): TargetOptions {
  return {
    backend: f.backend,
    mock: f.mock,
    app: f.app,
    timeout: f.timeout,
    profile: f.profile,
    contractFile: f.contract,
    paths: f.path,
    tokenIn: f.tokenIn,
    tokenField: f.tokenField,
    tokenHeader: f.tokenHeader,
    tokenScheme: f.tokenScheme,
    tokenPath: f.tokenPath,
    dataPath: f.dataPath,
    phoneBy: f.phoneBy,
  };
}
