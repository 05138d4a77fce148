// A contract file (`--contract FILE`): checked key by key and turned into the same overrides the flags give.
import { ContractError, type BackendContract, type ContractOverrides } from './contract.js';

/**
 * What a contract file holds: a profile to start from and the parts that differ, e.g.
 * `{"extends": "seed", "paths": {"login": "auth/login/", "me": "GET auth/me/"}, "token": {"in": "header"}}`.
 */
export interface ContractFile {
  extends?: string;
  paths?: Record<string, string>;
  token?: Partial<BackendContract['token']>;
  tokenPath?: string;
  dataPath?: string;
  phoneBy?: string;
}

const FILE_KEYS = ['extends', 'paths', 'token', 'tokenPath', 'dataPath', 'phoneBy'];
const TOKEN_KEYS = ['in', 'field', 'header', 'scheme'];

/** Checks a parsed contract file and turns it into overrides; throws ContractError naming the bad key. */
export function contractFileOverrides(v: unknown): ContractOverrides {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new ContractError('the contract file must hold a JSON object');
  const f = v as Record<string, unknown>;
  for (const k of Object.keys(f)) {
    if (!FILE_KEYS.includes(k)) throw new ContractError(`unknown key "${k}" in the contract file (known: ${FILE_KEYS.join(', ')})`);
  }
  const str = (x: unknown, what: string): string | undefined => {
    if (x === undefined) return undefined;
    if (typeof x !== 'string') throw new ContractError(`${what} must be a string in the contract file`);
    return x;
  };
  const o: ContractOverrides = { profile: str(f.extends, 'extends'), tokenPath: str(f.tokenPath, 'tokenPath'), dataPath: str(f.dataPath, 'dataPath'), phoneBy: str(f.phoneBy, 'phoneBy') };
  if (f.paths !== undefined) {
    if (!f.paths || typeof f.paths !== 'object' || Array.isArray(f.paths)) throw new ContractError('paths must be an object of STEP: PATH');
    o.paths = Object.entries(f.paths as Record<string, unknown>).map(([k, p]) => `${k}=${str(p, `paths.${k}`) ?? ''}`);
  }
  if (f.token !== undefined) {
    if (!f.token || typeof f.token !== 'object' || Array.isArray(f.token)) throw new ContractError('token must be an object');
    const t = f.token as Record<string, unknown>;
    for (const k of Object.keys(t)) {
      if (!TOKEN_KEYS.includes(k)) throw new ContractError(`unknown key "token.${k}" in the contract file (known: ${TOKEN_KEYS.join(', ')})`);
    }
    o.tokenIn = str(t.in, 'token.in');
    o.tokenField = str(t.field, 'token.field');
    o.tokenHeader = str(t.header, 'token.header');
    o.tokenScheme = str(t.scheme, 'token.scheme');
  }
  return o;
}

/** Flags win over the file, the file over the profile. */
export function mergeOverrides(file: ContractOverrides, flags: ContractOverrides): ContractOverrides {
  const out: ContractOverrides = { ...file };
  for (const [k, v] of Object.entries(flags) as [keyof ContractOverrides, never][]) {
    if (v === undefined) continue;
    if (k === 'paths') out.paths = [...(file.paths ?? []), ...(v as string[])];
    else out[k] = v;
  }
  return out;
}
