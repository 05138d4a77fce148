// `wxlogin login`: one user's wx.login at the mock, the code POSTed to the backend's login, the token back.
import { getPath } from '../../../client/json-path.js';
import { describeFailure } from '../../../client/backend-client.js';
import { DEFAULT_FLOW_USER } from '../../../client/flow.js';
import { NetworkError } from '../../../client/http.js';
import { loginOnce } from '../../../client/login.js';
import { CliError } from '../../errors.js';
import { openTargets, type TargetOptions } from '../../targets.js';

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
  const { mock, backend } = targets;
  try {
    const l = await loginOnce(mock, backend, user);
    if (!l.ok) {
      switch (l.failure) {
        case 'refused':
        case 'no_code':
          throw new CliError(`the mock refused wx.login for ${user}: ${l.wx.errMsg}`, { code: 'wx_login_failed' });
        case 'no_login_route':
          throw new CliError(`the backend has no ${backend.contract.paths.login} (HTTP 404); set --path login=...`, { code: 'no_login_route' });
        case 'login_refused':
          throw new CliError(`the backend refused the code: ${describeFailure(l.result)}`, { code: 'login_refused' });
        case 'no_token':
          throw new CliError(`no token at ${backend.contract.tokenPath} in the login answer: ${l.result.text.slice(0, 200)}`, { code: 'no_token' });
      }
    }
    const expiresIn = getPath(l.result.json, 'data.expiresIn') ?? getPath(l.result.json, 'expiresIn');
    const known = await mock.user(user).catch(() => undefined);
    return {
      ok: true,
      token: l.token,
      ...(typeof expiresIn === 'number' ? { expiresIn } : {}),
      user,
      ...(known ? { openid: known.openid } : {}),
      code: l.code,
      backend: backend.baseUrl,
      mock: mock.baseUrl,
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
