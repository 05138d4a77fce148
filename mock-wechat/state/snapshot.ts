// The mock's world as one JSON document, so it survives a restart (as the Firebase emulators' --import and
// --export-on-exit keep their data: https://firebase.google.com/docs/emulator-suite/install_and_configure). Each
// state module that holds data offers a `snapshot()` / `restore()` pair; `createStateSnapshot` composes them under
// `modules.<name>`, so a new module joins by adding its pair to the list in state.ts. Restoring checks every part
// first and changes nothing until all pass: a bad file is a 400 naming the field, never a half-restored mock.
import { TypeRegistry, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { MockUsageError } from '../errors.js';
import type { ResolvedOptions } from '../options.js';
import type { MockAppConfig } from './apps.js';

export const SNAPSHOT_FORMAT = 'wxlogin-mock-state/1';

// The user schema's enums (gender, consent decisions) are Type.Unsafe: plain JSON schema, for the admin API's ajv.
// TypeBox's own checker must be told what they mean; any other Unsafe schema fails, so it cannot pass unchecked.
if (!TypeRegistry.Has('Unsafe')) {
  TypeRegistry.Set<{ enum?: unknown[] }>('Unsafe', (schema, value) => Array.isArray(schema.enum) && schema.enum.includes(value));
}

export interface RestoreContext {
  hasApp(appid: string): boolean;
  /** Whether the snapshot being restored holds this user (filled by the users part, which is checked first). */
  hasUser(appid: string, openid: string): boolean;
  addUser(appid: string, openid: string): void;
}

/**
 * What a state module adds to take part: `snapshot()` returns plain JSON; `restore(part, path, ctx)` checks the part
 * (a MockUsageError naming `path` and the field) and returns the function that installs it.
 */
export interface SnapshotPart {
  snapshot(): unknown;
  restore(part: unknown, path: string, ctx: RestoreContext): () => void;
}

/** The settings a snapshot records, in the config file's words, so `wxlogin mock --import` starts with them again. */
export interface SnapshotSettings {
  codeTtlSeconds: number;
  phoneCodeTtlSeconds: number;
  sessionKey: { rotation: ResolvedOptions['rotation']; rotationPeriodSeconds: number; lifetimeSeconds: number };
  loginRateLimitPerMinute: number;
  strictUsers: boolean;
  countryCodeType: ResolvedOptions['countryCodeType'];
  quirks: ResolvedOptions['quirks'];
  wrongSecretErrcode: ResolvedOptions['wrongSecretErrcode'];
  journalLimit: number;
  maxUsers: number;
}

export interface MockStateSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  /** The mock's clock when written (ISO). */
  savedAt: string;
  seed: string;
  apps: MockAppConfig[];
  settings: SnapshotSettings;
  modules: Record<string, unknown>;
}

/** `value` as `schema` says, or a 400 naming the first wrong field (`modules.users.users[3].openid: ...`). */
export function checkPart<S extends TSchema>(schema: S, value: unknown, path: string): Static<S> {
  const e = Value.Errors(schema, value).First();
  if (!e) return value as Static<S>;
  const choices = (e.schema as { enum?: unknown[] }).enum;
  const message = Array.isArray(choices) ? `must be one of ${choices.map((c) => JSON.stringify(c)).join(', ')}` : e.message.toLowerCase();
  throw new MockUsageError(`state: ${fieldPath(path, e.path)}: ${message}`);
}

/** A 400 about one field of the snapshot. */
export function badField(path: string, message: string): MockUsageError {
  return new MockUsageError(`state: ${path}: ${message}`);
}

/** `modules.users` + `/users/3/openid` -> `modules.users.users[3].openid`. */
function fieldPath(base: string, pointer: string): string {
  let out = base;
  for (const seg of pointer.split('/').slice(1)) out += /^\d+$/.test(seg) ? `[${seg}]` : `.${seg.replace(/~1/g, '/').replace(/~0/g, '~')}`;
  return out;
}

const settingsOf = (o: ResolvedOptions): SnapshotSettings => ({
  codeTtlSeconds: o.codeTtlMs / 1000,
  phoneCodeTtlSeconds: o.phoneCodeTtlMs / 1000,
  sessionKey: { rotation: o.rotation, rotationPeriodSeconds: o.rotationPeriodMs / 1000, lifetimeSeconds: o.keyLifetimeMs / 1000 },
  loginRateLimitPerMinute: o.loginRateLimitPerMinute,
  strictUsers: o.strictUsers,
  countryCodeType: o.countryCodeType,
  quirks: o.quirks,
  wrongSecretErrcode: o.wrongSecretErrcode,
  journalLimit: o.journalLimit,
  maxUsers: o.maxUsers,
});

const TOP_KEYS = ['format', 'savedAt', 'seed', 'apps', 'settings', 'modules'];
const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export function createStateSnapshot(deps: {
  parts: Record<string, SnapshotPart>;
  /** Parts a snapshot must hold (the others start as after reset when absent). */
  required: readonly string[];
  appConfigs: readonly MockAppConfig[];
  options: ResolvedOptions;
  seed: () => string;
  now: () => number;
  /** Back to the state right after build, before the parts are installed. */
  reset: () => void;
}) {
  const { parts, appConfigs } = deps;

  function exportState(): MockStateSnapshot {
    const modules: Record<string, unknown> = {};
    for (const [name, p] of Object.entries(parts)) modules[name] = p.snapshot();
    return {
      format: SNAPSHOT_FORMAT,
      savedAt: new Date(deps.now()).toISOString(),
      seed: deps.seed(),
      apps: appConfigs.map((a) => ({ ...a })),
      settings: settingsOf(deps.options),
      modules,
    };
  }

  /** The apps are the mock's own (they are fixed at build): the snapshot must name the same ones, with the same secrets. */
  function checkApps(apps: unknown): void {
    if (!Array.isArray(apps)) throw badField('apps', 'must be an array of {appid, secret, openPlatform?}');
    const mine = appConfigs.map((a) => a.appid);
    apps.forEach((a, i) => {
      if (!isObj(a) || typeof a.appid !== 'string') throw badField(`apps[${i}].appid`, 'must be a string');
      const own = appConfigs.find((c) => c.appid === a.appid);
      if (!own) {
        throw new MockUsageError(
          `state: apps[${i}].appid ${a.appid} is not served by this mock (it serves ${mine.join(', ')}); ` +
            'start the mock with the snapshot\'s apps (wxlogin mock --import FILE takes them from the file)',
          409,
        );
      }
      // Never echo a secret: say which app differs.
      if (a.secret !== own.secret) throw new MockUsageError(`state: apps[${i}].secret differs from the secret this mock has for ${a.appid}`, 409);
      if ((a.openPlatform ?? undefined) !== own.openPlatform) {
        throw new MockUsageError(`state: apps[${i}].openPlatform differs from this mock's for ${a.appid}`, 409);
      }
    });
    const named = new Set(apps.map((a) => (a as { appid: string }).appid));
    const missing = mine.filter((id) => !named.has(id));
    if (missing.length > 0 || named.size !== apps.length) {
      throw new MockUsageError(`state: apps must name each of this mock's apps once (${mine.join(', ')})`, 409);
    }
  }

  /** Replaces the world with the snapshot's (faults and the journal stay). Throws before changing anything. */
  function importState(snapshot: unknown): void {
    if (!isObj(snapshot)) throw new MockUsageError('state: a snapshot is a JSON object');
    if (snapshot.format !== SNAPSHOT_FORMAT) {
      throw badField('format', `must be "${SNAPSHOT_FORMAT}", got ${JSON.stringify(snapshot.format) ?? 'nothing'}`);
    }
    for (const k of Object.keys(snapshot)) if (!TOP_KEYS.includes(k)) throw badField(k, `unknown field (allowed: ${TOP_KEYS.join(', ')})`);
    if (snapshot.savedAt !== undefined && typeof snapshot.savedAt !== 'string') throw badField('savedAt', 'must be a string');
    if (snapshot.seed !== undefined && typeof snapshot.seed !== 'string') throw badField('seed', 'must be a string');
    // Settings shape the mock at build (wxlogin mock --import reads them then); a running mock keeps its own.
    if (snapshot.settings !== undefined && !isObj(snapshot.settings)) throw badField('settings', 'must be an object');
    checkApps(snapshot.apps);
    const modules = snapshot.modules;
    if (!isObj(modules)) throw badField('modules', 'must be an object');
    const known = Object.keys(parts);
    for (const k of Object.keys(modules)) {
      if (!known.includes(k)) throw badField(`modules.${k}`, `this mock has no such state module (it has ${known.join(', ')})`);
    }
    for (const k of deps.required) if (modules[k] === undefined) throw badField(`modules.${k}`, 'is required');

    const users = new Set<string>();
    const ctx: RestoreContext = {
      hasApp: (appid) => appConfigs.some((a) => a.appid === appid),
      hasUser: (appid, openid) => users.has(`${appid}\0${openid}`),
      addUser: (appid, openid) => void users.add(`${appid}\0${openid}`),
    };
    const installs: Array<() => void> = [];
    for (const [name, p] of Object.entries(parts)) {
      if (modules[name] !== undefined) installs.push(p.restore(modules[name], `modules.${name}`, ctx));
    }
    deps.reset();
    for (const install of installs) install();
  }

  return { exportState, importState };
}
