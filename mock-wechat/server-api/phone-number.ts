// getPhoneNumber (POST /wxa/business/getuserphonenumber): a phone-button code for the user's number
// (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-info/phone-number/getPhoneNumber.html).
import { WeChatError } from '../errors.js';
import { nonEmpty, parseJsonObject, requirePost, type ServerHandler } from './request.js';

export const getPhoneNumber: ServerHandler = (state, r) => {
  requirePost(r);
  const tok = state.check(r.query.access_token);
  // An app without the phone-number permission (only verified, non-personal apps have it: the component page
  // https://developers.weixin.qq.com/miniprogram/dev/framework/open-ability/getPhoneNumber.html) gets 48001.
  if (state.app(tok.appid)?.config.phonePermission === false) throw new WeChatError(48001);
  if (r.raw === undefined || r.raw.trim() === '') throw new WeChatError(44002);
  const b = parseJsonObject(r.raw);
  const code = b && nonEmpty(b.code);
  if (!b || !code) throw new WeChatError(47001);
  const c = state.lookupPhoneCode(code);
  if (!c) throw new WeChatError(40029);
  r.concern?.(c.openid);
  if (c.appid !== tok.appid) throw new WeChatError(40013);
  if (c.used) throw new WeChatError(40029);
  // The optional openid must be the code's own user, else 40003 invalid openid (same page).
  if (b.openid !== undefined && b.openid !== c.openid) throw new WeChatError(40003);
  const u = state.user(c.appid, c.openid);
  if (!u) throw new WeChatError(40029);
  c.used = true;
  const countryCode = state.options.countryCodeType === 'number' ? Number(u.countryCode) : u.countryCode;
  return {
    errcode: 0,
    errmsg: 'ok',
    phone_info: {
      phoneNumber: u.phoneNumber,
      purePhoneNumber: u.purePhoneNumber,
      countryCode,
      watermark: { timestamp: c.timestamp, appid: c.appid },
    },
  };
};
