// Public types of the mock (the shape agreed in CONTRACTS.md) and the few internal records shared by its modules.

/** The wx.* calls the client simulator plays, one `POST /__client/<name>` each. */
export const CLIENT_APIS = [
  'login',
  'checkSession',
  'getSetting',
  'authorize',
  'getUserInfo',
  'getUserProfile',
  'getPhoneNumber',
  'getWeRunData',
  'getShareInfo',
] as const;
export type ClientApiName = (typeof CLIENT_APIS)[number];

export interface MockAppConfig {
  appid: string;
  secret: string;
  /** Open-platform group id: users of the group's apps get one unionid shared across the group. */
  openPlatform?: string;
}

export type ConsentDecision = 'grant' | 'deny';

export interface MockUserSeed {
  alias?: string;
  appid?: string;
  openid?: string;
  unionid?: string;
  nickName?: string;
  avatarUrl?: string;
  gender?: 0 | 1 | 2;
  language?: string;
  city?: string;
  province?: string;
  country?: string;
  phoneNumber?: string;
  purePhoneNumber?: string;
  countryCode?: string;
  consent?: ConsentDecision | Record<string, ConsentDecision>;
  risk?: boolean;
}

export type SessionKeyRotation = 'always' | 'period' | 'never';

export interface MockOptions {
  seed?: number | string;
  apps?: MockAppConfig[];
  users?: MockUserSeed[];
  codeTtlSeconds?: number;
  phoneCodeTtlSeconds?: number;
  sessionKey?: { rotation?: SessionKeyRotation; rotationPeriodSeconds?: number; lifetimeSeconds?: number };
  loginRateLimitPerMinute?: number;
  strictUsers?: boolean;
  countryCodeType?: 'number' | 'string';
  journalLimit?: number;
  /** Users held across all apps (seeded, added or created on first use) before more are refused; 0 = no limit. Default 10000. */
  maxUsers?: number;
  /**
   * When set, every /__admin route requires `Authorization: Bearer <adminToken>` and answers 401 otherwise.
   * Visible ASCII, no spaces. The client simulator stays open.
   */
  adminToken?: string;
  /** The whole request (headers and body) must arrive within this many ms, else 408 and the socket closes. Default 30000. */
  requestTimeoutMs?: number;
  /** The request headers must arrive within this many ms (at most requestTimeoutMs). Default 10000, or requestTimeoutMs if lower. */
  headersTimeoutMs?: number;
  /** An idle keep-alive connection closes after this many ms. Default 5000. */
  keepAliveTimeoutMs?: number;
  /** Open connections at most; more are closed as they arrive. Default 1024. */
  maxConnections?: number;
  now?: () => number;
  /** fastify's logger: true, or pino options such as { level, stream }. Off by default. */
  logger?: boolean | { level?: string; stream?: NodeJS.WritableStream };
}

export interface MockUser {
  alias: string;
  appid: string;
  openid: string;
  unionid?: string;
  nickName: string;
  avatarUrl: string;
  gender: 0 | 1 | 2;
  language: string;
  city: string;
  province: string;
  country: string;
  phoneNumber: string;
  purePhoneNumber: string;
  countryCode: string;
  consent: { default: ConsentDecision; scopes: Record<string, ConsentDecision> };
  authSetting: Record<string, boolean>;
  risk: boolean;
}

export const FAULT_KINDS = ['errcode', 'latency', 'http5xx', 'drop', 'textPlain'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultSpec {
  /** A server-API or client-simulator path, or '*' for every server-API path (not the client simulator). */
  endpoint: string;
  kind: FaultKind;
  errcode?: number;
  errmsg?: string;
  latencyMs?: number;
  status?: number;
  /** How many requests the fault hits. Default 1; with a probability and no times, it never runs out. */
  times?: number;
  /** 0..1: each matching request is hit with this probability. */
  probability?: number;
}

export interface JournalEntry {
  id: number;
  time: string;
  method: string;
  path: string;
  query?: Record<string, unknown>;
  body?: unknown;
  status: number;
  errcode?: number;
  errMsg?: string;
  fault?: FaultKind;
  durationMs: number;
}

/** What a client-simulator call answers: the wx.* success or fail callback object. */
export interface ClientResult {
  errMsg: string;
  errno?: number;
  code?: string;
  authSetting?: Record<string, boolean>;
  userInfo?: {
    nickName: string;
    gender: number;
    language: string;
    city: string;
    province: string;
    country: string;
    avatarUrl: string;
  };
  rawData?: string;
  signature?: string;
  encryptedData?: string;
  iv?: string;
}

export interface ClientRequest {
  appid?: string;
  user: string;
}
export interface AuthorizeRequest extends ClientRequest {
  scope: string;
}
export interface UserInfoRequest extends ClientRequest {
  classic?: boolean;
  lang?: string;
  desc?: string;
}
export interface ShareInfoRequest extends ClientRequest {
  shareTicket?: string;
}

export interface MockClientApi {
  login(body: ClientRequest): ClientResult;
  checkSession(body: ClientRequest): ClientResult;
  getSetting(body: ClientRequest): ClientResult;
  authorize(body: AuthorizeRequest): ClientResult;
  getUserInfo(body: UserInfoRequest): ClientResult;
  getUserProfile(body: UserInfoRequest): ClientResult;
  getPhoneNumber(body: ClientRequest): ClientResult;
  getWeRunData(body: ClientRequest): ClientResult;
  getShareInfo(body: ShareInfoRequest): ClientResult;
}

export interface MockControl {
  apps(): MockAppConfig[];
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
  addFault(spec: FaultSpec): string;
  clearFaults(): number;
  journal(limit?: number): JournalEntry[];
  client: MockClientApi;
}
