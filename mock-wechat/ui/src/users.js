// Users: the list, a form to create one or edit one (POST /__admin/users upserts by openid), each live session key's
// age and expiry, and its rotation or lapse on demand (POST /__admin/users/:openid/session-key/rotate | expire).
import { useEffect, useState } from 'preact/hooks';
import { admin } from './api.js';
import { html, relative } from './html.js';

/** The seed fields an upsert sends back, so editing one field keeps the others (an upsert replaces the profile). */
const SEED_FIELDS = ['alias', 'appid', 'openid', 'unionid', 'nickName', 'avatarUrl', 'gender', 'language', 'city', 'province', 'country', 'phoneNumber', 'purePhoneNumber', 'countryCode', 'risk', 'privacyAgreed'];

export function seedOf(u, change = {}) {
  const s = {};
  for (const k of SEED_FIELDS) if (u[k] !== undefined && u[k] !== '') s[k] = u[k];
  s.consent = { default: u.consent.default, ...u.consent.scopes };
  return { ...s, ...change };
}

const blank = { alias: '', nickName: '', consent: 'grant', risk: false };

function UserForm({ editing, apps, onSaved, onCancel, fail }) {
  const [f, setF] = useState(blank);
  useEffect(() => {
    setF(editing ? { alias: editing.alias, nickName: editing.nickName, consent: editing.consent.default, risk: editing.risk } : blank);
  }, [editing]);
  const [appid, setAppid] = useState('');
  const set = (k) => (e) => setF({ ...f, [k]: e.target.type === 'checkbox' ? e.target.checked : e.target.value });
  const submit = async (e) => {
    e.preventDefault();
    try {
      const body = editing
        ? seedOf(editing, { alias: f.alias, nickName: f.nickName, risk: f.risk, consent: { ...editing.consent.scopes, default: f.consent } })
        : { alias: f.alias, ...(f.nickName ? { nickName: f.nickName } : {}), consent: f.consent, risk: f.risk, ...(appid ? { appid } : {}) };
      await admin('POST', '/__admin/users', body);
      onSaved();
    } catch (err) {
      fail(err);
    }
  };
  const title = editing ? `Edit ${editing.alias}` : 'New user';
  return html`<form class="row-form" onSubmit=${submit} aria-label=${title}>
    <strong>${title}</strong>
    <label>Alias <input value=${f.alias} onInput=${set('alias')} required maxlength="64" /></label>
    <label>Nickname <input value=${f.nickName} onInput=${set('nickName')} maxlength="64" /></label>
    <label>Consent <select value=${f.consent} onChange=${set('consent')}><option value="grant">grant</option><option value="deny">deny</option></select></label>
    <label class="check"><input type="checkbox" checked=${f.risk} onChange=${set('risk')} /> High risk</label>
    ${!editing && apps.length > 1
      ? html`<label>App <select value=${appid} onChange=${(e) => setAppid(e.target.value)}><option value="">default</option>${apps.map((a) => html`<option value=${a.appid}>${a.appid}</option>`)}</select></label>`
      : ''}
    <button type="submit">${editing ? 'Save user' : 'Create user'}</button>
    ${editing ? html`<button type="button" onClick=${onCancel}>Cancel</button>` : ''}
  </form>`;
}

/** rotate | expire one user's key, then reload the list (which reloads the keys). */
async function keyAction(u, action, refreshUsers, fail) {
  try {
    await admin('POST', `/__admin/users/${encodeURIComponent(u.openid)}/session-key/${action}?${new URLSearchParams({ appid: u.appid })}`);
  } catch (err) {
    fail(err);
  }
  await refreshUsers();
}

export function Users({ apps, users, refreshUsers, fail }) {
  const [keys, setKeys] = useState({});
  const [editing, setEditing] = useState(undefined);
  const [now, setNow] = useState(undefined);
  const [tokens, setTokens] = useState([]);
  useEffect(() => {
    let stop = false;
    (async () => {
      // Keys and tokens as GET /__admin/state exports them (the admin API has no list of either): each user's live
      // key with when it was issued, each app's latest access token. The mock's own time, so ages read right after
      // the clock was advanced.
      const [clock, snap] = await Promise.all([admin('POST', '/__admin/clock', { advanceSeconds: 0 }), admin('GET', '/__admin/state')]).catch((err) => {
        fail(err);
        return [];
      });
      if (stop || !snap) return;
      const out = {};
      for (const u of snap.modules?.users?.users ?? []) if (u.key) out[`${u.appid}/${u.openid}`] = u.key;
      const live = (snap.modules?.tokens?.tokens ?? []).filter((t) => t.expiresAt > clock.now);
      setKeys(out);
      setTokens((snap.modules?.tokens?.apps ?? []).map((a) => ({ appid: a.appid, token: live.find((t) => t.token === a.latest) })));
      setNow(clock.now);
    })();
    return () => {
      stop = true;
    };
  }, [users]);
  const multi = apps.length > 1;
  return html`<section id="users" class="card wide" aria-labelledby="users-title">
    <div class="bar"><h2 id="users-title">Users</h2><button onClick=${refreshUsers}>Refresh users</button></div>
    <div class="scroll"><table>
      <thead><tr>${multi ? html`<th>App</th>` : ''}<th>Alias</th><th>Openid</th><th>Unionid</th><th>Consent</th><th>Risk</th><th>Session key</th><th><span class="sr">Actions</span></th></tr></thead>
      <tbody>${users.map((u) => {
        const key = keys[`${u.appid}/${u.openid}`];
        const live = key && now !== undefined && key.expiresAt > now;
        const scopes = Object.entries(u.consent.scopes).map(([k, v]) => `${k}: ${v}`).join(', ');
        return html`<tr key=${`${u.appid}/${u.openid}`}>
          ${multi ? html`<td>${u.appid}</td>` : ''}
          <td>${u.alias}<div class="dim">${u.nickName}</div></td>
          <td class="mono">${u.openid}</td>
          <td class="mono">${u.unionid ?? '—'}</td>
          <td>${u.consent.default}${scopes ? html`<div class="dim">${scopes}</div>` : ''}</td>
          <td>${u.risk ? html`<span class="tag bad">high</span>` : 'no'}</td>
          <td>${live ? html`issued ${relative(key.issuedAt - now)}<div class="dim">expires ${relative(key.expiresAt - now)}</div>` : html`<span class="dim">none</span>`}</td>
          <td class="actions">
            <button onClick=${() => setEditing(u)} aria-label=${`Edit ${u.alias}`}>Edit</button>
            <button onClick=${() => keyAction(u, 'rotate', refreshUsers, fail)} aria-label=${`Rotate ${u.alias}'s key`}>Rotate</button>
            <button onClick=${() => keyAction(u, 'expire', refreshUsers, fail)} disabled=${!live} aria-label=${`Expire ${u.alias}'s key`}>Expire</button>
          </td>
        </tr>`;
      })}</tbody>
    </table></div>
    <h3>Access tokens</h3>
    <ul class="faults" aria-label="Access tokens">
      ${tokens.length === 0 ? html`<li class="dim">none issued yet</li>` : ''}
      ${tokens.map((t) => html`<li key=${t.appid}><span class="mono">${t.appid}</span> ${t.token ? html`<span class="mono">${t.token.token.slice(0, 12)}…</span> expires ${relative(t.token.expiresAt - now)}` : html`<span class="dim">none live</span>`}</li>`)}
    </ul>
    <${UserForm} editing=${editing} apps=${apps} fail=${fail} onCancel=${() => setEditing(undefined)} onSaved=${() => {
      setEditing(undefined);
      refreshUsers();
    }} />
  </section>`;
}
