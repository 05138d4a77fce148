// Every rid the server API handed out (in an errmsg), with the request behind it, for getRidInfo. WeChat keeps rids
// 7 days and shows one only to the account whose call produced it
// (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/openApi-mgnt/getRidInfo.html).

export const RID_TTL_MS = 7 * 86_400_000;
/** Keep at most this many; the oldest go first. */
const RID_CAP = 10_000;
export const RID_FORMAT = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/;

export interface RidRecord {
  /** The app the failed call was made for (its appid or its access token's), when it named a known one. */
  appid?: string;
  /** ms since the epoch, by the mock's clock. */
  at: number;
  request: {
    invoke_time: number;
    cost_in_ms: number;
    request_url: string;
    request_body: string;
    response_body: string;
    client_ip: string;
  };
}

export function createRids(now: () => number) {
  let rids = new Map<string, RidRecord>();

  function recordRid(rid: string, rec: RidRecord): void {
    const t = now();
    for (const [k, v] of rids) {
      if (rids.size < RID_CAP && v.at + RID_TTL_MS > t) break;
      rids.delete(k);
    }
    rids.set(rid, rec);
  }

  /** The rid's record while it is less than 7 days old. */
  function lookupRid(rid: string): RidRecord | undefined {
    const r = rids.get(rid);
    return r && now() < r.at + RID_TTL_MS ? r : undefined;
  }

  return {
    recordRid,
    lookupRid,
    resetRids(): void {
      rids = new Map();
    },
  };
}
