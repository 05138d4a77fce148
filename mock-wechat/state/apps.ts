// The mini programs the mock serves: appid, AppSecret and, optionally, the open-platform group that shares unionids.
export interface MockAppConfig {
  appid: string;
  secret: string;
  /** Open-platform group id: users of the group's apps get one unionid shared across the group. */
  openPlatform?: string;
  /**
   * The app's privacy guide: the guarded client calls and authorize scopes it declares (state/app-policy.ts lists
   * them). Default: every one, so an app that says nothing behaves as before privacy checks.
   */
  privacy?: { declared: string[] };
  /** Successful phone-number verifications (quick and real-time together) the app may have. Default: unlimited. */
  phoneQuota?: number;
  /** Whether the app holds the phone-number permission (client "no permission", server 48001 without it). Default true. */
  phonePermission?: boolean;
}

export { DEFAULT_APP } from '../defaults.js';
