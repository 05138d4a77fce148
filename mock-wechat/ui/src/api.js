// The admin API and the client simulator, as any other client reads them: same paths, same bearer token.
const TOKEN_KEY = 'wxlogin-mock-admin-token';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY) ?? '',
  set: (t) => (t ? sessionStorage.setItem(TOKEN_KEY, t) : sessionStorage.removeItem(TOKEN_KEY)),
};

function headers(body) {
  const h = {};
  const t = token.get();
  if (t) h.authorization = `Bearer ${t}`;
  if (body !== undefined) h['content-type'] = 'application/json';
  return h;
}

/** One admin call: the answer's JSON, or an ApiError with the admin API's {error} text. */
export async function admin(method, path, body) {
  const res = await fetch(path, { method, headers: headers(body), body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, data.error ?? `${method} ${path}: HTTP ${res.status}`);
  return data;
}

/** One wx.* call through the client simulator: the callback object ({errMsg, ...}), success or not. */
export async function client(api, body) {
  const res = await fetch(`/__client/${api}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return res.json().catch(() => ({ errMsg: `${api}:fail HTTP ${res.status}` }));
}

/**
 * Follows GET /__admin/journal/stream (server-sent events) with fetch, which can send the token (EventSource
 * cannot). Calls onEntry per entry and onState('live' | 'closed' | error text); returns a function that stops.
 */
export function followJournal(filters, onEntry, onState) {
  const ctl = new AbortController();
  const q = new URLSearchParams(filters).toString();
  (async () => {
    try {
      const res = await fetch(`/__admin/journal/stream${q ? `?${q}` : ''}`, { headers: headers(), signal: ctl.signal });
      if (!res.ok) {
        const data = await res.json().catch(() => ({}));
        throw new ApiError(res.status, data.error ?? `journal stream: HTTP ${res.status}`);
      }
      onState('live');
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const event = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = event
            .split('\n')
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6))
            .join('\n');
          if (data) onEntry(JSON.parse(data));
        }
      }
      onState('closed');
    } catch (err) {
      if (!ctl.signal.aborted) onState(err);
    }
  })();
  return () => ctl.abort();
}

/**
 * One call to a login backend (a mini program's server) the way the mini program makes it: JSON, the token as a
 * bearer. The page is on the mock's origin, so the backend must allow it by CORS (`wxlogin backend --cors-origin`).
 * Answers {status, body}; a network or CORS refusal becomes an Error saying what to check.
 */
export async function backendCall(base, path, body, bearer) {
  const h = { 'content-type': 'application/json' };
  if (bearer) h.authorization = `Bearer ${bearer}`;
  let res;
  try {
    res = await fetch(`${base}${path}`, { method: 'POST', headers: h, body: JSON.stringify(body) });
  } catch (err) {
    throw new Error(`cannot reach ${base}${path} (${err.message}): is the backend up, and does it allow ${location.origin} (--cors-origin)?`);
  }
  const text = await res.text();
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed };
}

/** A backend base URL as typed: http(s) only, no trailing slash; undefined when empty; an Error when not a URL. */
export function backendBase(text) {
  const t = text.trim();
  if (t === '') return undefined;
  let u;
  try {
    u = new URL(t);
  } catch {
    throw new Error(`"${t}" is not a URL (e.g. http://127.0.0.1:9401)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`"${t}" is not an http(s) URL`);
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}
