// checkSessionKey (GET /wxa/checksession) and resetUserSessionKey (GET /wxa/resetusersessionkey): both prove the
// caller holds the user's session_key with signature = hmac_sha256(session_key, "")
// (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-login/checkSessionKey.html,
// https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-login/ResetUserSessionKey.html).
import { WeChatError } from '../errors.js';
import type { MockState, UserRecord } from '../state.js';
import { sameText, type ServerHandler, type ServerRequest } from './request.js';

/** Token, sig_method, openid, then the signature of "": the user, or the errcode of the first check that fails. */
function signedUser(state: MockState, { query: q, concern }: ServerRequest): UserRecord {
  const tok = state.check(q.access_token);
  if (q.sig_method !== 'hmac_sha256') throw new WeChatError(87008);
  if (!q.openid) throw new WeChatError(41009);
  const u = state.user(tok.appid, q.openid);
  if (!u) throw new WeChatError(40003);
  concern?.(u.openid);
  const k = state.liveKey(u);
  if (!k || !q.signature || !sameText(q.signature, state.emptySignature(k))) throw new WeChatError(87009);
  return u;
}

export const checkSessionKey: ServerHandler = (state, r) => {
  signedUser(state, r);
  return { errcode: 0, errmsg: 'ok' };
};

export const resetUserSessionKey: ServerHandler = (state, r) => {
  const u = signedUser(state, r);
  const k = state.resetKey(u);
  return { errcode: 0, errmsg: 'ok', openid: u.openid, session_key: k.value };
};
