// `wxlogin login`: one user's wx.login at the mock, the code POSTed to the backend's login, the token back.
import { getPath } from '../../client/json-path.js';
import { describeFailure } from '../../client/backend-client.js';
import { DEFAULT_FLOW_USER } from '../../client/flow.js';
import { NetworkError } from '../../client/http.js';
import { CliError } from '../context.js';
import { openTargets, type TargetOptions } from './targets.js';

export interface LoginResult {
  ok: true;
  token: string;
  expiresIn?: number;
  user: string;
  openid?: string;
  code: string;
  backend: string;
  mock: string;
}

export async function login(o: TargetOptions & { user?: string }): Promise<LoginResult> {
  const targets = await openTargets(o);
  const user = o.user ?? DEFAULT_FLOW_USER;
  try {
    const wx = await targets.mock.login(user);
    if (!wx.ok || typeof wx.body.code !== 'string') {
      throw new CliError(`the mock refused wx.login for ${user}: ${wx.errMsg}`, { code: 'wx_login_failed' });
    }
    const { result, token } = await targets.backend.login(wx.body.code);
    if (result.notOffered) {
      throw new CliError(`the backend has no ${targets.backend.contract.paths.login} (HTTP 404); set --path login=...`, { code: 'no_login_route' });
    }
    if (!result.ok) throw new CliError(`the backend refused the code: ${describeFailure(result)}`, { code: 'login_refused' });
    if (!token) {
      throw new CliError(`no token at ${targets.backend.contract.tokenPath} in the login answer: ${result.text.slice(0, 200)}`, { code: 'no_token' });
    }
    const expiresIn = getPath(result.json, 'data.expiresIn') ?? getPath(result.json, 'expiresIn');
    const user0 = await targets.mock.user(user).catch(() => undefined);
    return {
      ok: true,
      token,
      ...(typeof expiresIn === 'number' ? { expiresIn } : {}),
      user,
      ...(user0 ? { openid: user0.openid } : {}),
      code: wx.body.code,
      backend: targets.backend.baseUrl,
      mock: targets.mock.baseUrl,
    };
  } catch (err) {
    if (err instanceof NetworkError) {
      throw new CliError(`cannot reach ${err.url} (${err.kind}); is it running? \`wxlogin up\` starts the mock and a backend`, { code: 'unreachable', cause: err });
    }
    throw err;
  } finally {
    await targets.close();
  }
}
