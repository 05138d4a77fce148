// The mock's world, composed from one module per concept under state/: the clock, the seeded random streams, users
// (per app), session keys, login and phone codes, access tokens. Pure data and the rules that belong to the data
// (key rotation, code expiry, token overlap); the HTTP faces live in server-api/, client/ and admin/.
import { MockUsageError } from './errors.js';
import { resolveOptions, type MockOptions } from './options.js';
import { createRandom, type MockRandom } from './random.js';
import { DEFAULT_APP } from './state/apps.js';
import { createClock } from './state/clock.js';
import { createCodes } from './state/codes.js';
import { createSessionKeys } from './state/session-keys.js';
import { createTokens } from './state/tokens.js';
import { createUsers, DEFAULT_USERS } from './state/users.js';

export { DEFAULT_APP } from './state/apps.js';
export { DEFAULT_USERS, type AppRecord, type UserRecord } from './state/users.js';
export { ANON_AVATAR, ANON_NICKNAME, NICKNAMES, PLACES } from './state/profiles.js';
export type { SessionKeyRecord } from './state/session-keys.js';
export type { CodeRecord, PhoneCodeRecord } from './state/codes.js';
export type { TokenRecord } from './state/tokens.js';

export type MockState = ReturnType<typeof createState>;

export function createState(opts: MockOptions) {
  const options = resolveOptions(opts);
  const appConfigs = (opts.apps && opts.apps.length > 0 ? opts.apps : [DEFAULT_APP]).map((a) => ({ ...a }));
  if (new Set(appConfigs.map((a) => a.appid)).size !== appConfigs.length) {
    throw new MockUsageError('an appid is declared twice');
  }
  let rnd: MockRandom = createRandom(opts.seed);
  const seed = rnd.seed;
  const random = () => rnd;

  const clock = createClock(opts.now ?? Date.now);
  const users = createUsers(options, appConfigs, opts.users ?? DEFAULT_USERS, random);
  const keys = createSessionKeys(options, clock.now, random);
  const codes = createCodes(options, clock.now, random);
  const tokens = createTokens(clock.now, random);

  /** Back to the state right after build: clock, random streams, users, codes, keys (held by users) and tokens. */
  function reset(): void {
    clock.reset();
    rnd = createRandom(seed);
    codes.reset();
    tokens.reset();
    users.reset();
  }
  reset();

  return {
    ...users,
    ...keys,
    ...codes,
    ...tokens,
    options,
    seed,
    appConfigs,
    now: clock.now,
    advance: clock.advance,
    reset,
    random,
    defaultAppid: (): string => appConfigs[0]!.appid,
    newIv: (): string => rnd.stream('iv').bytes(16).toString('base64'),
    sizes: () => ({ ...codes.sizes(), ...tokens.sizes(), ...users.sizes() }),
  };
}
