// One login as a mini program does it: wx.login at the mock for a code, the code POSTed to the backend's login,
// the token read from its answer (https://developers.weixin.qq.com/miniprogram/dev/framework/open-ability/login.html).
// A refusal is a value, not an exception: the login command, the flow and load runs each report it their own way.
// Only a request that gets no answer throws (NetworkError).
import type { BackendClient, BackendResult } from './backend-client.js';
import type { MockClient, WxResult } from './mock-client.js';

export type LoginOutcome =
  | { ok: true; wx: WxResult; code: string; result: BackendResult; token: string }
  /** The mock refused wx.login (`refused`), or answered no code (`no_code`). */
  | { ok: false; failure: 'refused' | 'no_code'; wx: WxResult; result?: undefined }
  /** The backend has no login route, refused the code, or answered no token at the contract's tokenPath. */
  | { ok: false; failure: 'no_login_route' | 'login_refused' | 'no_token'; wx: WxResult; code: string; result: BackendResult };

export interface LoginOnceOptions {
  /** Told each answer's latency as it arrives, including refusals (load runs keep histograms per request). */
  onAnswer?: (request: 'wx.login' | 'backend login', ms: number) => void;
}

export async function loginOnce(mock: MockClient, backend: BackendClient, user: string, o: LoginOnceOptions = {}): Promise<LoginOutcome> {
  const wx = await mock.login(user);
  o.onAnswer?.('wx.login', wx.ms);
  if (!wx.ok) return { ok: false, failure: 'refused', wx };
  const code = wx.body.code;
  if (typeof code !== 'string') return { ok: false, failure: 'no_code', wx };
  const { result, token } = await backend.login(code);
  o.onAnswer?.('backend login', result.ms);
  if (result.notOffered) return { ok: false, failure: 'no_login_route', wx, code, result };
  if (!result.ok) return { ok: false, failure: 'login_refused', wx, code, result };
  if (!token) return { ok: false, failure: 'no_token', wx, code, result };
  return { ok: true, wx, code, result, token };
}
