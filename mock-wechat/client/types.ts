// What the client simulator takes and answers: the wx.* call's options and its success or fail callback object.
import type { UserInfo } from '../state/user-schema.js';

/** What a client-simulator call answers: the wx.* success or fail callback object. */
export interface ClientResult {
  errMsg: string;
  errno?: number;
  code?: string;
  authSetting?: Record<string, boolean>;
  userInfo?: UserInfo;
  rawData?: string;
  signature?: string;
  encryptedData?: string;
  iv?: string;
}

export interface ClientRequest {
  appid?: string;
  user: string;
}
export interface AuthorizeRequest extends ClientRequest {
  scope: string;
}
export interface UserInfoRequest extends ClientRequest {
  classic?: boolean;
  lang?: string;
  desc?: string;
}
export interface ShareInfoRequest extends ClientRequest {
  shareTicket?: string;
}

export interface MockClientApi {
  login(body: ClientRequest): ClientResult;
  checkSession(body: ClientRequest): ClientResult;
  getSetting(body: ClientRequest): ClientResult;
  authorize(body: AuthorizeRequest): ClientResult;
  getUserInfo(body: UserInfoRequest): ClientResult;
  getUserProfile(body: UserInfoRequest): ClientResult;
  getPhoneNumber(body: ClientRequest): ClientResult;
  getWeRunData(body: ClientRequest): ClientResult;
  getShareInfo(body: ShareInfoRequest): ClientResult;
}
