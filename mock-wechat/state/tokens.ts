// Access tokens: getAccessToken issues a new token per call and lets the previous one live 5 more minutes
// (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-access-token/getAccessToken.html);
// getStableAccessToken keeps its own token per app, with a rate-limited force refresh
// (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-access-token/getStableAccessToken.html).
import { WeChatError } from '../errors.js';
import { B64URL, type MockRandom } from '../random.js';

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
    for (const [k, v] of tokens) {
      if (tokens.size <= TOKEN_CAP && v.expiresAt + TOKEN_RETAIN_MS > t) break;
      tokens.delete(k);
    }
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
  };
}
