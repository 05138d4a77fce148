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
  /** getPrivacySetting */
  needAuthorization?: boolean;
  privacyContractName?: string;
  /** chooseAvatar: a temporary file path */
  avatarUrl?: string;
  /** inputNickname */
  nickName?: string;
}

export interface ClientRequest {
  appid?: string;
  user: string;
  /** The base library version the client runs (client/sdk-version.ts); default a current one. */
  sdkVersion?: string;
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
export interface NicknameRequest extends ClientRequest {
  /** What the user typed; left out, the user taps the suggestion above the keyboard: their WeChat nickname. */
  value?: string;
}

export interface PluginLoginRequest extends ClientRequest {
  /** The plugin's appid (one of the mock's apps); default the host app. */
  plugin?: string;
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
  getPrivacySetting(body: ClientRequest): ClientResult;
  requirePrivacyAuthorize(body: ClientRequest): ClientResult;
  getRealtimePhoneNumber(body: ClientRequest): ClientResult;
  chooseAvatar(body: ClientRequest): ClientResult;
  inputNickname(body: NicknameRequest): ClientResult;
  pluginLogin(body: PluginLoginRequest): ClientResult;
}
