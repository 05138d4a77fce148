// JSON schemas of the admin API's bodies and answers. Users come from the one user definition (state/user-schema.ts).
const S = { type: 'string' } as const;
const I = { type: 'integer' } as const;

export const adminError = { type: 'object', properties: { error: S } } as const;
export const adminErrors = { 400: adminError, 404: adminError, 409: adminError } as const;

export const appidQuery = { type: 'object', properties: { appid: S } } as const;
export const openidParams = { type: 'object', properties: { openid: S } } as const;

export const appidParams = { type: 'object', properties: { appid: S } } as const;
export const faultIdParams = { type: 'object', properties: { id: S } } as const;

const COUNT = { type: 'integer' } as const;
const LIMIT = { type: ['integer', 'null'] } as const;
/** GET /__admin/apps/:appid/usage: the counts a bill would show (state/phone-usage.ts). */
export const phoneUsageSchema = {
  type: 'object',
  properties: {
    phoneNumber: {
      type: 'object',
      properties: { appid: S, quick: COUNT, realtime: COUNT, refusedNoQuota: COUNT, quota: LIMIT, remaining: LIMIT },
    },
  },
} as const;

export const appSchema = { type: 'object', properties: { appid: S, secret: S, openPlatform: S } } as const;

export const sessionKeySchema = { type: 'object', properties: { appid: S, openid: S, session_key: S, expiresAt: S } } as const;

export const faultSchema = {
  type: 'object',
  properties: {
    id: S,
    endpoint: S,
    kind: S,
    errcode: I,
    errmsg: S,
    latencyMs: I,
    status: I,
    times: { type: ['integer', 'null'] },
    probability: { type: 'number' },
    remaining: { type: ['integer', 'null'] },
    when: S,
  },
} as const;

export const journalEntrySchema = {
  type: 'object',
  properties: {
    id: I,
    time: S,
    method: S,
    path: S,
    query: { type: 'object', additionalProperties: true },
    body: {},
    status: I,
    errcode: I,
    errMsg: S,
    openid: S,
    quirks: { type: 'array', items: S },
    fault: S,
    faultWhen: S,
    durationMs: { type: 'number' },
  },
} as const;

export const clockBody = {
  type: 'object',
  required: ['advanceSeconds'],
  additionalProperties: false,
  properties: { advanceSeconds: { type: 'number', minimum: 0 } },
} as const;

export const clockSchema = { type: 'object', properties: { now: I, time: S } } as const;

export const list = (key: string, items: object) => ({ type: 'object', properties: { [key]: { type: 'array', items } } }) as const;
export const one = (key: string, type: string) => ({ type: 'object', properties: { [key]: { type } } }) as const;

/** GET /__admin/state: the snapshot as control.exportState() builds it (state/snapshot.ts), every field kept. */
export const stateSnapshotSchema = { type: 'object', additionalProperties: true } as const;
/** POST /__admin/state: what was restored. */
export const stateImportedSchema = {
  type: 'object',
  properties: { users: I, codes: I, phoneCodes: I, tokens: I },
} as const;
