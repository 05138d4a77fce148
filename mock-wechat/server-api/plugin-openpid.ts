// getPluginOpenPId (POST /wxa/getpluginopenpid): a wx.pluginLogin code for the plugin user's openpid; the code lives
// 5 minutes and gives one openpid (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-info/basic-info/getPluginOpenPId.html).
// The caller is the plugin's own server, with the plugin's access token.
import { WeChatError } from '../errors.js';
import { jsonBody } from './json-body.js';
import { nonEmpty, requirePost, type ServerHandler } from './request.js';

export const getPluginOpenPId: ServerHandler = (state, r) => {
  requirePost(r);
  const tok = state.check(r.query.access_token);
  // The page's table has 1022 (JSON parse error) and 1001 (invalid parameters), no 44002/47001.
  const b = jsonBody(r, { empty: 1022, malformed: 1022 });
  const code = nonEmpty(b.code);
  if (!code) throw new WeChatError(1001);
  // A wx.login code here is 1007 too (community: "wx.login 读取的 code ... 结果 1007").
  const c = state.lookupPluginCode(code);
  if (!c || c.used) throw new WeChatError(1007);
  r.concern?.(c.openid);
  if (c.plugin !== tok.appid) throw new WeChatError(1005);
  c.used = true;
  return { errcode: 0, errmsg: 'ok', openpid: state.openpid(c) };
};
