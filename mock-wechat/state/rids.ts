// Every rid the server API handed out (in an errmsg), with the request behind it, for getRidInfo. WeChat keeps rids
// 7 days and shows one only to the account whose call produced it
// (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/openApi-mgnt/getRidInfo.html).
import { Type } from '@sinclair/typebox';
import { badField, checkPart, type RestoreContext } from './snapshot.js';
import { pruneFront } from './prune-front.js';

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

const RidsPart = Type.Object(
  {
    rids: Type.Array(
      Type.Object(
        {
          rid: Type.String({ pattern: RID_FORMAT.source }),
          appid: Type.Optional(Type.String()),
          at: Type.Integer(),
          request: Type.Object(
            {
              invoke_time: Type.Integer(),
              cost_in_ms: Type.Integer({ minimum: 0 }),
              request_url: Type.String(),
              request_body: Type.String(),
              response_body: Type.String(),
              client_ip: Type.String(),
            },
            { additionalProperties: false },
          ),
        },
        { additionalProperties: false },
      ),
      { maxItems: RID_CAP },
    ),
  },
  { additionalProperties: false },
);

export function createRids(now: () => number) {
  let rids = new Map<string, RidRecord>();

  function recordRid(rid: string, rec: RidRecord): void {
    const t = now();
    pruneFront(rids, (v, size) => size >= RID_CAP || v.at + RID_TTL_MS <= t);
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
    /** The rids less than 7 days old: a caller may look up, after a restart, a rid it was handed before it. */
    snapshot() {
      const t = now();
      return {
        rids: [...rids]
          .filter(([, r]) => r.at + RID_TTL_MS > t)
          .map(([rid, r]) => ({ rid, ...(r.appid === undefined ? {} : { appid: r.appid }), at: r.at, request: { ...r.request } })),
      };
    },
    restore(part: unknown, path: string, ctx: RestoreContext) {
      const p = checkPart(RidsPart, part, path);
      const seen = new Set<string>();
      p.rids.forEach((r, i) => {
        const at = `${path}.rids[${i}]`;
        if (seen.has(r.rid)) throw badField(`${at}.rid`, 'appears twice');
        seen.add(r.rid);
        if (r.appid !== undefined && !ctx.hasApp(r.appid)) throw badField(`${at}.appid`, `${r.appid} is not an app of this mock`);
      });
      // Oldest first, which pruning at record relies on.
      const list = [...p.rids].sort((a, b) => a.at - b.at);
      return () => {
        rids = new Map(list.map(({ rid, ...r }) => [rid, { ...r, request: { ...r.request } }]));
      };
    },
  };
}
