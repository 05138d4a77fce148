// checkEncryptedData (POST /wxa/business/checkencryptedmsg): did WeChat issue this encrypted data, for this app, in
// the last 3 days? (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-info/basic-info/checkEncryptedData.html)
// The answer's `vaild` is spelled as on the page. Which bytes the hash covers is a setting (state/encrypted-msgs.ts).
import { WeChatError } from '../errors.js';
import { jsonBody } from './json-body.js';
import { requirePost, type ServerHandler } from './request.js';

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

export const checkEncryptedData: ServerHandler = (state, r) => {
  requirePost(r);
  const tok = state.check(r.query.access_token);
  const b = jsonBody(r);
  // A missing parameter is 47001 on the page ("post 数据中参数缺失"); one that is not a hex SHA-256 is 40097.
  if (b.encrypted_msg_hash === undefined) throw new WeChatError(47001);
  const hash = b.encrypted_msg_hash;
  if (typeof hash !== 'string' || !SHA256_HEX.test(hash)) throw new WeChatError(40097);
  const rec = state.lookupEncrypted(hash.toLowerCase(), tok.appid);
  // Unknown, older than 3 days, or another app's: 1 (the page's one answer for all three).
  if (!rec) throw new WeChatError(1);
  return { errcode: 0, errmsg: 'ok', vaild: true, create_time: Math.floor(rec.createdAt / 1000) };
};
