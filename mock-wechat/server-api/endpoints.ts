// The server-API paths the mock answers (and that faults may target), one per WeChat API.
export const SERVER_ENDPOINTS = [
  '/sns/jscode2session',
  '/cgi-bin/token',
  '/cgi-bin/stable_token',
  '/wxa/checksession',
  '/wxa/resetusersessionkey',
  '/wxa/business/getuserphonenumber',
] as const;
export type ServerEndpoint = (typeof SERVER_ENDPOINTS)[number];
