// Access tokens: getAccessToken issues a new token per call and lets the previous one live 5 more minutes
// (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-access-token/getAccessToken.html);
// getStableAccessToken keeps its own token per app, with a rate-limited force refresh
// (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-access-token/getStableAccessToken.html).
import { Type } from '@sinclair/typebox';
import { WeChatError } from '../errors.js';
import { B64URL, type MockRandom } from '../random.js';
import { badField, checkPart, type RestoreContext } from './snapshot.js';
import { pruneFront } from './prune-front.js';

export interface TokenRecord {
  token: string;
  appid: string;
  expiresAt: number;
  /** Before expiresAt when a newer token superseded this one (the 5-minute overlap) or a force refresh killed it. */
  validUntil: number;
}

interface AppTokens {
  latest?: TokenRecord;
  stable?: TokenRecord;
  lastForceAt?: number;
  forceDay: number;
  forceCount: number;
}

export const TOKEN_TTL_MS = 7200_000;
export const TOKEN_OVERLAP_MS = 300_000;
/** Keep dead tokens this long so a late caller gets 42001/40001 rather than a generic answer, then forget them. */
const TOKEN_RETAIN_MS = 86_400_000;
const TOKEN_CAP = 10_000;
const FORCE_REFRESH_MIN_GAP_MS = 30_000;
const FORCE_REFRESH_PER_DAY = 20;
const DAY_MS = 86_400_000;
const CST_MS = 8 * 3600_000;

const TokensPart = Type.Object(
  {
    tokens: Type.Array(
      Type.Object(
        { token: Type.String({ minLength: 1, maxLength: 512 }), appid: Type.String(), expiresAt: Type.Integer(), validUntil: Type.Integer() },
        { additionalProperties: false },
      ),
      { maxItems: TOKEN_CAP },
    ),
    apps: Type.Array(
      Type.Object(
        {
          appid: Type.String(),
          latest: Type.Optional(Type.String()),
          stable: Type.Optional(Type.String()),
          lastForceAt: Type.Optional(Type.Integer()),
          forceDay: Type.Integer(),
          forceCount: Type.Integer({ minimum: 0 }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export function createTokens(now: () => number, random: () => MockRandom) {
  let tokens = new Map<string, TokenRecord>();
  let perApp = new Map<string, AppTokens>();

  function slot(appid: string): AppTokens {
    let s = perApp.get(appid);
    if (!s) {
      s = { forceDay: -1, forceCount: 0 };
      perApp.set(appid, s);
    }
    return s;
  }

  function mintToken(appid: string): TokenRecord {
    const t = now();
    pruneFront(tokens, (v, size) => size > TOKEN_CAP || v.expiresAt + TOKEN_RETAIN_MS <= t);
    const r = random().stream('token');
    let token: string;
    do token = `${(r.bytes(1)[0] as number) % 90}_${r.chars(132, B64URL)}`;
    while (tokens.has(token));
    const rec: TokenRecord = { token, appid, expiresAt: t + TOKEN_TTL_MS, validUntil: t + TOKEN_TTL_MS };
    tokens.set(token, rec);
    return rec;
  }

  /** getAccessToken: a new token; the previous one keeps working for 5 more minutes, then 40001. */
  function issue(appid: string): TokenRecord {
    const s = slot(appid);
    const prev = s.latest;
    if (prev) prev.validUntil = Math.min(prev.validUntil, now() + TOKEN_OVERLAP_MS);
    s.latest = mintToken(appid);
    return s.latest;
  }

  /**
   * getStableAccessToken. Normal mode returns the same token until its last 5 minutes, then a new one while the old
   * lives out its time. force_refresh issues a new token and kills the old one at once, at most 20 times a (UTC+8)
   * day (then 45009); a force refresh within 30 s of the previous one does not refresh.
   */
  function stable(appid: string, forceRefresh: boolean, t = now()): TokenRecord {
    const s = slot(appid);
    const cur = s.stable && t < s.stable.validUntil ? s.stable : undefined;
    if (forceRefresh) {
      if (cur && s.lastForceAt !== undefined && t - s.lastForceAt < FORCE_REFRESH_MIN_GAP_MS) return cur;
      const day = Math.floor((t + CST_MS) / DAY_MS);
      if (s.forceDay !== day) {
        s.forceDay = day;
        s.forceCount = 0;
      }
      if (s.forceCount >= FORCE_REFRESH_PER_DAY) throw new WeChatError(45009);
      s.forceCount++;
      s.lastForceAt = t;
      if (cur) cur.validUntil = t;
    } else if (cur && cur.expiresAt - t > TOKEN_OVERLAP_MS) return cur;
    s.stable = mintToken(appid);
    return s.stable;
  }

  /** The live token a call carries, or the errcode WeChat answers: missing 41001, unknown or superseded 40001, expired 42001. */
  function check(token: string | undefined): TokenRecord {
    if (!token) throw new WeChatError(41001);
    const rec = tokens.get(token);
    if (!rec) throw new WeChatError(40001);
    const t = now();
    if (t >= rec.expiresAt) throw new WeChatError(42001);
    if (t >= rec.validUntil) throw new WeChatError(40001);
    return rec;
  }

  /** Every token still remembered (live or recently dead, so a late caller gets the same 40001/42001), and each app's slots. */
  function snapshot() {
    return {
      tokens: [...tokens.values()].map((r) => ({ ...r })),
      apps: [...perApp].map(([appid, s]) => ({
        appid,
        ...(s.latest ? { latest: s.latest.token } : {}),
        ...(s.stable ? { stable: s.stable.token } : {}),
        ...(s.lastForceAt === undefined ? {} : { lastForceAt: s.lastForceAt }),
        forceDay: s.forceDay,
        forceCount: s.forceCount,
      })),
    };
  }

  function restore(part: unknown, path: string, ctx: RestoreContext) {
    const p = checkPart(TokensPart, part, path);
    const next = new Map<string, TokenRecord>();
    p.tokens.forEach((r, i) => {
      if (!ctx.hasApp(r.appid)) throw badField(`${path}.tokens[${i}].appid`, `unknown appid ${r.appid}`);
      if (next.has(r.token)) throw badField(`${path}.tokens[${i}].token`, 'appears twice');
      next.set(r.token, { token: r.token, appid: r.appid, expiresAt: r.expiresAt, validUntil: r.validUntil });
    });
    const slots = new Map<string, AppTokens>();
    p.apps.forEach((s, i) => {
      const at = `${path}.apps[${i}]`;
      if (!ctx.hasApp(s.appid)) throw badField(`${at}.appid`, `unknown appid ${s.appid}`);
      if (slots.has(s.appid)) throw badField(`${at}.appid`, `${s.appid} appears twice`);
      const ref = (field: 'latest' | 'stable') => {
        const tok = s[field];
        if (tok === undefined) return undefined;
        const r = next.get(tok);
        if (!r || r.appid !== s.appid) throw badField(`${at}.${field}`, `names no token of app ${s.appid} in ${path}.tokens`);
        return r;
      };
      const slot: AppTokens = { forceDay: s.forceDay, forceCount: s.forceCount };
      const latest = ref('latest');
      const stable = ref('stable');
      if (latest) slot.latest = latest;
      if (stable) slot.stable = stable;
      if (s.lastForceAt !== undefined) slot.lastForceAt = s.lastForceAt;
      slots.set(s.appid, slot);
    });
    return () => {
      tokens = next;
      perApp = slots;
    };
  }

  return {
    mintToken,
    issue,
    stable,
    check,
    token: (t: string) => tokens.get(t),
    sizes: () => ({ tokens: tokens.size }),
    reset(): void {
      tokens = new Map();
      perApp = new Map();
    },
    snapshot,
    restore,
  };
}
