// The server-API paths the mock answers (and that faults may target), one per WeChat API.
export const SERVER_ENDPOINTS = [
  '/sns/jscode2session',
  '/cgi-bin/token',
  '/cgi-bin/stable_token',
  '/wxa/checksession',
  '/wxa/resetusersessionkey',
  '/wxa/business/getuserphonenumber',
  '/wxa/getpaidunionid',
  '/wxa/business/checkencryptedmsg',
  '/wxa/getpluginopenpid',
  '/wxa/getuserriskrank',
  '/cgi-bin/openapi/rid/get',
] as const;
export type ServerEndpoint = (typeof SERVER_ENDPOINTS)[number];
