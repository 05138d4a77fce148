// getUserRiskRank (POST /wxa/getuserriskrank): the user's risk rank 0 to 4, higher is riskier, and `unoin_id` (spelled
// so on the page), an id of this one request
// (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/sec-center/safety-control-capability/getUserRiskRank.html).
// The mock ranks a user seeded `risk: true` (the one code2Session blocks with 40226) 4 and everyone else 0.
import { WeChatError } from '../errors.js';
import { jsonBody } from './json-body.js';
import { requirePost, type ServerHandler } from './request.js';

export const HIGH_RISK_RANK = 4;
/** scene: 0 register, 1 marketing fraud; mini games add 2, UGC. */
const SCENES = [0, 1, 2];

export const getUserRiskRank: ServerHandler = (state, r) => {
  requirePost(r);
  const tok = state.check(r.query.access_token);
  const b = jsonBody(r);
  // A required parameter left out is 47001 ("post 数据中参数缺失"); one of the wrong type or value is 40097.
  for (const k of ['appid', 'openid', 'scene', 'client_ip']) if (b[k] === undefined) throw new WeChatError(47001);
  if (typeof b.appid !== 'string' || typeof b.openid !== 'string' || typeof b.client_ip !== 'string' || b.client_ip === '') {
    throw new WeChatError(40097);
  }
  if (!SCENES.includes(b.scene as number)) throw new WeChatError(40097);
  if (b.appid !== tok.appid) throw new WeChatError(40013);
  const u = state.user(tok.appid, b.openid);
  if (!u) throw new WeChatError(40003);
  r.concern?.(u.openid);
  const unoinId = state.random().stream('unoin_id').bytes(4).readUInt32BE(0) >>> 1;
  return { errcode: 0, errmsg: 'getuserriskrank succ', risk_rank: u.risk ? HIGH_RISK_RANK : 0, unoin_id: unoinId };
};
