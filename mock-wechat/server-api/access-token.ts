// getAccessToken (GET /cgi-bin/token) and getStableAccessToken (POST /cgi-bin/stable_token); the token rules live in
// state/tokens.ts.
import { WeChatError } from '../errors.js';
import { TOKEN_TTL_MS } from '../state/tokens.js';
import { checkApp, nonEmpty, parseJsonObject, requirePost, type ServerHandler } from './request.js';

/** https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-access-token/getAccessToken.html */
export const getAccessToken: ServerHandler = (state, { query: q }) => {
  const appid = checkApp(state, q.appid, q.secret);
  if (q.grant_type !== 'client_credential') throw new WeChatError(40002);
  const rec = state.issue(appid);
  return { access_token: rec.token, expires_in: TOKEN_TTL_MS / 1000 };
};

/** https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-access-token/getStableAccessToken.html */
export const getStableAccessToken: ServerHandler = (state, r) => {
  requirePost(r);
  // Form-encoded or otherwise non-JSON bodies carry no appid for WeChat: 41002 (community captures).
  const b = parseJsonObject(r.raw) ?? {};
  const appid = checkApp(state, nonEmpty(b.appid), nonEmpty(b.secret));
  if (b.grant_type !== 'client_credential') throw new WeChatError(40002);
  const t = state.now();
  const rec = state.stable(appid, b.force_refresh === true, t);
  return { access_token: rec.token, expires_in: Math.floor((rec.expiresAt - t) / 1000) };
};
