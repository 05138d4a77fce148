// The journal, live: the newest entries (GET /__admin/journal), then each new one as the stream sends it
// (GET /__admin/journal/stream), with the same filters; a click opens the request and what was answered.
import { useEffect, useState } from 'preact/hooks';
import { admin, followJournal } from './api.js';
import { ENDPOINTS } from './endpoints.js';
import { html } from './html.js';

const KEEP = 300;

function Detail({ e, onClose }) {
  const request = { method: e.method, path: e.path, ...(e.query ? { query: e.query } : {}), ...(e.body !== undefined ? { body: e.body } : {}) };
  const answer = {
    status: e.status,
    ...(e.errcode !== undefined ? { errcode: e.errcode } : {}),
    ...(e.errMsg !== undefined ? { errMsg: e.errMsg } : {}),
    ...(e.openid ? { openid: e.openid } : {}),
    ...(e.fault ? { fault: e.fault, faultWhen: e.faultWhen ?? 'before' } : {}),
    ...(e.quirks ? { quirks: e.quirks } : {}),
    durationMs: e.durationMs,
  };
  return html`<div class="detail" role="region" aria-label=${`Entry ${e.id}`}>
    <div class="bar"><strong>#${e.id} ${e.method} ${e.path}</strong><button onClick=${onClose}>Close entry</button></div>
    <h3>Request</h3><pre>${JSON.stringify(request, null, 2)}</pre>
    <h3>Answer</h3><pre>${JSON.stringify(answer, null, 2)}</pre>
  </div>`;
}

export function Journal({ fail }) {
  const [filters, setFilters] = useState({ endpoint: '', openid: '', errcode: '' });
  const [entries, setEntries] = useState([]);
  const [state, setState] = useState('connecting');
  const [open, setOpen] = useState(undefined);
  const [problem, setProblem] = useState('');

  useEffect(() => {
    const q = Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== ''));
    let stop = () => {};
    let live = true;
    setEntries([]);
    setProblem('');
    (async () => {
      try {
        const first = await admin('GET', `/__admin/journal?${new URLSearchParams({ ...q, limit: String(KEEP) })}`);
        if (!live) return;
        setEntries(first.entries);
        stop = followJournal(
          q,
          (e) => setEntries((old) => [e, ...old].slice(0, KEEP)),
          (s) => live && setState(typeof s === 'string' ? s : `error: ${s.message}`),
        );
      } catch (err) {
        if (err.status === 400) setProblem(err.message);
        else fail(err);
      }
    })();
    return () => {
      live = false;
      stop();
    };
  }, [filters.endpoint, filters.openid, filters.errcode]);

  const [draft, setDraft] = useState(filters);
  const apply = (e) => {
    e.preventDefault();
    setFilters({ ...draft, errcode: draft.errcode.trim(), openid: draft.openid.trim() });
  };
  const set = (k) => (e) => setDraft({ ...draft, [k]: e.target.value });
  return html`<section id="journal" class="card wide" aria-labelledby="journal-title">
    <div class="bar"><h2 id="journal-title">Journal</h2><span class=${`tag ${state === 'live' ? 'good' : 'bad'}`} role="status" aria-label="Journal stream">${state}</span></div>
    <form class="row-form" onSubmit=${apply} aria-label="Journal filters">
      <label>Endpoint <select value=${draft.endpoint} onChange=${set('endpoint')}><option value="">any</option>${ENDPOINTS.map((p) => html`<option value=${p}>${p}</option>`)}</select></label>
      <label>User (openid or alias) <input value=${draft.openid} onInput=${set('openid')} /></label>
      <label>Errcode <input value=${draft.errcode} onInput=${set('errcode')} inputmode="numeric" size="6" /></label>
      <button type="submit">Filter</button>
    </form>
    ${problem ? html`<p class="error" role="alert">${problem}</p>` : ''}
    <div class="scroll tall"><table aria-label="Journal entries">
      <thead><tr><th>Time</th><th>Endpoint</th><th>Status</th><th>Errcode</th><th>Fault</th><th>User</th></tr></thead>
      <tbody>${entries.map(
        (e) => html`<tr key=${e.id} class=${open?.id === e.id ? 'sel' : ''}>
          <td class="mono">${e.time.slice(11, 23)}</td>
          <td><button class="link" onClick=${() => setOpen(e)} aria-label=${`Entry ${e.id}: ${e.method} ${e.path}`}>${e.path}</button></td>
          <td>${e.status}</td>
          <td>${e.errcode ?? (e.errMsg?.includes(':fail') ? e.errMsg : '')}</td>
          <td>${e.fault ? html`<span class="tag bad">${e.fault}${e.faultWhen === 'after' ? ' (after)' : ''}</span>` : ''}</td>
          <td class="mono">${e.openid ?? (e.body && typeof e.body === 'object' ? e.body.user ?? '' : '')}</td>
        </tr>`,
      )}</tbody>
    </table></div>
    ${open ? html`<${Detail} e=${open} onClose=${() => setOpen(undefined)} />` : ''}
  </section>`;
}
