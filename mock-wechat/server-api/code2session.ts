// code2Session: a wx.login code for the user's openid, unionid and session_key; the code is single use
// (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-login/code2Session.html).
// A successful answer carries no errcode.
import { WeChatError } from '../errors.js';
import type { UserRecord } from '../state.js';
import { checkApp, type ServerHandler } from './request.js';

export const code2Session: ServerHandler = (state, { query: q, concern }) => {
  const appid = checkApp(state, q.appid, q.secret);
  if (!q.js_code) throw new WeChatError(41008);
  if (q.grant_type !== 'authorization_code') throw new WeChatError(40002);
  const c = state.lookupCode(q.js_code);
  // The journal notes the code's owner whatever the outcome: "every exchange of alice's codes" includes the refusals.
  if (c) concern?.(c.openid);
  if (!c || c.appid !== appid) throw new WeChatError(40029);
  if (c.used) throw new WeChatError(40163);
  const u = state.user(c.appid, c.openid);
  if (!u) throw new WeChatError(40029);
  if (u.risk) throw new WeChatError(40226);
  countLogin(u, state.options.loginRateLimitPerMinute, state.now());
  c.used = true;
  const k = state.ensureKey(u);
  return u.unionid === undefined
    ? { session_key: k.value, openid: u.openid }
    : { session_key: k.value, openid: u.openid, unionid: u.unionid };
};

/** code2Session's per-user minute quota (0 = off): past it, 45011. */
function countLogin(u: UserRecord, limit: number, t: number): void {
  if (limit <= 0) return;
  const w = Math.floor(t / 60_000);
  if (u.rateWindow !== w) {
    u.rateWindow = w;
    u.rateCount = 0;
  }
  if (u.rateCount >= limit) throw new WeChatError(45011);
  u.rateCount++;
}
