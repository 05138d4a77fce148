// The mock's dashboard: users, the live journal, faults, the clock and a phone simulator, over the admin API and the
// client simulator (no private endpoint). Preact with htm: no build step beyond esbuild's bundle, no JSX.
import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { admin, ApiError, token } from './api.js';
import { html } from './html.js';
import { Journal } from './journal.js';
import { Phone } from './phone.js';
import { Faults, Clock } from './controls.js';
import { Users } from './users.js';

function TokenForm({ onDone, wrong }) {
  const [value, setValue] = useState('');
  const submit = (e) => {
    e.preventDefault();
    token.set(value.trim());
    onDone();
  };
  return html`<form class="card token" onSubmit=${submit} aria-labelledby="token-title">
    <h2 id="token-title">Admin token</h2>
    <p>This mock's admin API is protected (<code>--admin-token</code>). ${wrong ? html`<strong role="alert">That token was refused.</strong>` : ''}</p>
    <label>Token <input type="password" autocomplete="off" value=${value} onInput=${(e) => setValue(e.target.value)} required /></label>
    <button type="submit">Use token</button>
  </form>`;
}

function App() {
  const [apps, setApps] = useState([]);
  const [users, setUsers] = useState([]);
  const [auth, setAuth] = useState('checking'); // checking | ok | needed | refused
  const [error, setError] = useState('');

  const fail = useCallback((err) => {
    if (err instanceof ApiError && err.status === 401) setAuth(token.get() ? 'refused' : 'needed');
    else setError(String(err.message ?? err));
  }, []);

  const refreshUsers = useCallback(async () => {
    try {
      setUsers((await admin('GET', '/__admin/users')).users);
    } catch (err) {
      fail(err);
    }
  }, [fail]);

  const start = useCallback(async () => {
    try {
      setApps((await admin('GET', '/__admin/apps')).apps);
      await refreshUsers();
      setAuth('ok');
      setError('');
    } catch (err) {
      fail(err);
    }
  }, [fail, refreshUsers]);

  useEffect(() => {
    start();
  }, [start]);

  if (auth === 'needed' || auth === 'refused') return html`<main><${TokenForm} onDone=${start} wrong=${auth === 'refused'} /></main>`;
  const ctx = { apps, users, refreshUsers, fail };
  return html`<header class="top">
      <h1>mock WeChat</h1>
      <nav aria-label="Sections">
        <a href="#users">Users</a><a href="#journal">Journal</a><a href="#faults">Faults</a><a href="#clock">Clock</a><a href="#phone">Phone</a>
      </nav>
    </header>
    ${error ? html`<p class="error" role="alert">${error} <button onClick=${() => setError('')}>Dismiss</button></p>` : ''}
    ${auth === 'ok'
      ? html`<main class="grid">
          <${Users} ...${ctx} />
          <${Phone} ...${ctx} />
          <${Journal} ...${ctx} />
          <div class="stack"><${Faults} ...${ctx} /><${Clock} ...${ctx} /></div>
        </main>`
      : html`<p>Loading…</p>`}`;
}

render(html`<${App} />`, document.getElementById('app'));
