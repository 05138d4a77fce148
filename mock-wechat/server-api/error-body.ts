// WeChat's failure body: {errcode, errmsg}, the errmsg ending in ` rid: <unix time hex>-<8 hex>-<8 hex>`, as real rids
// do (https://developers.weixin.qq.com/miniprogram/dev/framework/server-ability/backend-api.html). Older answers end
// in `, hints: [ req_id: … ]` or ` hint: […] rid: …` instead: quirks.ts lists the forms (errmsgSuffix).
import { ERRMSG, type WeChatErrorBody } from '../errors.js';
import type { QuirkVariant } from '../quirks.js';
import { ALNUM, type MockRandom } from '../random.js';

export type ErrorBody = (errcode: number, text?: string, suffix?: QuirkVariant<'errmsgSuffix'>) => WeChatErrorBody;

export function createErrorBody(now: () => number, random: () => MockRandom): ErrorBody {
  return (errcode, text, suffix = 'rid') => {
    const r = random().stream('rid');
    const msg = text ?? ERRMSG[errcode] ?? 'system error';
    // A req_id looks like `qkacgByWf-jJsoNA`: 9 and 6 letters or digits around a dash.
    const reqId = () => `${r.chars(9, ALNUM)}-${r.chars(6, ALNUM)}`;
    const rid = () => `${Math.floor(now() / 1000).toString(16).padStart(8, '0')}-${r.hex(4)}-${r.hex(4)}`;
    switch (suffix) {
      case 'ridComma':
        return { errcode, errmsg: `${msg}, rid: ${rid()}` };
      case 'hints':
        return { errcode, errmsg: `${msg}, hints: [ req_id: ${reqId()} ]` };
      case 'hintRid':
        return { errcode, errmsg: `${msg} hint: [${reqId()}] rid: ${rid()}` };
      default:
        return { errcode, errmsg: `${msg} rid: ${rid()}` };
    }
  };
}
