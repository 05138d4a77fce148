// The mock's world, composed from one module per concept under state/: the clock, the seeded random streams, users
// (per app), session keys, login and phone codes, access tokens. Pure data and the rules that belong to the data
// (key rotation, code expiry, token overlap); the HTTP faces live in server-api/, client/ and admin/.
import { MockUsageError } from './errors.js';
import { resolveOptions, type MockOptions } from './options.js';
import { appPolicyProblem } from './state/app-policy.js';
import { DEFAULT_APP } from './state/apps.js';
import { createClock } from './state/clock.js';
import { createCodes } from './state/codes.js';
import { createEncryptedMsgs, encryptedMsgHashOf } from './state/encrypted-msgs.js';
import { createPayments } from './state/payments.js';
import { createPluginCodes } from './state/plugin-codes.js';
import { createRids } from './state/rids.js';
import { createPhoneUsage } from './state/phone-usage.js';
import { createRandomSource } from './state/random-source.js';
import { createStateSnapshot } from './state/snapshot.js';
import { createSessionKeys } from './state/session-keys.js';
import { createTokens } from './state/tokens.js';
import { createUsers, DEFAULT_USERS } from './state/users.js';

export { DEFAULT_APP } from './state/apps.js';
export { DEFAULT_USERS, type AppRecord, type UserRecord } from './state/users.js';
export { ANON_AVATAR, ANON_NICKNAME, NICKNAMES, PLACES } from './state/profiles.js';
export type { SessionKeyRecord } from './state/session-keys.js';
export type { CodeRecord, PhoneCodeRecord } from './state/codes.js';
export type { TokenRecord } from './state/tokens.js';
export { SNAPSHOT_FORMAT, type MockStateSnapshot } from './state/snapshot.js';
export type { PaymentRecord, PaymentSeed } from './state/payments.js';
export type { PluginCodeRecord } from './state/plugin-codes.js';

export type MockState = ReturnType<typeof createState>;

export function createState(opts: MockOptions) {
  const options = resolveOptions(opts);
  const appConfigs = (opts.apps && opts.apps.length > 0 ? opts.apps : [DEFAULT_APP]).map((a) => ({ ...a }));
  if (new Set(appConfigs.map((a) => a.appid)).size !== appConfigs.length) {
    throw new MockUsageError('an appid is declared twice');
  }
  for (const a of appConfigs) {
    const problem = appPolicyProblem(a);
    if (problem) throw new MockUsageError(`app ${a.appid}: ${problem}`);
  }
  const rng = createRandomSource(opts.seed);
  const random = rng.random;

  const clock = createClock(opts.now ?? Date.now);
  const users = createUsers(options, appConfigs, opts.users ?? DEFAULT_USERS, random);
  const keys = createSessionKeys(options, clock.now, random);
  const codes = createCodes(options, clock.now, random);
  const tokens = createTokens(clock.now, random);
  const payments = createPayments(clock.now, random);
  const pluginCodes = createPluginCodes(options, clock.now, random);
  const encryptedMsgs = createEncryptedMsgs(encryptedMsgHashOf(opts), clock.now);
  const rids = createRids(clock.now);
  const phoneUsage = createPhoneUsage();

  /** Back to the state right after build: clock, random streams, users, codes, keys (held by users) and tokens. */
  function reset(): void {
    clock.reset();
    rng.reset();
    codes.reset();
    tokens.reset();
    users.reset();
    payments.resetPayments();
    pluginCodes.resetPluginCodes();
    encryptedMsgs.resetEncrypted();
    rids.resetRids();
    phoneUsage.reset();
  }
  reset();

  // The modules a snapshot holds, restored in this order (users before the codes that name them). A new module with
  // data worth keeping across a restart gives itself snapshot()/restore() (see state/snapshot.ts) and joins here.
  const snapshots = createStateSnapshot({
    // app-policy.ts holds none: an app's policy is its config, fixed at build.
    parts: { clock, random: rng, users, codes, tokens, payments, pluginCodes, encryptedMsgs, rids, phoneUsage },
    required: ['users'],
    appConfigs,
    options,
    seed: rng.seed,
    now: clock.now,
    reset,
  });

  return {
    ...users,
    ...keys,
    ...codes,
    ...tokens,
    ...payments,
    ...pluginCodes,
    ...encryptedMsgs,
    ...rids,
    options,
    /** The seed in use: the build's, or a restored snapshot's. */
    get seed(): string {
      return rng.seed();
    },
    appConfigs,
    phoneUsage,
    now: clock.now,
    advance: clock.advance,
    reset,
    /** The world as JSON (state/snapshot.ts), and back: restore throws a MockUsageError before changing anything. */
    snapshot: snapshots.exportState,
    restore: snapshots.importState,
    random,
    defaultAppid: (): string => appConfigs[0]!.appid,
    newIv: (): string => random().stream('iv').bytes(16).toString('base64'),
    sizes: () => ({ ...codes.sizes(), ...tokens.sizes(), ...users.sizes() }),
  };
}
