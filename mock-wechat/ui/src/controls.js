// Faults (POST/GET/DELETE /__admin/faults, DELETE /__admin/faults/:id) and the clock (POST /__admin/clock).
import { useEffect, useState } from 'preact/hooks';
import { admin } from './api.js';
import { AFTER_KINDS, ENDPOINTS, FAULT_KINDS } from './endpoints.js';
import { html } from './html.js';

const int = (s) => (s.trim() === '' ? undefined : Number(s));

export function Faults({ fail }) {
  const [faults, setFaults] = useState([]);
  const [f, setF] = useState({ endpoint: '/sns/jscode2session', kind: 'errcode', errcode: '-1', latencyMs: '', status: '', times: '1', probability: '', when: 'before' });
  const load = () => admin('GET', '/__admin/faults').then((r) => setFaults(r.faults), fail);
  useEffect(() => {
    load();
  }, []);
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  const submit = async (e) => {
    e.preventDefault();
    const spec = { endpoint: f.endpoint, kind: f.kind };
    if (f.kind === 'errcode' && int(f.errcode) !== undefined) spec.errcode = int(f.errcode);
    if (f.kind === 'latency' && int(f.latencyMs) !== undefined) spec.latencyMs = int(f.latencyMs);
    if (f.kind === 'http5xx' && int(f.status) !== undefined) spec.status = int(f.status);
    if (int(f.times) !== undefined) spec.times = int(f.times);
    if (f.probability.trim() !== '') spec.probability = Number(f.probability);
    if (f.when === 'after') spec.when = 'after';
    try {
      await admin('POST', '/__admin/faults', spec);
      await load();
    } catch (err) {
      fail(err);
    }
  };
  // A 404 is a fault spent meanwhile: the reloaded list shows it gone either way.
  const remove = async (id) => {
    await admin('DELETE', `/__admin/faults/${encodeURIComponent(id)}`).catch((err) => err.status === 404 || fail(err));
    await load();
  };
  const clear = async () => {
    await admin('DELETE', '/__admin/faults').catch(fail);
    await load();
  };
  return html`<section id="faults" class="card" aria-labelledby="faults-title">
    <div class="bar"><h2 id="faults-title">Faults</h2><button onClick=${load}>Refresh faults</button></div>
    <form class="fault-form" onSubmit=${submit} aria-label="Add a fault">
      <label>Endpoint <select value=${f.endpoint} onChange=${set('endpoint')}><option value="*">* (every server API)</option>${ENDPOINTS.map((p) => html`<option value=${p}>${p}</option>`)}</select></label>
      <label>Kind <select value=${f.kind} onChange=${set('kind')}>${FAULT_KINDS.map((k) => html`<option value=${k}>${k}</option>`)}</select></label>
      ${f.kind === 'errcode' ? html`<label>Errcode <input value=${f.errcode} onInput=${set('errcode')} inputmode="numeric" /></label>` : ''}
      ${f.kind === 'latency' ? html`<label>Latency (ms) <input value=${f.latencyMs} onInput=${set('latencyMs')} inputmode="numeric" /></label>` : ''}
      ${f.kind === 'http5xx' ? html`<label>HTTP status <input value=${f.status} onInput=${set('status')} inputmode="numeric" placeholder="502" /></label>` : ''}
      <label>Times <input value=${f.times} onInput=${set('times')} inputmode="numeric" /></label>
      <label>Probability <input value=${f.probability} onInput=${set('probability')} inputmode="decimal" placeholder="0..1" /></label>
      <label>When <select value=${f.when} onChange=${set('when')}><option value="before">before processing</option>${AFTER_KINDS.includes(f.kind) ? html`<option value="after">after processing</option>` : ''}</select></label>
      <button type="submit">Add fault</button>
    </form>
    <ul class="faults" aria-label="Active faults">
      ${faults.length === 0 ? html`<li class="dim">none</li>` : ''}
      ${faults.map(
        (x) => html`<li key=${x.id}><span class="mono">${x.id}</span> ${x.kind}${x.errcode !== undefined ? ` ${x.errcode}` : ''}${x.latencyMs !== undefined ? ` ${x.latencyMs} ms` : ''}${x.status !== undefined ? ` ${x.status}` : ''} on <span class="mono">${x.endpoint}</span>${x.when === 'after' ? ' (after)' : ''}, ${x.remaining === null ? 'until cleared' : `${x.remaining} left`}${x.probability !== undefined ? `, p=${x.probability}` : ''} <button class="small" onClick=${() => remove(x.id)} aria-label=${`Remove fault ${x.id}`}>Remove</button></li>`,
      )}
    </ul>
    <button onClick=${clear} disabled=${faults.length === 0}>Clear all faults</button>
  </section>`;
}

const STEPS = [
  ['+5 min', 300],
  ['+2 h', 7200],
  ['+3 days', 259200],
];

export function Clock({ fail }) {
  const [now, setNow] = useState(undefined);
  const [seconds, setSeconds] = useState('60');
  const advance = async (s) => {
    try {
      setNow((await admin('POST', '/__admin/clock', { advanceSeconds: s })).time);
    } catch (err) {
      fail(err);
    }
  };
  useEffect(() => {
    advance(0);
  }, []);
  const submit = (e) => {
    e.preventDefault();
    advance(Number(seconds));
  };
  return html`<section id="clock" class="card" aria-labelledby="clock-title">
    <h2 id="clock-title">Clock</h2>
    <p>Mock time: <output class="mono" aria-label="Mock time">${now ?? '…'}</output></p>
    <form class="row-form" onSubmit=${submit} aria-label="Advance the clock">
      <label>Seconds <input value=${seconds} onInput=${(e) => setSeconds(e.target.value)} inputmode="numeric" required /></label>
      <button type="submit">Advance clock</button>
      ${STEPS.map(([label, s]) => html`<button type="button" onClick=${() => advance(s)} aria-label=${`Advance clock ${label}`}>${label}</button>`)}
    </form>
  </section>`;
}
