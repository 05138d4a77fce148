// The JSON config file of `wxlogin mock --config FILE`: apps, users and policies. Parsed and checked once, with an
// error that names the file and the exact field, so a typo fails loudly instead of silently using a default.
import { readFile } from 'node:fs/promises';
import { adminTokenProblem } from './admin/auth.js';
import { userSeedProblem } from './limits.js';
import type { MockOptions } from './options.js';
import { appPolicyProblem } from './state/app-policy.js';
import type { MockAppConfig } from './state/apps.js';
import { USER_SEED_KEYS, USER_SEED_STRING_KEYS, type MockUserSeed } from './state/user-schema.js';

export class MockConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MockConfigError';
  }
}

/** What a config file may hold: the mock's options plus where `wxlogin mock` listens. */
export interface MockFileConfig extends MockOptions {
  port?: number;
  host?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

const TOP = [
  'seed',
  'apps',
  'users',
  'codeTtlSeconds',
  'phoneCodeTtlSeconds',
  'sessionKey',
  'loginRateLimitPerMinute',
  'strictUsers',
  'countryCodeType',
  'quirks',
  'wrongSecretErrcode',
  'encryptedMsgHash',
  'journalLimit',
  'maxUsers',
  'adminToken',
  'requestTimeoutMs',
  'headersTimeoutMs',
  'keepAliveTimeoutMs',
  'maxConnections',
  'port',
  'host',
];
const APP_KEYS = ['appid', 'secret', 'openPlatform', 'privacy', 'phoneQuota', 'phonePermission'];

export function validateMockConfig(value: unknown, where = 'mock config'): MockFileConfig {
  const fail = (msg: string): never => {
    throw new MockConfigError(`${where}: ${msg}`);
  };
  const known = (o: Obj, keys: readonly string[], at: string) => {
    for (const k of Object.keys(o)) {
      if (!keys.includes(k)) fail(`unknown key "${k}"${at ? ` in ${at}` : ''} (allowed: ${keys.join(', ')})`);
    }
  };
  const count = (o: Obj, k: string, at: string, min: number) => {
    const v = o[k];
    if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v >= min)) {
      fail(`${at}${k} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
    }
  };
  const text = (o: Obj, k: string, at: string, required = false) => {
    const v = o[k];
    if (v === undefined && !required) return;
    if (typeof v !== 'string' || v.trim() === '') fail(`${at}${k} must be a non-empty string, got ${JSON.stringify(v)}`);
  };

  if (!isObj(value)) return fail('the top level must be a JSON object');
  known(value, TOP, '');
  if (value.seed !== undefined && typeof value.seed !== 'string' && typeof value.seed !== 'number') {
    fail('seed must be a number or a string');
  }
  for (const k of ['codeTtlSeconds', 'phoneCodeTtlSeconds']) count(value, k, '', 1);
  for (const k of ['loginRateLimitPerMinute', 'journalLimit', 'maxUsers']) count(value, k, '', 0);
  for (const k of ['requestTimeoutMs', 'headersTimeoutMs', 'keepAliveTimeoutMs', 'maxConnections']) count(value, k, '', 1);
  if (
    typeof value.headersTimeoutMs === 'number' &&
    typeof value.requestTimeoutMs === 'number' &&
    value.headersTimeoutMs > value.requestTimeoutMs
  ) {
    fail(`headersTimeoutMs (${value.headersTimeoutMs}) must be at most requestTimeoutMs (${value.requestTimeoutMs})`);
  }
  if (value.adminToken !== undefined) {
    const problem = adminTokenProblem(value.adminToken);
    if (problem) fail(`adminToken ${problem}`);
  }
  count(value, 'port', '', 0);
  if (typeof value.port === 'number' && value.port > 65535) fail('port must be at most 65535');
  text(value, 'host', '');
  if (value.strictUsers !== undefined && typeof value.strictUsers !== 'boolean') fail('strictUsers must be true or false');
  if (value.countryCodeType !== undefined && value.countryCodeType !== 'number' && value.countryCodeType !== 'string') {
    fail('countryCodeType must be "number" or "string"');
  }
  if (value.quirks !== undefined && value.quirks !== 'off' && value.quirks !== 'rotate') {
    fail(`quirks must be "off" or "rotate", got ${JSON.stringify(value.quirks)}`);
  }
  if (value.wrongSecretErrcode !== undefined && value.wrongSecretErrcode !== 40125 && value.wrongSecretErrcode !== 40001) {
    fail('wrongSecretErrcode must be 40125 or 40001');
  }
  if (value.encryptedMsgHash !== undefined && value.encryptedMsgHash !== 'base64' && value.encryptedMsgHash !== 'bytes') {
    fail('encryptedMsgHash must be "base64" or "bytes"');
  }
  if (value.sessionKey !== undefined) {
    const sk = value.sessionKey;
    if (!isObj(sk)) return fail('sessionKey must be an object');
    known(sk, ['rotation', 'rotationPeriodSeconds', 'lifetimeSeconds'], 'sessionKey');
    if (sk.rotation !== undefined && !['always', 'period', 'never'].includes(sk.rotation as string)) {
      fail(`sessionKey.rotation must be "always", "period" or "never", got ${JSON.stringify(sk.rotation)}`);
    }
    count(sk, 'rotationPeriodSeconds', 'sessionKey.', 0);
    count(sk, 'lifetimeSeconds', 'sessionKey.', 1);
  }
  const appids: string[] = [];
  if (value.apps !== undefined) {
    if (!Array.isArray(value.apps) || value.apps.length === 0) fail('apps must be a non-empty array');
    (value.apps as unknown[]).forEach((a, i) => {
      const at = `apps[${i}]`;
      if (!isObj(a)) return fail(`${at} must be an object`);
      known(a, APP_KEYS, at);
      text(a, 'appid', `${at}.`, true);
      text(a, 'secret', `${at}.`, true);
      text(a, 'openPlatform', `${at}.`);
      const policy = appPolicyProblem(a);
      if (policy) fail(`${at}.${policy}`);
      if (appids.includes(a.appid as string)) fail(`${at}.appid ${String(a.appid)} is declared twice`);
      appids.push(a.appid as string);
    });
  }
  if (value.users !== undefined) {
    if (!Array.isArray(value.users)) fail('users must be an array');
    (value.users as unknown[]).forEach((u, i) => {
      const at = `users[${i}]`;
      if (!isObj(u)) return fail(`${at} must be an object`);
      known(u, USER_SEED_KEYS, at);
      for (const k of USER_SEED_STRING_KEYS) text(u, k, `${at}.`);
      const size = userSeedProblem(u as MockUserSeed);
      if (size) fail(`${at}.${size}`);
      if (u.gender !== undefined && ![0, 1, 2].includes(u.gender as number)) fail(`${at}.gender must be 0, 1 or 2`);
      if (u.risk !== undefined && typeof u.risk !== 'boolean') fail(`${at}.risk must be true or false`);
      if (u.privacyAgreed !== undefined && typeof u.privacyAgreed !== 'boolean') fail(`${at}.privacyAgreed must be true or false`);
      const c = u.consent;
      const decision = (v: unknown) => v === 'grant' || v === 'deny';
      if (c !== undefined && !decision(c) && !(isObj(c) && Object.values(c).every(decision))) {
        fail(`${at}.consent must be "grant", "deny" or an object of scope -> "grant"|"deny"`);
      }
      if (u.appid !== undefined && appids.length > 0 && !appids.includes(u.appid as string)) {
        fail(`${at}.appid ${String(u.appid)} is not one of the apps (${appids.join(', ')})`);
      }
    });
    const max = value.maxUsers as number | undefined;
    const users = value.users as Obj[];
    const records = users.reduce((n, u) => n + (u.appid === undefined ? Math.max(1, appids.length) : 1), 0);
    if (max !== undefined && max > 0 && records > max) {
      fail(`users: ${users.length} users make ${records} user records (one per app), more than maxUsers ${max}`);
    }
  }
  return value as MockFileConfig & { apps?: MockAppConfig[]; users?: MockUserSeed[] };
}

export async function loadMockConfig(file: string): Promise<MockFileConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new MockConfigError(`cannot read mock config ${file}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new MockConfigError(`mock config ${file} is not valid JSON: ${(err as Error).message}`);
  }
  return validateMockConfig(value, `mock config ${file}`);
}
