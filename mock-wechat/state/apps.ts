// The mini programs the mock serves: appid, AppSecret and, optionally, the open-platform group that shares unionids.
export interface MockAppConfig {
  appid: string;
  secret: string;
  /** Open-platform group id: users of the group's apps get one unionid shared across the group. */
  openPlatform?: string;
}

export { DEFAULT_APP } from '../defaults.js';
