// WeChat's failure body: {errcode, errmsg}, the errmsg ending in ` rid: <unix time hex>-<8 hex>-<8 hex>`, as real rids
// do (https://developers.weixin.qq.com/miniprogram/dev/framework/server-ability/backend-api.html).
import { ERRMSG, type WeChatErrorBody } from '../errors.js';
import type { MockRandom } from '../random.js';

export type ErrorBody = (errcode: number, text?: string) => WeChatErrorBody;

export function createErrorBody(now: () => number, random: () => MockRandom): ErrorBody {
  return (errcode, text) => {
    const r = random().stream('rid');
    const t = Math.floor(now() / 1000).toString(16).padStart(8, '0');
    return { errcode, errmsg: `${text ?? ERRMSG[errcode] ?? 'system error'} rid: ${t}-${r.hex(4)}-${r.hex(4)}` };
  };
}
