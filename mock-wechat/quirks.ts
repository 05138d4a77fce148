// Where WeChat's captures and its docs disagree on the wire form of an answer, every variant seen is listed here, with
// where it applies and where it was seen. With `quirks: "off"` (the default) the mock writes each quirk's default: the
// most recent evidence, per endpoint where the evidence differs (`defaultFor`; countryCode follows the
// `countryCodeType` setting); with `quirks: "rotate"` each server-API answer takes the next variant of every quirk
// that applies to it, so a backend meets them all. Rotation deals each quirk's variants from a shuffled deck drawn
// from the seeded stream `quirks:<name>`: a quirk with V variants shows every one of them in each run of V answers it
// applies to, and the same seed deals the same sequence.
import type { MockRandom, RandomStream } from './random.js';
import { SERVER_ENDPOINTS, type ServerEndpoint } from './server-api/endpoints.js';

export const QUIRK_MODES = ['off', 'rotate'] as const;
export type QuirkMode = (typeof QUIRK_MODES)[number];

interface QuirkDef {
  readonly variants: readonly string[];
  readonly endpoints: readonly ServerEndpoint[];
  /** Which answers it touches: successes, WeChat errors (errcode bodies), or both. */
  readonly answers: 'success' | 'error' | 'all';
  /** The variant `quirks: "off"` writes: the most recent evidence. */
  readonly default: string;
  /** Endpoints whose most recent evidence is another variant. */
  readonly defaultFor?: Partial<Record<ServerEndpoint, string>>;
}

const ALL: readonly ServerEndpoint[] = SERVER_ENDPOINTS;

export const QUIRKS = {
  // The media type of jscode2session answers. json: what an API answering JSON says. textPlain: the most recent
  // capture of a jscode2session answer (2024-08-22, an error, status 200, `Content-Type: text/plain`,
  // https://developers.weixin.qq.com/community/develop/doc/oCJUsw_WGtOtpmsDhuVbkjyF2OCI), so the default; no
  // capture shows a jscode2session answer labelled JSON.
  contentType: { variants: ['json', 'textPlain'], endpoints: ['/sns/jscode2session'], answers: 'all', default: 'textPlain' },
  // The parameter of an application/json label. charsetUtf8: `application/json; charset=utf-8` (RFC 8259's form,
  // the default where no capture shows a label). encodingUtf8: `application/json; encoding=utf-8`, the one capture of
  // cgi-bin/token's label (2017, https://developers.weixin.qq.com/community/develop/doc/oCJUswzfw2gpeZutwxAhV6LNKVjc),
  // so cgi-bin/token's default.
  charset: {
    variants: ['charsetUtf8', 'encodingUtf8'],
    endpoints: ALL,
    answers: 'all',
    default: 'charsetUtf8',
    defaultFor: { '/cgi-bin/token': 'encodingUtf8' },
  },
  // jscode2session's lifetime field. noExpiresIn: the current doc and today's captures carry session_key and openid
  // only (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-login/code2Session.html), the default.
  // legacyExpiresIn: early answers added `"expires_in":7200` (wechatpy's fixture tests/fixtures/sns_jscode2session.json).
  expiresIn: {
    variants: ['noExpiresIn', 'legacyExpiresIn'],
    endpoints: ['/sns/jscode2session'],
    answers: 'success',
    default: 'noExpiresIn',
  },
  // phone_info.countryCode. countryCodeString: the doc's field table, the Go and Java SDK types, the old encrypted
  // payload ("86"). countryCodeNumber: the doc's example (`"countryCode":86`) and wechatpy's fixture
  // (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-info/phone-number/getPhoneNumber.html). The
  // current page shows both, so no evidence is newer: with quirks off the `countryCodeType` setting decides
  // (default "string"); `default` here is that setting's default.
  countryCode: {
    variants: ['countryCodeString', 'countryCodeNumber'],
    endpoints: ['/wxa/business/getuserphonenumber'],
    answers: 'success',
    default: 'countryCodeString',
  },
  // The request-trace suffix of errmsg. rid: ` rid: 6166f719-6cb5d09c-633ab469` (since about 2020), the default: the
  // newest samples of cgi-bin/token (`reach max api daily quota limit, … rid: 6513aa28-…`, 2023, community
  // 00024831d907583f476096a6461c00), stable_token (`appid missing rid: 65107638-…`, 2023, community
  // 000408503c44689e1960093436fc00), checksession (`invalid signature rid: 6552e3da-…`, 2023), getpaidunionid
  // (`invalid trade rid: 64e48286-…`, 2023) and getpluginopenpid (`get no data rid: 637a0002-…`, 2022).
  // ridComma: `, rid: …`: jscode2session's newest samples (`invalid code, rid: 66c69111-…`, 2024-08, community
  // oCJUsw_WGtOtpmsDhuVbkjyF2OCI; `invalid appsecret, rid: 66b5fb8f-…`, 2024-08), so its default. hints: `, hints:
  // [ req_id: qkacgByWf-jJsoNA ]` (about 2017–2020, blog https://blog.csdn.net/LYT_XLS/article/details/116333475).
  // hintRid: ` hint: [WiEBWV0sf-Te2URA] rid: …`: getuserphonenumber's newest sample (`invalid code hint: […] rid:
  // 66165fe0-…`, 2024-04, blog https://blog.csdn.net/wuyuhang0803/article/details/126106102), so its default.
  errmsgSuffix: {
    variants: ['rid', 'ridComma', 'hints', 'hintRid'],
    endpoints: ALL,
    answers: 'error',
    default: 'rid',
    defaultFor: { '/sns/jscode2session': 'ridComma', '/wxa/business/getuserphonenumber': 'hintRid' },
  },
  // The order of keys in a success answer. keysCaptured: jscode2session `{"session_key","openid"}` as captured (and in
  // wechatpy's fixture); errcode/errmsg first as in the wxa docs' examples: the wire evidence, so the default.
  // keysReordered: jscode2session in the doc table's order (openid, session_key, unionid: a field list, not a wire
  // sample); errcode/errmsg after the data, as getPaidUnionid's doc example writes it
  // (`{"unionid":"…","errcode":0,"errmsg":"ok"}`,
  // https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-info/basic-info/getPaidUnionid.html).
  keyOrder: {
    variants: ['keysCaptured', 'keysReordered'],
    endpoints: ['/sns/jscode2session', '/wxa/resetusersessionkey', '/wxa/business/getuserphonenumber'],
    answers: 'success',
    default: 'keysCaptured',
  },
} as const satisfies Record<string, QuirkDef>;

export type QuirkName = keyof typeof QUIRKS;
export type QuirkVariant<N extends QuirkName = QuirkName> = (typeof QUIRKS)[N]['variants'][number];
export const QUIRK_NAMES = Object.keys(QUIRKS) as QuirkName[];
export type QuirkPicks = { [N in QuirkName]?: QuirkVariant<N> };

/** Top-level key order per variant; keys of the answer not named keep the schema's order after these. */
const ORDERS: Partial<Record<ServerEndpoint, Record<QuirkVariant<'keyOrder'>, readonly string[]>>> = {
  '/sns/jscode2session': {
    keysCaptured: ['session_key', 'expires_in', 'openid', 'unionid'],
    keysReordered: ['openid', 'session_key', 'unionid', 'expires_in'],
  },
  '/wxa/resetusersessionkey': {
    keysCaptured: ['errcode', 'errmsg', 'openid', 'session_key'],
    keysReordered: ['openid', 'session_key', 'errcode', 'errmsg'],
  },
  '/wxa/business/getuserphonenumber': {
    keysCaptured: ['errcode', 'errmsg', 'phone_info'],
    keysReordered: ['phone_info', 'errcode', 'errmsg'],
  },
};

const applies = (q: QuirkDef, endpoint: string, outcome: 'success' | 'error') =>
  (q.answers === 'all' || q.answers === outcome) && (q.endpoints as readonly string[]).includes(endpoint);

function shuffle<T>(items: T[], r: RandomStream): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(r.float() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** The rotation: the next variant of each quirk that applies to an answer. */
export function createQuirkDealer(random: () => MockRandom) {
  let dealtFrom: MockRandom | undefined;
  const decks = new Map<QuirkName, string[]>();

  function next<N extends QuirkName>(name: N): QuirkVariant<N> {
    // control.reset() makes a new random source: start every deck over with it, as the streams do.
    const r = random();
    if (r !== dealtFrom) {
      dealtFrom = r;
      decks.clear();
    }
    let deck = decks.get(name);
    if (!deck || deck.length === 0) {
      deck = shuffle([...QUIRKS[name].variants], r.stream(`quirks:${name}`));
      decks.set(name, deck);
    }
    return deck.shift() as QuirkVariant<N>;
  }

  return {
    /** The variants one answer gets: only quirks that apply to its endpoint and outcome (no charset on text/plain). */
    deal(endpoint: string, outcome: 'success' | 'error'): QuirkPicks {
      const picks: QuirkPicks = {};
      for (const name of QUIRK_NAMES) {
        if (!applies(QUIRKS[name], endpoint, outcome)) continue;
        if (name === 'charset' && picks.contentType === 'textPlain') continue;
        (picks as Record<string, string>)[name] = next(name);
      }
      return picks;
    },
  };
}

export type QuirkDealer = ReturnType<typeof createQuirkDealer>;

/** The default of one quirk on one endpoint: the most recent evidence (`defaultFor`, else `default`). */
export function quirkDefault<N extends QuirkName>(name: N, endpoint: string): QuirkVariant<N> {
  const q: QuirkDef = QUIRKS[name];
  return (q.defaultFor?.[endpoint as ServerEndpoint] ?? q.default) as QuirkVariant<N>;
}

/**
 * The variants an answer gets with quirks off: each applying quirk's default, except countryCode (the
 * `countryCodeType` setting decides) and charset on a text/plain answer.
 */
export function defaultPicks(endpoint: string, outcome: 'success' | 'error'): Readonly<QuirkPicks> {
  // The defaults are constants: worked out once per endpoint and outcome (this runs on every server-API answer).
  const key = `${outcome} ${endpoint}`;
  let picks = defaults.get(key);
  if (!picks) defaults.set(key, (picks = Object.freeze(computeDefaultPicks(endpoint, outcome))));
  return picks;
}

const defaults = new Map<string, Readonly<QuirkPicks>>();

function computeDefaultPicks(endpoint: string, outcome: 'success' | 'error'): QuirkPicks {
  const picks: QuirkPicks = {};
  for (const name of QUIRK_NAMES) {
    if (name === 'countryCode' || !applies(QUIRKS[name], endpoint, outcome)) continue;
    if (name === 'charset' && picks.contentType === 'textPlain') continue;
    (picks as Record<string, string>)[name] = quirkDefault(name, endpoint);
  }
  return picks;
}

/** The variants named in the journal, in catalogue order. */
export const pickedVariants = (p: QuirkPicks): string[] => QUIRK_NAMES.flatMap((n) => (p[n] === undefined ? [] : [p[n]!]));

/** The success body's content quirks: the legacy expires_in, countryCode's type. */
export function quirkBody(body: object, p: QuirkPicks): object {
  let out = body as Record<string, unknown>;
  if (p.expiresIn === 'legacyExpiresIn') out = { ...out, expires_in: 7200 };
  const info = out.phone_info as Record<string, unknown> | undefined;
  if (p.countryCode !== undefined && info && typeof info === 'object' && info.countryCode !== undefined) {
    const cc = p.countryCode === 'countryCodeNumber' ? Number(info.countryCode) : String(info.countryCode);
    out = { ...out, phone_info: { ...info, countryCode: cc } };
  }
  return out;
}

/** The Content-Type header an answer gets. */
export function quirkContentType(p: QuirkPicks): string {
  if (p.contentType === 'textPlain') return 'text/plain';
  return p.charset === 'encodingUtf8' ? 'application/json; encoding=utf-8' : 'application/json; charset=utf-8';
}

/**
 * An answer as the server API sends it: its text, its label, and (`journalled`, rotate mode) the variants it has for
 * the journal. With quirks off the defaults are the mock's plain answer, so the journal names none.
 */
export function quirkWire(endpoint: string, body: object, schema: object, p: QuirkPicks, journalled = true) {
  const text = quirkJson(endpoint, body, schema, p);
  return { text, contentType: quirkContentType(p), ...(journalled ? { quirks: pickedVariants(p) } : {}) };
}

interface ObjectSchema {
  properties?: Record<string, { properties?: Record<string, unknown> } & Record<string, unknown>>;
}

/**
 * JSON text of a body in a chosen key order, keeping only the fields the response schema lists (at every depth), as
 * fastify's serializer would; fastify's serializer itself always writes the schema's order, so quirk answers are
 * written here instead.
 */
export function quirkJson(endpoint: string, body: object, schema: object, p: QuirkPicks): string {
  const order = p.keyOrder === undefined ? NO_ORDER : (ORDERS[endpoint as ServerEndpoint]?.[p.keyOrder] ?? NO_ORDER);
  return write(body as Record<string, unknown>, schema as ObjectSchema, order);
}

const NO_ORDER: readonly string[] = [];

/** Per schema and key order (both constants), the keys in the order written, each with its `"key":` prefix. */
const layouts = new WeakMap<ObjectSchema, Map<readonly string[], [string, string][]>>();

function layout(schema: ObjectSchema, order: readonly string[]): [string, string][] {
  let bySchema = layouts.get(schema);
  if (!bySchema) layouts.set(schema, (bySchema = new Map()));
  let keys = bySchema.get(order);
  if (!keys) {
    const props = schema.properties ?? {};
    const names = [...order.filter((k) => Object.hasOwn(props, k)), ...Object.keys(props).filter((k) => !order.includes(k))];
    keys = names.map((k) => [k, `${JSON.stringify(k)}:`]);
    bySchema.set(order, keys);
  }
  return keys;
}

function write(v: Record<string, unknown>, schema: ObjectSchema, order: readonly string[]): string {
  const props = schema.properties ?? {};
  let out = '';
  for (const [k, prefix] of layout(schema, order)) {
    const x = Object.hasOwn(v, k) ? v[k] : undefined;
    if (x === undefined) continue;
    const sub = props[k]!;
    const text =
      sub.properties !== undefined && x !== null && typeof x === 'object' && !Array.isArray(x)
        ? write(x as Record<string, unknown>, sub as ObjectSchema, NO_ORDER)
        : JSON.stringify(x);
    out += out === '' ? prefix + text : `,${prefix}${text}`;
  }
  return `{${out}}`;
}
