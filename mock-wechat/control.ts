// `control`: the mock scripted in-process (tests, the CLI), and the only way the admin API reaches the mock's state.
import { wrapForControl } from './client/control-twin.js';
import type { MockClientApi } from './client/types.js';
import { MockUsageError } from './errors.js';
import type { ActiveFault, FaultSpec, Faults } from './faults.js';
import { CLIENT_PATHS } from './client/routes.js';
import { parseJournalQuery, type Journal, type JournalEntry, type JournalQuery, type UserOf } from './journal.js';
import { SERVER_ENDPOINTS } from './server-api/endpoints.js';
import type { MockState, MockStateSnapshot, SessionKeyRecord } from './state.js';
import { appPolicy } from './state/app-policy.js';
import type { MockAppConfig } from './state/apps.js';
import type { PhoneUsage } from './state/phone-usage.js';
import type { MockUser, MockUserSeed } from './state/user-schema.js';
import type { PaymentRecord, PaymentSeed } from './state/payments.js';

export interface MockControl {
  apps(): MockAppConfig[];
  /** What a bill would show for the app's phone-number verifications: successes by kind, quota, refusals. */
  phoneUsage(appid: string): PhoneUsage;
  /** The seed in use (a random one when none was given): pass it back as `seed` to replay the run. */
  seed(): string;
  /** The mock clock in ms (base clock plus every advanceClock). */
  now(): number;
  advanceClock(seconds: number): number;
  /** Back to the state right after build: users, codes, keys, tokens, faults, journal, clock and random streams. */
  reset(): void;
  addUser(seed: MockUserSeed): MockUser;
  getUser(openidOrAlias: string, appid?: string): MockUser | undefined;
  listUsers(appid?: string): MockUser[];
  /** The user's current session_key, or undefined when none is live. */
  sessionKey(appid: string, openid: string): string | undefined;
  /**
   * A new key now, as resetusersessionkey does (the old one dies; the new one keeps its expiry, or gets a full
   * lifetime when none was live). A MockUsageError (404) for an unknown user.
   */
  rotateSessionKey(appid: string, openid: string): SessionKeyRecord;
  /**
   * The live key lapses now: checksession refuses it and the next code exchange issues a new one. Answers the lapsed
   * key; a MockUsageError (404) for an unknown user or one with no live key.
   */
  expireSessionKey(appid: string, openid: string): SessionKeyRecord;
  addFault(spec: FaultSpec): string;
  /** Removes one active fault by the id addFault gave; a MockUsageError (404) when none has it (or it is spent). */
  removeFault(id: string): void;
  clearFaults(): number;
  /**
   * The journal, newest first: a number is a limit; an object filters by endpoint, openid, errcode, since/until, code
   * and limit (a MockUsageError names a bad filter). `journal({ endpoint: '/sns/jscode2session', code })` is every
   * exchange of one code.
   */
  journal(query?: number | JournalQuery): JournalEntry[];
  client: MockClientApi;
  /**
   * The world as JSON (`{ format: "wxlogin-mock-state/1", … }`): apps with their secrets, users with their session
   * keys, unexpired codes, access tokens, the clock's offset, the seed. Holds secrets: keep it private.
   */
  exportState(): MockStateSnapshot;
  /**
   * Replaces users, keys, codes, tokens, the clock's offset and the seed with a snapshot's (faults, the journal and
   * settings stay). The snapshot's apps must be this mock's; a bad snapshot is a MockUsageError naming the field, and
   * changes nothing. A later reset() goes back to the state right after build, not to the snapshot.
   */
  importState(snapshot: unknown): { users: number; codes: number; phoneCodes: number; tokens: number };
  /**
   * Records a WeChat Pay payment by the user (alias or openid) at the mock's current time: getPaidUnionid gives their
   * unionid for it during the next 5 minutes. transaction_id and out_trade_no are invented when left out.
   */
  recordPayment(input: PaymentInput): PaymentRecord;
}

/** A payment to record: the payer, their app (default: the only one) and, optionally, the order's ids. */
export interface PaymentInput extends PaymentSeed {
  user: string;
  appid?: string;
}

/** What the admin API needs beyond the public control: the live key with its expiry, and the active faults. */
export interface AdminControl extends MockControl {
  sessionKeyRecord(appid: string, openid: string): SessionKeyRecord | undefined;
  listFaults(): ActiveFault[];
}

const JOURNALLED = [...SERVER_ENDPOINTS, ...CLIENT_PATHS];

export function createControl(state: MockState, faults: Faults, journal: Journal, client: MockClientApi): AdminControl {
  // A client-simulator entry names its user as the call did (alias or openid): resolved when a query asks, without
  // creating anyone.
  const userOf: UserOf = (path, body) => {
    if (!path.startsWith('/__client/') || body === null || typeof body !== 'object') return undefined;
    const { user, appid } = body as { user?: unknown; appid?: unknown };
    if (typeof user !== 'string') return undefined;
    const a = state.app(typeof appid === 'string' ? appid : state.defaultAppid());
    return a && state.findUser(a, user)?.openid;
  };
  const sessionKeyRecord = (appid: string, openid: string) => {
    const u = state.user(appid, openid);
    return u ? state.liveKey(u) : undefined;
  };
  const userOrThrow = (appid: string, openid: string) => {
    const u = state.user(appid, openid);
    if (!u) throw new MockUsageError(`no user ${openid} in app ${appid}`, 404);
    return u;
  };
  // A copy without the cached signature: callers get the key's facts, not the mock's record.
  const keyView = ({ value, issuedAt, expiresAt }: SessionKeyRecord): SessionKeyRecord => ({ value, issuedAt, expiresAt });
  return {
    apps: () => state.appConfigs.map((a) => ({ ...a })),
    phoneUsage(appid) {
      const a = state.app(appid);
      if (!a) throw new MockUsageError(`unknown appid ${appid}`, 404);
      return state.phoneUsage.usage(appid, appPolicy(a.config).phoneQuota);
    },
    seed: () => state.seed,
    now: state.now,
    advanceClock: (seconds) => state.advance(seconds),
    reset() {
      state.reset();
      faults.clear();
      journal.clear();
    },
    addUser: (seed) => state.toMockUser(state.addUser(seed)),
    getUser(ref, appid) {
      const ids = appid === undefined ? [state.defaultAppid(), ...state.appConfigs.map((a) => a.appid)] : [appid];
      for (const id of ids) {
        const a = state.app(id);
        const u = a && state.findUser(a, ref);
        if (u) return state.toMockUser(u);
      }
      return undefined;
    },
    listUsers(appid) {
      const out = [];
      for (const a of state.apps()) {
        if (appid !== undefined && a.config.appid !== appid) continue;
        for (const u of a.byOpenid.values()) out.push(state.toMockUser(u));
      }
      return out;
    },
    sessionKey: (appid, openid) => sessionKeyRecord(appid, openid)?.value,
    sessionKeyRecord,
    rotateSessionKey: (appid, openid) => keyView(state.resetKey(userOrThrow(appid, openid))),
    expireSessionKey(appid, openid) {
      const k = state.expireKey(userOrThrow(appid, openid));
      if (!k) throw new MockUsageError(`no live session key for ${openid}`, 404);
      return keyView(k);
    },
    addFault: (spec) => faults.add(spec),
    removeFault(id) {
      if (!faults.remove(id)) throw new MockUsageError(`no active fault ${id}`, 404);
    },
    clearFaults: () => faults.clear(),
    listFaults: () => faults.list(),
    journal: (query) => {
      const filter = parseJournalQuery(typeof query === 'number' ? { limit: query } : query, JOURNALLED);
      return journal.query(filter, userOf);
    },
    client: wrapForControl(client),
    exportState: () => state.snapshot(),
    importState(snapshot) {
      state.restore(snapshot);
      const { users, codes, phoneCodes, tokens } = state.sizes();
      return { users, codes, phoneCodes, tokens };
    },
    recordPayment(input) {
      if (input === null || typeof input !== 'object' || typeof input.user !== 'string' || input.user === '') {
        throw new MockUsageError('payment: user is required');
      }
      const appid = input.appid ?? (state.appConfigs.length === 1 ? state.defaultAppid() : undefined);
      if (appid === undefined) throw new MockUsageError(`payment: appid is required (the mock serves ${state.appConfigs.length} apps)`);
      const a = state.app(appid);
      if (!a) throw new MockUsageError(`unknown appid ${appid}`, 404);
      const u = state.findUser(a, input.user);
      if (!u) throw new MockUsageError(`no user ${input.user} in app ${appid}`, 404);
      const { transaction_id, mch_id, out_trade_no } = input;
      return state.recordPayment(u, { transaction_id, mch_id, out_trade_no });
    },
  };
}
