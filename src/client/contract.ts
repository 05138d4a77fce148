// What the simulated client needs to know about a backend's API: where each step lives, where the token goes and
// where it comes back. Two built-in profiles; every part can be overridden from the command line.
export const BACKEND_STEPS = ['login', 'userinfo', 'phone', 'werun', 'shareinfo', 'me', 'sessionCheck', 'logout'] as const;
export type BackendStep = (typeof BACKEND_STEPS)[number];

export const TOKEN_PLACEMENTS = ['header', 'body'] as const;
export type TokenPlacement = (typeof TOKEN_PLACEMENTS)[number];

export interface BackendContract {
  profile: string;
  /** Path of each step relative to the backend URL; a step without a path is not offered by the backend. */
  paths: Partial<Record<BackendStep, string>>;
  methods: Partial<Record<BackendStep, 'GET' | 'POST'>>;
  token: {
    /** `header`: `<header>: <scheme> <token>`; `body`: a JSON body field (and `?<field>=` on GET requests). */
    in: TokenPlacement;
    field: string;
    header: string;
    scheme: string;
  };
  /** Dotted JSON path of the token in the login response. */
  tokenPath: string;
  /** Dotted JSON path of the payload in every other response (`data` for `{code, msg, data}` envelopes). */
  dataPath: string;
  /** How the phone step proves the number: the new phone `code`, or the old encryptedData + iv. */
  phoneBy: 'code' | 'encrypted';
}

export const PROFILES = {
  /** The reference backend (`wxlogin backend`). */
  wxlogin: {
    profile: 'wxlogin',
    paths: {
      login: '/login',
      userinfo: '/userinfo',
      phone: '/phone',
      werun: '/werun',
      shareinfo: '/shareinfo',
      me: '/me',
      sessionCheck: '/session/check',
      logout: '/logout',
    },
    methods: { me: 'GET' },
    token: { in: 'header', field: 'token', header: 'authorization', scheme: 'Bearer' },
    tokenPath: 'data.token',
    dataPath: 'data',
    phoneBy: 'code',
  },
  /** The classic Django tutorial: `POST login/ {code}` → `data.token`; `POST userinfo/ {encryptedData, iv, token}`. */
  seed: {
    profile: 'seed',
    paths: { login: 'login/', userinfo: 'userinfo/' },
    methods: {},
    token: { in: 'body', field: 'token', header: 'authorization', scheme: 'Bearer' },
    tokenPath: 'data.token',
    dataPath: 'data',
    phoneBy: 'encrypted',
  },
} as const satisfies Record<string, BackendContract>;

export type ProfileName = keyof typeof PROFILES;

export interface ContractOverrides {
  profile?: string;
  /** `step=PATH` entries; PATH `none` removes the step. */
  paths?: string[];
  tokenIn?: string;
  tokenField?: string;
  tokenHeader?: string;
  tokenScheme?: string;
  tokenPath?: string;
  dataPath?: string;
  phoneBy?: string;
}

export class ContractError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContractError';
  }
}

function clone(c: BackendContract): BackendContract {
  return { ...c, paths: { ...c.paths }, methods: { ...c.methods }, token: { ...c.token } };
}

/** Builds a contract from a profile name and overrides; throws ContractError naming the bad value. */
export function resolveContract(o: ContractOverrides = {}): BackendContract {
  const name = o.profile ?? 'wxlogin';
  if (!Object.hasOwn(PROFILES, name)) {
    throw new ContractError(`unknown profile "${name}" (known: ${Object.keys(PROFILES).join(', ')})`);
  }
  const c = clone(PROFILES[name as ProfileName]);
  for (const entry of o.paths ?? []) {
    const eq = entry.indexOf('=');
    const step = eq > 0 ? entry.slice(0, eq) : '';
    const path = eq > 0 ? entry.slice(eq + 1) : '';
    if (!(BACKEND_STEPS as readonly string[]).includes(step) || path === '') {
      throw new ContractError(`bad --path "${entry}": expected STEP=PATH with STEP one of ${BACKEND_STEPS.join(', ')}`);
    }
    const s = step as BackendStep;
    if (path === 'none') delete c.paths[s];
    else {
      const m = /^(GET|POST)\s+(.+)$/i.exec(path);
      if (m) {
        c.methods[s] = m[1]!.toUpperCase() as 'GET' | 'POST';
        c.paths[s] = m[2]!;
      } else c.paths[s] = path;
    }
  }
  if (!c.paths.login) throw new ContractError('the contract needs a login path');
  if (o.tokenIn !== undefined) {
    if (!(TOKEN_PLACEMENTS as readonly string[]).includes(o.tokenIn)) {
      throw new ContractError(`bad --token-in "${o.tokenIn}": expected header or body`);
    }
    c.token.in = o.tokenIn as TokenPlacement;
  }
  if (o.tokenField !== undefined) c.token.field = o.tokenField;
  if (o.tokenHeader !== undefined) c.token.header = o.tokenHeader.toLowerCase();
  if (o.tokenScheme !== undefined) c.token.scheme = o.tokenScheme;
  if (o.tokenPath !== undefined) c.tokenPath = o.tokenPath;
  if (o.dataPath !== undefined) c.dataPath = o.dataPath;
  if (o.phoneBy !== undefined) {
    if (o.phoneBy !== 'code' && o.phoneBy !== 'encrypted') {
      throw new ContractError(`bad --phone-by "${o.phoneBy}": expected code or encrypted`);
    }
    c.phoneBy = o.phoneBy;
  }
  return c;
}
