// The mini program's side of WeChat, played over HTTP against the mock's client-simulator API (`/__client/*`),
// plus the admin reads a flow needs to check what the backend returned. Returns what the mock answered; a wx-level
// failure (`<api>:fail ...`) is a value, not an exception, because flows report it as a step result.
import { requestJson, joinUrl, type HttpDeps } from './http.js';

// The names come from the mock's own list (a constant module with no imports): one definition for both sides.
import { CLIENT_APIS, type ClientApiName as ClientApi, type FaultSpec, type JournalEntry, type JournalQuery } from '../../mock-wechat/types.js';

export { CLIENT_APIS, type ClientApi };

export interface WxResult {
  /** `errMsg` ends in `:ok`. */
  ok: boolean;
  errMsg: string;
  status: number;
  body: Record<string, unknown>;
  ms: number;
}

export interface MockUserView {
  alias?: string;
  appid: string;
  openid: string;
  unionid?: string;
  nickName: string;
  avatarUrl: string;
  gender: number;
  language: string;
  city: string;
  province: string;
  country: string;
  phoneNumber: string;
  purePhoneNumber: string;
  countryCode: string | number;
  [k: string]: unknown;
}

export interface MockAppView {
  appid: string;
  openPlatform?: string;
  [k: string]: unknown;
}

// The admin API's shapes are the mock's own public types (a type-only import: nothing of the mock is loaded).
/** A scripted failure, as POST /__admin/faults takes it. */
export type MockFaultSpec = FaultSpec;
/** One journal line (secrets masked by the mock: codes show their first 6 characters then `***`). */
export type MockJournalEntry = JournalEntry;
/** GET /__admin/journal filters (AND of the fields given). */
export type MockJournalQuery = Omit<JournalQuery, 'since' | 'until'> & { since?: number | string; until?: number | string };

export class MockApiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MockApiError';
  }
}

export interface MockClientOptions extends HttpDeps {
  baseUrl: string;
  /** The app the client plays; left out when the mock serves one app. */
  appid?: string;
}

export function createMockClient(opts: MockClientOptions) {
  const deps: HttpDeps = { dispatcher: opts.dispatcher, timeoutMs: opts.timeoutMs };
  const url = (p: string) => joinUrl(opts.baseUrl, p);

  async function wx(api: ClientApi, user: string, extra: Record<string, unknown> = {}): Promise<WxResult> {
    const body: Record<string, unknown> = { user, ...extra };
    if (opts.appid) body.appid = opts.appid;
    const res = await requestJson({ method: 'POST', url: url(`/__client/${api}`), body }, deps);
    const json = (res.json && typeof res.json === 'object' ? res.json : {}) as Record<string, unknown>;
    const errMsg = typeof json.errMsg === 'string' ? json.errMsg : `${api}:fail HTTP ${res.status} ${res.text.slice(0, 120)}`;
    return { ok: res.status === 200 && errMsg.endsWith(':ok'), errMsg, status: res.status, body: json, ms: res.ms };
  }

  async function admin<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T | undefined> {
    const res = await requestJson({ method, url: url(path), body }, deps);
    if (res.status === 404) return undefined;
    if (res.status >= 400 || res.json === undefined) {
      throw new MockApiError(`mock admin ${method} ${path} answered HTTP ${res.status}: ${res.text.slice(0, 200)}`);
    }
    return res.json as T;
  }

  function unwrapList<T>(v: unknown, key: string): T[] {
    if (Array.isArray(v)) return v as T[];
    if (v && typeof v === 'object' && Array.isArray((v as Record<string, unknown>)[key])) {
      return (v as Record<string, unknown>)[key] as T[];
    }
    return [];
  }

  function unwrapUser(v: unknown): MockUserView | undefined {
    if (!v || typeof v !== 'object') return undefined;
    const o = v as Record<string, unknown>;
    if (typeof o.openid === 'string') return o as MockUserView;
    if (o.user && typeof o.user === 'object') return o.user as MockUserView;
    return undefined;
  }

  return {
    baseUrl: opts.baseUrl,
    wx,
    login: (user: string) => wx('login', user),
    checkSession: (user: string) => wx('checkSession', user),
    getSetting: (user: string) => wx('getSetting', user),
    authorize: (user: string, scope: string) => wx('authorize', user, { scope }),
    getUserInfo: (user: string, classic = true) => wx('getUserInfo', user, { classic, withCredentials: true }),
    getPhoneNumber: (user: string) => wx('getPhoneNumber', user),
    getWeRunData: (user: string) => wx('getWeRunData', user),
    getShareInfo: (user: string) => wx('getShareInfo', user, { shareTicket: 'wxlogin-flow' }),

    async apps(): Promise<MockAppView[]> {
      return unwrapList<MockAppView>(await admin('GET', '/__admin/apps'), 'apps');
    },
    /** The user's current session_key (admin API), to check that a backend never hands it out. */
    async sessionKey(openidOrAlias: string): Promise<string | undefined> {
      const q = opts.appid ? `?appid=${encodeURIComponent(opts.appid)}` : '';
      const v = await admin<Record<string, unknown>>('GET', `/__admin/users/${encodeURIComponent(openidOrAlias)}/session-key${q}`);
      return typeof v?.session_key === 'string' ? v.session_key : undefined;
    },
    /** Adds a scripted fault; answers its id. */
    async addFault(spec: MockFaultSpec): Promise<string> {
      const v = await admin<{ id?: string }>('POST', '/__admin/faults', spec);
      return v?.id ?? '';
    },
    async clearFaults(): Promise<void> {
      await requestJson({ method: 'DELETE', url: url('/__admin/faults') }, deps);
    },
    /** The newest journal entries first: the last `query` ones, or those a query selects (AND of its fields). */
    async journal(query: number | MockJournalQuery = 100): Promise<MockJournalEntry[]> {
      const q: MockJournalQuery = typeof query === 'number' ? { limit: query } : { limit: 100, ...query };
      const p = new URLSearchParams();
      for (const [k, v] of Object.entries(q)) if (v !== undefined) p.set(k, String(v));
      return unwrapList<MockJournalEntry>(await admin('GET', `/__admin/journal?${p}`), 'entries');
    },
    /** Moves the mock's clock forward (codes and session keys age with it). */
    async advanceClock(seconds: number): Promise<void> {
      await admin('POST', '/__admin/clock', { advanceSeconds: seconds });
    },
    /** A user by openid or alias (the alias is looked up in the user list when the mock only indexes openids). */
    async user(openidOrAlias: string): Promise<MockUserView | undefined> {
      const q = opts.appid ? `?appid=${encodeURIComponent(opts.appid)}` : '';
      const direct = unwrapUser(await admin('GET', `/__admin/users/${encodeURIComponent(openidOrAlias)}${q}`));
      if (direct && (!opts.appid || direct.appid === opts.appid)) return direct;
      const all = unwrapList<MockUserView>(await admin('GET', `/__admin/users${q}`), 'users');
      return all.find(
        (u) => (u.alias === openidOrAlias || u.openid === openidOrAlias) && (!opts.appid || u.appid === opts.appid),
      );
    },
  };
}

export type MockClient = ReturnType<typeof createMockClient>;
