// getPaidUnionid (GET /wxa/getpaidunionid): the unionid of a user who paid in the last 5 minutes, found by
// transaction_id or by mch_id + out_trade_no
// (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-info/basic-info/getPaidUnionid.html).
// Payments come from the admin API (POST /__admin/payments, control.recordPayment).
import { WeChatError } from '../errors.js';
import { PAID_UNIONID_WINDOW_MS } from '../state/payments.js';
import type { ServerHandler } from './request.js';

export const getPaidUnionid: ServerHandler = (state, { query: q, concern }) => {
  const tok = state.check(q.access_token);
  // 40003 "openid 错误" covers a missing openid too: the page lists no missing-openid code.
  const u = q.openid ? state.user(tok.appid, q.openid) : undefined;
  if (!u) throw new WeChatError(40003);
  concern?.(u.openid);
  // An order that is unknown, another user's, another app's or older than 5 minutes is "invalid trade" (89300); so
  // is a request naming none. The unionid is looked for only then: an app without an open platform gets 89002.
  const p = state.findPayment({ transaction_id: q.transaction_id, mch_id: q.mch_id, out_trade_no: q.out_trade_no });
  if (!p || p.appid !== u.appid || p.openid !== u.openid || state.now() >= p.paidAt + PAID_UNIONID_WINDOW_MS) {
    throw new WeChatError(89300);
  }
  if (u.unionid === undefined) throw new WeChatError(89002);
  return { errcode: 0, errmsg: 'ok', unionid: u.unionid };
};
