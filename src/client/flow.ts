// The whole login journey as a checklist. Each step plays the mini program at the mock (`wx.*`) and the backend
// under test, then checks what came back against the mock's own record of the user. Steps the backend does not
// offer (not in its contract, or 404 on its path) are skipped, not failed; steps that need an earlier result that
// failed are skipped with that reason.
import { describeFailure, type BackendClient, type BackendResult } from './backend-client.js';
import { NetworkError } from './http.js';
import type { BackendStep } from './contract.js';
import { findArray, findProfile, findString, obj } from './answer.js';
import { loginOnce } from './login.js';
import type { MockClient, MockUserView, WxResult } from './mock-client.js';

/** The fault of the lost-answer step: WeChat processes the exchange (the code is used), then the answer dies. */
export const LOST_ANSWER_FAULT = { endpoint: '/sns/jscode2session', kind: 'drop', when: 'after', times: 1 } as const;

// A stack trace in an answer: a Node/V8 frame with a file position, a Python traceback, a Java frame, a Go panic.
// (The audit's secrets checks know more frameworks; the flow only has to tell a clean envelope from a crash.)
const STACK_TRACE = /\bat (?:async )?(?:\S+ )?\(?(?:file:\/\/|node:|\/|[A-Za-z]:\\)[^\s()"']*:\d+:\d+|Traceback \(most recent call last\)|\bat (?:[\w$]+\.)+[\w$<>]+\([\w$]+\.java:\d+\)|goroutine \d+ \[running\]/;

export const STEP_STATUS = { ok: 'ok', failed: 'failed', skipped: 'skipped' } as const;
export type StepStatus = (typeof STEP_STATUS)[keyof typeof STEP_STATUS];

export interface StepResult {
  name: string;
  title: string;
  status: StepStatus;
  /** What was checked (ok), what went wrong (failed) or why it did not run (skipped). */
  detail: string;
  ms: number;
}

export interface FlowReport {
  ok: boolean;
  user: string;
  openid?: string;
  backend: string;
  mock: string;
  profile: string;
  steps: StepResult[];
  counts: Record<StepStatus, number>;
  ms: number;
}

export interface FlowOptions {
  mock: MockClient;
  backend: BackendClient;
  /** Mock user alias or openid; default `wxlogin-flow`. */
  user?: string;
  scopes?: string[];
  onStep?: (s: StepResult) => void;
}

export const DEFAULT_FLOW_USER = 'wxlogin-flow';
export const DEFAULT_SCOPES = ['scope.userInfo', 'scope.werun'] as const;

class Skip extends Error {}
class Fail extends Error {}

const PROFILE_KEYS = ['nickName', 'avatarUrl', 'gender', 'language', 'city', 'province', 'country'] as const;

function wxOk(r: WxResult): WxResult {
  if (!r.ok) throw new Fail(`mock answered ${r.errMsg}`);
  return r;
}

export async function runFlow(o: FlowOptions): Promise<FlowReport> {
  const started = performance.now();
  const steps: StepResult[] = [];
  const { mock, backend } = o;

  async function step(name: string, title: string, fn: () => Promise<string>): Promise<boolean> {
    const t0 = performance.now();
    let status: StepStatus = 'ok';
    let detail: string;
    try {
      detail = await fn();
    } catch (err) {
      if (err instanceof Skip) status = 'skipped';
      else status = 'failed';
      detail = err instanceof NetworkError ? `no answer: ${err.message}` : err instanceof Error ? err.message : String(err);
    }
    const r: StepResult = { name, title, status, detail, ms: Math.round((performance.now() - t0) * 10) / 10 };
    steps.push(r);
    o.onStep?.(r);
    return status === 'ok';
  }

  /** Calls a backend step, skipping when the backend does not offer it and failing on a refusal. */
  async function backendStep(s: BackendStep, args: { token?: string; body?: Record<string, unknown> }): Promise<BackendResult> {
    if (!backend.offers(s)) throw new Skip(`not in the ${backend.contract.profile} contract`);
    const r = await backend.call(s, args);
    watch(s, r.text);
    if (r.notOffered) throw new Skip(`backend has no ${backend.contract.paths[s]} (HTTP 404)`);
    if (!r.ok) throw new Fail(`backend refused: ${describeFailure(r)}`);
    return r;
  }
  const needOffered = (s: BackendStep) => {
    if (!backend.offers(s)) throw new Skip(`not in the ${backend.contract.profile} contract`);
  };

  // A user the mock has not seen is created on first use with a reproducible profile.
  const user = o.user ?? DEFAULT_FLOW_USER;
  let token: string | undefined;
  let mockUser: MockUserView | undefined;
  // Every backend answer is searched for the user's session_key: it must never reach a client
  // (https://developers.weixin.qq.com/miniprogram/dev/framework/open-ability/login.html).
  // (Kept until the last step, which also learns the key in force then: one flow is a dozen small answers.)
  const sessionKeys = new Set<string>();
  const answers: { where: string; text: string }[] = [];
  const watch = (where: string, text: string) => {
    answers.push({ where, text });
  };
  const learnKey = async () => {
    const k = await mock.sessionKey(user).catch(() => undefined);
    if (k) sessionKeys.add(k);
  };
  const skipNoToken = () => {
    if (!token) throw new Skip('no token (login failed)');
  };

  await step('login', 'login: wx.login → backend → token', async () => {
    const login = await loginOnce(mock, backend, user);
    if (!login.result) throw new Fail(login.failure === 'refused' ? `mock answered ${login.wx.errMsg}` : 'mock login answered no code');
    await learnKey();
    watch('login', login.result.text);
    if (!login.ok) {
      if (login.failure === 'no_login_route') throw new Fail(`backend has no ${backend.contract.paths.login} (HTTP 404)`);
      if (login.failure === 'login_refused') throw new Fail(`backend refused the code: ${describeFailure(login.result)}`);
      throw new Fail(`no token at ${backend.contract.tokenPath} in the login answer`);
    }
    const t = login.token;
    token = t;
    try {
      mockUser = await mock.user(user);
    } catch {
      mockUser = undefined;
    }
    return `token ${t.slice(0, 8)}… (${t.length} chars)${mockUser ? ` for ${mockUser.openid}` : ''}`;
  });

  await step('checkSession', 'checkSession (wx.checkSession at the mock)', async () => {
    skipNoToken();
    wxOk(await mock.checkSession(user));
    return 'checkSession:ok';
  });

  await step('sessionCheck', 'session check (backend checksession)', async () => {
    needOffered('sessionCheck');
    skipNoToken();
    await backendStep('sessionCheck', { token });
    return 'the backend\'s session_key passes checksession';
  });

  const scopes = o.scopes ?? [...DEFAULT_SCOPES];
  let granted = new Set<string>();
  await step('authorize', `authorize ${scopes.join(', ') || '(no scopes)'}`, async () => {
    skipNoToken();
    if (scopes.length === 0) throw new Skip('no scope to ask for');
    for (const scope of scopes) wxOk(await mock.authorize(user, scope));
    const setting = wxOk(await mock.getSetting(user)).body.authSetting as Record<string, unknown> | undefined;
    const missing = scopes.filter((s) => setting?.[s] !== true);
    if (missing.length) throw new Fail(`getSetting does not report ${missing.join(', ')} as granted`);
    granted = new Set(scopes);
    return `getSetting reports ${scopes.length} scope${scopes.length === 1 ? '' : 's'} granted`;
  });

  await step('userinfo', 'getUserInfo → decrypt → profile matches', async () => {
    needOffered('userinfo');
    skipNoToken();
    const info = wxOk(await mock.getUserInfo(user, true)).body;
    const body: Record<string, unknown> = { encryptedData: info.encryptedData, iv: info.iv };
    if (typeof info.rawData === 'string') body.rawData = info.rawData;
    if (typeof info.signature === 'string') body.signature = info.signature;
    const r = await backendStep('userinfo', { token, body });
    const profile = findProfile(r.data) ?? findProfile(r.json);
    if (!profile) throw new Fail('the backend answered no profile (no nickName in its data)');
    const seen = obj(info.userInfo) ?? {};
    const diffs: string[] = [];
    for (const k of PROFILE_KEYS) {
      if (k in seen && k in profile && seen[k] !== profile[k]) diffs.push(`${k}: ${JSON.stringify(profile[k])} ≠ userInfo ${JSON.stringify(seen[k])}`);
      if (mockUser && k in profile && (k === 'nickName' || k === 'avatarUrl') && mockUser[k] !== profile[k]) {
        diffs.push(`${k}: ${JSON.stringify(profile[k])} ≠ mock user ${JSON.stringify(mockUser[k])}`);
      }
    }
    const pOpenid = profile.openId ?? profile.openid;
    if (mockUser && typeof pOpenid === 'string' && pOpenid !== mockUser.openid) diffs.push(`openId ${pOpenid} ≠ ${mockUser.openid}`);
    if (!('nickName' in seen) && !mockUser) throw new Fail('nothing to compare the profile with');
    if (diffs.length) throw new Fail(`profile differs: ${diffs.join('; ')}`);
    // Count what was compared, not what was answered: a field neither side's record holds proves nothing.
    const compared = PROFILE_KEYS.filter((k) => k in profile && (k in seen || (mockUser !== undefined && (k === 'nickName' || k === 'avatarUrl'))));
    return `nickName ${JSON.stringify(profile.nickName)}, ${compared.length} field${compared.length === 1 ? '' : 's'} equal`;
  });

  await step('phone', 'phone number → backend → number matches', async () => {
    needOffered('phone');
    skipNoToken();
    const p = wxOk(await mock.getPhoneNumber(user)).body;
    const body: Record<string, unknown> =
      backend.contract.phoneBy === 'code' && typeof p.code === 'string' ? { code: p.code } : { encryptedData: p.encryptedData, iv: p.iv };
    const r = await backendStep('phone', { token, body });
    const got = findString(r.data, ['phoneNumber', 'purePhoneNumber']) ?? findString(r.json, ['phoneNumber'], 3);
    if (!got) throw new Fail('the backend answered no phoneNumber');
    // Without the mock's record of the user (admin API refused) there is nothing to match the number against.
    if (!mockUser) throw new Skip(`the backend answered ${got}, but the mock did not tell the user's number (admin API unavailable): not compared`);
    if (got !== mockUser.phoneNumber && got !== mockUser.purePhoneNumber) {
      throw new Fail(`phone ${got} ≠ mock user ${mockUser.phoneNumber}`);
    }
    return `${got} (by ${Object.keys(body).includes('code') ? 'phone code' : 'encryptedData'})`;
  });

  await step('werun', 'WeRun → backend decrypts the steps', async () => {
    needOffered('werun');
    skipNoToken();
    if (!granted.has('scope.werun')) throw new Skip('scope.werun not granted');
    const w = wxOk(await mock.getWeRunData(user)).body;
    const r = await backendStep('werun', { token, body: { encryptedData: w.encryptedData, iv: w.iv } });
    const list = findArray(r.data, 'stepInfoList') ?? findArray(r.json, 'stepInfoList', 3);
    if (!list || list.length === 0) throw new Fail('the backend answered no stepInfoList');
    return `${list.length} days of steps`;
  });

  await step('shareinfo', 'share info → backend decrypts openGId', async () => {
    needOffered('shareinfo');
    skipNoToken();
    const s = wxOk(await mock.getShareInfo(user)).body;
    const r = await backendStep('shareinfo', { token, body: { encryptedData: s.encryptedData, iv: s.iv } });
    const gid = findString(r.data, ['openGId', 'opengid']) ?? findString(r.json, ['openGId'], 3);
    if (!gid) throw new Fail('the backend answered no openGId');
    return `openGId ${gid}`;
  });

  await step('me', 'me: the backend knows the user', async () => {
    needOffered('me');
    skipNoToken();
    const r = await backendStep('me', { token });
    const openid = findString(r.data, ['openid', 'openId']) ?? findString(r.json, ['openid', 'openId'], 3);
    if (!openid) throw new Skip('the backend accepted the token but answered no openid: nothing to compare');
    if (!mockUser) throw new Skip(`the backend answered openid ${openid}, but the mock did not tell the user's (admin API unavailable): not compared`);
    if (openid !== mockUser.openid) throw new Fail(`openid ${openid} ≠ mock user ${mockUser.openid}`);
    return `openid ${openid}`;
  });

  // WeChat's answer can die on the way back after WeChat used the code: a backend that retries the exchange gets 40163
  // (code been used), so the user has to wx.login again. The backend must say so cleanly, and then let a fresh code in
  // (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-login/code2Session.html, errcode 40163).
  await step('lostAnswer', 'lost answer: WeChat used the code and the answer was lost', async () => {
    skipNoToken();
    // An older mock (no faults after processing) or an admin token the flow does not hold refuses the fault.
    let added: string;
    try {
      added = await mock.addFault({ ...LOST_ANSWER_FAULT });
    } catch (err) {
      throw new Skip(`the mock refused the fault (${err instanceof Error ? err.message : String(err)})`);
    }
    if (!added) throw new Skip('the mock has no fault API (/__admin/faults answered 404)');
    let lost: Awaited<ReturnType<typeof loginOnce>>;
    try {
      lost = await loginOnce(mock, backend, user);
    } finally {
      // Times 1, but a backend that never asked WeChat would leave it armed for the next login.
      await mock.clearFaults().catch(() => undefined);
    }
    if (!lost.result) throw new Fail(lost.failure === 'refused' ? `mock answered ${lost.wx.errMsg}` : 'mock login answered no code');
    watch('lostAnswer', lost.result.text);
    const r = lost.result;
    if (lost.ok) {
      throw new Fail(
        `the backend answered a token (HTTP ${r.status}), but WeChat's answer for that code was lost and the code is used: ` +
          'it cannot have had the session',
      );
    }
    if (lost.failure === 'no_token') throw new Fail(`the backend answered success without a token (HTTP ${r.status})`);
    if (lost.failure === 'no_login_route') throw new Fail(`the backend's ${backend.contract.paths.login} answered HTTP 404 this time`);
    const stack = STACK_TRACE.exec(r.text);
    if (stack) throw new Fail(`the refusal carries a stack trace: ${stack[0].slice(0, 80)}`);
    if (r.status >= 500 && !(r.json !== null && typeof r.json === 'object')) {
      throw new Fail(`HTTP ${r.status} without a JSON envelope: ${r.text.replace(/\s+/g, ' ').slice(0, 80)}`);
    }
    const refusal = describeFailure(r);
    const again = await loginOnce(mock, backend, user);
    if (again.result) watch('lostAnswer', again.result.text);
    await learnKey();
    if (!again.ok) {
      if (!again.result) throw new Fail(`refused cleanly (${refusal}), but then the mock answered ${again.wx.errMsg}`);
      throw new Fail(`refused cleanly (${refusal}), but a login with a fresh code then got no token: ${describeFailure(again.result)}`);
    }
    // The newest session is the one logout revokes.
    token = again.token;
    return `a fresh code logged in after a clean refusal: ${refusal}`;
  });

  let loggedOut = false;
  await step('logout', 'logout', async () => {
    needOffered('logout');
    skipNoToken();
    await backendStep('logout', { token });
    loggedOut = true;
    return 'token revoked';
  });

  await step('revoked', 'revoked token refused', async () => {
    if (!loggedOut) throw new Skip('no logout step');
    const probe: BackendStep | undefined = backend.offers('me') ? 'me' : backend.offers('sessionCheck') ? 'sessionCheck' : undefined;
    if (!probe) throw new Skip('no authenticated read to probe with');
    const r = await backend.call(probe, { token });
    watch('revoked', r.text);
    if (r.ok) throw new Fail(`the backend still accepts the token on ${backend.contract.paths[probe]}`);
    if (r.status !== 401 && r.code !== 203) throw new Fail(`refused, but not as an auth failure: ${describeFailure(r)}`);
    return `${backend.contract.paths[probe]} refused it: ${describeFailure(r)}`;
  });

  await step('noKeyLeak', 'session_key never sent to the client', async () => {
    await learnKey();
    if (sessionKeys.size === 0) throw new Skip('the mock did not tell the session_key (no admin API)');
    // Searching no answer proves nothing: say so rather than pass.
    if (answers.length === 0) throw new Skip('the backend sent no answer to search');
    const leaks = answers.filter((a) => [...sessionKeys].some((k) => a.text.includes(k))).map((a) => a.where);
    if (leaks.length) throw new Fail(`the session_key appeared in the answer to ${[...new Set(leaks)].join(', ')}`);
    return `absent from ${answers.length === 1 ? 'the one backend answer' : `all ${answers.length} backend answers`}`;
  });

  const counts: Record<StepStatus, number> = { ok: 0, failed: 0, skipped: 0 };
  for (const s of steps) counts[s.status]++;
  return {
    ok: counts.failed === 0,
    user: user,
    openid: mockUser?.openid,
    backend: backend.baseUrl,
    mock: mock.baseUrl,
    profile: backend.contract.profile,
    steps,
    counts,
    ms: Math.round(performance.now() - started),
  };
}
