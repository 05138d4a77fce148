// WeChat's error vocabulary. errmsg texts are the ones seen on the wire; the mock appends the request
// trace suffix ` rid: xxxxxxxx-xxxxxxxx-xxxxxxxx` whose first group is the Unix time in hex, as real rids do.

export const ERRMSG: Record<number, string> = {
  [-1]: 'system error',
  [-1000]: 'system error',
  // checkEncryptedData's table spells it so (…/user-info/basic-info/checkEncryptedData.html).
  1: 'data not exit',
  // getPluginOpenPId's codes (…/user-info/basic-info/getPluginOpenPId.html): 1007's wording is from a 2024 capture
  // (`get no data rid: …`); the others paraphrase the table.
  1001: 'invalid args',
  1005: 'plugin appid not match',
  1007: 'get no data',
  1022: 'json data parse error',
  40001: 'invalid credential, access_token is invalid or not latest',
  40002: 'invalid grant_type',
  40003: 'invalid openid',
  40013: 'invalid appid',
  40029: 'invalid code',
  40097: 'invalid args',
  40066: 'invalid url',
  40125: 'invalid appsecret',
  40163: 'code been used',
  40226: 'code blocked',
  41001: 'access_token missing',
  41002: 'appid missing',
  41004: 'appsecret missing',
  41008: 'missing code',
  41009: 'missing openid',
  42001: 'access_token expired',
  43001: 'require GET method',
  43002: 'require POST method',
  44002: 'empty post data',
  45009: 'reach max api daily quota limit',
  45011: 'api minute-quota reach limit mustslower retry next minute',
  47001: 'data format error',
  48001: 'api unauthorized',
  50002: 'user limited',
  // getRidInfo's table (…/openApi-mgnt/getRidInfo.html); 76001 as captured (`rid not found, please check rid: …`).
  76001: 'rid not found, please check',
  76002: 'rid is error',
  76003: 'could not query this rid,no permission',
  // getPaidUnionid (…/user-info/basic-info/getPaidUnionid.html): 89300 as captured (`invalid trade rid: …`); 89002
  // paraphrases the table (没有绑定开放平台帐号).
  89002: 'open platform account not bound',
  89300: 'invalid trade',
  87008: 'invalid sig_method',
  87009: 'invalid signature',
};

export interface WeChatErrorBody {
  errcode: number;
  errmsg: string;
}

/**
 * A WeChat-level failure, thrown by a server-API handler (or the state rule it calls). The server face's one error
 * handler turns it into {errcode, errmsg: `${errmsg} rid: ...`} with HTTP 200, as api.weixin.qq.com answers.
 */
export class WeChatError extends Error {
  readonly errcode: number;
  /** Replaces ERRMSG[errcode] in the answer (a scripted fault's own text, the 40066 path). */
  readonly errmsg: string | undefined;
  constructor(errcode: number, errmsg?: string) {
    super(errmsg ?? ERRMSG[errcode] ?? 'system error');
    this.name = 'WeChatError';
    this.errcode = errcode;
    this.errmsg = errmsg;
  }
}

/** A mistake in a call to the mock's own admin or client-simulator API (not a WeChat-level failure). */
export class MockUsageError extends Error {
  readonly status: number;
  constructor(message: string, status = 400) {
    super(message);
    this.name = 'MockUsageError';
    this.status = status;
  }
}
