// A phone: pick a user and an app, tap 登录 to run wx.login (POST /__client/login), ask for scopes through WeChat's
// consent sheet (允许 / 拒绝), and call getUserInfo / getPhoneNumber / getWeRunData / getShareInfo to see their
// encrypted payloads. The simulated user answers a sheet as their consent policy says, so a tap on 允许 or 拒绝 first
// records that answer in the policy (POST /__admin/users, the same upsert the Users form does) and then makes the call.
// getWeRunData needs scope.werun: the sheet asks once, as wx.authorize's does, and a refusal is remembered
// (https://developers.weixin.qq.com/miniprogram/dev/api/open-api/werun/wx.getWeRunData.html). getShareInfo needs the
// shareTicket a share to a group hands over (https://developers.weixin.qq.com/miniprogram/dev/api/share/wx.getShareInfo.html):
// 分享到群 plays such a share and gives a fresh ticket; the mock gives one group (openGId) per ticket.
// With a backend URL (prefilled from ?backend=, which `wxlogin up` puts in the address it prints), the phone does what
// a mini program does next: 登录 posts the code to <backend>/login, and the data calls post their payloads to
// /userinfo, /phone, /werun and /shareinfo with the token, and the backend's answers are shown.
import { useEffect, useRef, useState } from 'preact/hooks';
import { admin, backendBase, backendCall, client } from './api.js';
import { html } from './html.js';
import { seedOf } from './users.js';

/** What each sheet asks for, in the words of WeChat's own sheets. */
const ASKS = {
  'scope.userLocation': '获取你的位置信息',
  'scope.werun': '获取你的微信运动步数',
  'scope.address': '获取你的通讯地址',
  phoneNumber: '获取你的手机号码',
};
const SCOPES = ['scope.userLocation', 'scope.werun', 'scope.address'];

function Sheet({ app, ask, onAnswer }) {
  // The sheet rises from the bottom of the phone, which a long answer can push below the window: bring it into view
  // and give it the focus, as a dialog should.
  const ref = useRef(null);
  useEffect(() => {
    ref.current?.scrollIntoView({ block: 'nearest' });
    ref.current?.focus({ preventScroll: true });
  }, []);
  return html`<div class="sheet" role="dialog" aria-modal="true" aria-labelledby="sheet-title" tabindex="-1" ref=${ref}>
    <p id="sheet-title"><strong>${app}</strong> 申请${ASKS[ask] ?? ask}</p>
    <div class="sheet-buttons">
      <button onClick=${() => onAnswer('deny')}>拒绝</button>
      <button class="primary" onClick=${() => onAnswer('grant')}>允许</button>
    </div>
  </div>`;
}

/** What the backend is sent after each call: its route and body, or why nothing was sent. */
const EXCHANGES = {
  login: (r) => (r.code ? { path: '/login', body: { code: r.code } } : undefined),
  getUserInfo: (r) =>
    r.encryptedData ? { path: '/userinfo', body: { encryptedData: r.encryptedData, iv: r.iv, rawData: r.rawData, signature: r.signature }, authed: true } : undefined,
  // The phone code when the base library hands one out (2.21.2+), else the old encrypted payload: /phone takes one.
  getPhoneNumber: (r) => (r.code ? { path: '/phone', body: { code: r.code }, authed: true } : r.encryptedData ? { path: '/phone', body: { encryptedData: r.encryptedData, iv: r.iv }, authed: true } : undefined),
  getWeRunData: (r) => (r.encryptedData ? { path: '/werun', body: { encryptedData: r.encryptedData, iv: r.iv }, authed: true } : undefined),
  getShareInfo: (r) => (r.encryptedData ? { path: '/shareinfo', body: { encryptedData: r.encryptedData, iv: r.iv }, authed: true } : undefined),
};

/** A new shareTicket, as a share to a group card hands one over (getRandomValues: randomUUID needs a secure origin). */
function newTicket() {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return `share-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function BackendAnswer({ b }) {
  if (b.error) return html`<div class="fail" role="alert">${b.error}</div>`;
  const token = b.body?.data?.token;
  const steps = b.body?.data?.stepInfoList;
  const last = Array.isArray(steps) ? steps[steps.length - 1] : undefined;
  const gid = b.body?.data?.openGId;
  return html`<div role="region" aria-label="Backend answer">
    <div>backend <span class="mono">POST ${b.path}</span>: <span class=${b.status === 200 ? 'ok' : 'fail'}>HTTP ${b.status}</span></div>
    ${token ? html`<div>token <output class="mono" aria-label="Backend token">${token}</output></div>` : ''}
    ${Array.isArray(steps) ? html`<div>${steps.length} days of steps${last ? `, the latest ${last.step}` : ''}</div>` : ''}
    ${typeof gid === 'string' ? html`<div>openGId <output class="mono" aria-label="Backend openGId">${gid}</output></div>` : ''}
    <pre aria-label="Backend body">${JSON.stringify(b.body, null, 1)}</pre>
  </div>`;
}

const initialBackend = () => new URLSearchParams(location.search).get('backend') ?? '';

export function Phone({ apps, users, refreshUsers, fail }) {
  const [appid, setAppid] = useState('');
  const [alias, setAlias] = useState('');
  const [result, setResult] = useState(undefined);
  const [sheet, setSheet] = useState(undefined);
  const [backendText, setBackendText] = useState(initialBackend);
  const [ticket, setTicket] = useState('');
  // The backend's token for this user of this app at this backend: a new pick starts logged out.
  const [session, setSession] = useState(undefined);
  const app = appid || apps[0]?.appid || '';
  const mine = users.filter((u) => u.appid === app);
  useEffect(() => {
    if (!mine.some((u) => u.alias === alias)) setAlias(mine[0]?.alias ?? '');
  }, [app, users]);
  const user = mine.find((u) => u.alias === alias);
  let base;
  let baseError = '';
  try {
    base = backendBase(backendText);
  } catch (err) {
    baseError = err.message;
  }
  const who = `${base}|${app}|${alias}`;
  const token = session?.who === who ? session.token : undefined;

  // Sends the call's payload on to the backend, as the mini program would, and returns what to show.
  const exchange = async (api, r) => {
    const x = base && EXCHANGES[api]?.(r);
    if (!x) return undefined;
    if (x.authed && !token) return { path: x.path, error: `no backend token for ${alias}: tap 登录 first` };
    try {
      const b = await backendCall(base, x.path, x.body, x.authed ? token : undefined);
      if (api === 'login' && b.status === 200 && typeof b.body?.data?.token === 'string') setSession({ who, token: b.body.data.token });
      return { path: x.path, ...b };
    } catch (err) {
      return { path: x.path, error: err.message };
    }
  };
  const call = async (api, extra = {}) => {
    const r = await client(api, { user: alias, appid: app, ...extra });
    setResult({ api, r });
    const backend = await exchange(api, r);
    if (backend) setResult({ api, r, backend });
    return r;
  };
  // Records the user's answer in their consent policy, then makes the call the sheet stood for.
  const answer = async (decision) => {
    const { key, run } = sheet;
    setSheet(undefined);
    try {
      await admin('POST', '/__admin/users', seedOf(user, { consent: { default: user.consent.default, ...user.consent.scopes, [key]: decision } }));
      await run();
      await refreshUsers();
    } catch (err) {
      fail(err);
    }
  };
  const authorize = (scope) => {
    const run = () => call('authorize', { scope });
    // WeChat asks once: a scope already granted or refused is answered without a sheet.
    if (user.authSetting[scope] !== undefined) return run().then(refreshUsers);
    setSheet({ key: scope, run });
  };
  // getWeRunData asks for scope.werun the first time only; the mock then answers as the recorded policy says.
  const weRun = () => {
    const run = () => call('getWeRunData');
    if (user.authSetting['scope.werun'] !== undefined) return run().then(refreshUsers, fail);
    setSheet({ key: 'scope.werun', run });
  };
  const shareTicket = ticket.trim();
  const disabled = !user || sheet !== undefined;
  return html`<section id="phone" class="card phone-card" aria-labelledby="phone-title">
    <h2 id="phone-title">Phone</h2>
    <div class="row-form">
      <label class="backend-url">Backend URL <input type="url" value=${backendText} onInput=${(e) => setBackendText(e.target.value)} placeholder="http://127.0.0.1:9401 (optional)" spellcheck="false" /></label>
      ${baseError ? html`<span class="fail" role="alert">${baseError}</span>` : ''}
      ${base ? html`<span class="dim">${token ? 'logged in at the backend' : 'not logged in at the backend'}</span>` : ''}
    </div>
    <div class="row-form">
      ${apps.length > 1 ? html`<label>App <select value=${app} onChange=${(e) => setAppid(e.target.value)}>${apps.map((a) => html`<option value=${a.appid}>${a.appid}</option>`)}</select></label>` : ''}
      <label>User <select value=${alias} onChange=${(e) => setAlias(e.target.value)}>${mine.map((u) => html`<option value=${u.alias}>${u.alias} (${u.nickName})</option>`)}</select></label>
    </div>
    <div class="phone" aria-label="Phone screen" role="group">
      <div class="phone-top"><span>${app}</span></div>
      <div class="phone-body">
        <button class="primary big" disabled=${disabled} onClick=${() => call('login')}>登录</button>
        <div class="phone-grid">
          ${SCOPES.map((s) => html`<button disabled=${disabled} onClick=${() => authorize(s)} aria-label=${`授权 ${s}`}>授权 ${s.slice(6)}</button>`)}
          <button disabled=${disabled} onClick=${() => call('getUserInfo', { withCredentials: true })}>getUserInfo</button>
          <button disabled=${disabled} onClick=${() => setSheet({ key: 'phoneNumber', run: () => call('getPhoneNumber') })}>getPhoneNumber</button>
          <button disabled=${disabled} onClick=${weRun}>getWeRunData</button>
        </div>
        <div class="share">
          <label>shareTicket <input value=${ticket} onInput=${(e) => setTicket(e.target.value)} maxlength="256" spellcheck="false" placeholder="tap 分享到群" /></label>
          <button onClick=${() => setTicket(newTicket())}>分享到群</button>
        </div>
        <button disabled=${disabled || shareTicket === ''} onClick=${() => call('getShareInfo', { shareTicket }).catch(fail)}>getShareInfo</button>
        ${result
          ? html`<div class="result" role="region" aria-label="Result">
              <div><strong>${result.api}</strong>: <span class=${result.r.errMsg?.endsWith(':ok') ? 'ok' : 'fail'}>${result.r.errMsg}</span></div>
              ${result.r.code ? html`<div>code <output class="mono" aria-label="Login code">${result.r.code}</output></div>` : ''}
              ${result.r.authSetting ? html`<div class="mono">${JSON.stringify(result.r.authSetting)}</div>` : ''}
              ${result.r.encryptedData || result.r.rawData ? html`<pre aria-label="Payload">${JSON.stringify(result.r, null, 1)}</pre>` : ''}
              ${result.backend ? html`<${BackendAnswer} b=${result.backend} />` : ''}
            </div>`
          : ''}
      </div>
      ${sheet ? html`<${Sheet} app=${app} ask=${sheet.key} onAnswer=${answer} />` : ''}
    </div>
  </section>`;
}
