// The wx.* calls the client simulator plays, one `POST /__client/<name>` each.
export const CLIENT_APIS = [
  'login',
  'checkSession',
  'getSetting',
  'authorize',
  'getUserInfo',
  'getUserProfile',
  'getPhoneNumber',
  'getWeRunData',
  'getShareInfo',
  'getPrivacySetting',
  'requirePrivacyAuthorize',
  'getRealtimePhoneNumber',
  'chooseAvatar',
  'inputNickname',
  'pluginLogin',
] as const;
export type ClientApiName = (typeof CLIENT_APIS)[number];
