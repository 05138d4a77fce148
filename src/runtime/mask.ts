// Secrets in the trace: login codes, tokens, session keys, ciphertexts, signatures. The trace shows their first
// characters and `***`, the way the mock's journal masks codes (mock-wechat/README.md), so a trace can be pasted into
// a CI log or an issue without handing out a live token.
import { types } from 'node:util';

const SECRET_KEY = /^(code|token|access_?token|refresh_?token|session_?key|encrypted_?data|iv|signature|secret|app_?secret|password|authorization|cookie|set-cookie|cloud_?id)$/i;
/** A key whose value is a secret when it is a string (`code` is also the envelope's numeric status: left alone). */
export const isSecretKey = (key: string): boolean => SECRET_KEY.test(key) || /token/i.test(key);

export const maskString = (s: string): string => (s.length <= 6 ? '***' : `${s.slice(0, 6)}***`);

export function mask(value: unknown, depth = 0): unknown {
  if (depth > 20 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => mask(v, depth + 1));
  // Of any realm: the program's code runs in contexts of its own, whose ArrayBuffer is not this one.
  if (types.isAnyArrayBuffer(value) || ArrayBuffer.isView(value)) return `<${(value as ArrayBuffer).byteLength} bytes>`;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'function') continue;
    out[k] = isSecretKey(k) && typeof v === 'string' ? maskString(v) : mask(v, depth + 1);
  }
  return out;
}

/**
 * A URL with the values of its secret query parameters masked (`?token=abc123xyz` → `?token=abc123***`): a GET's
 * `data` ends up in the query string, and download URLs are often signed.
 */
export function maskUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const hash = url.indexOf('#', q);
  const end = hash < 0 ? url.length : hash;
  const query = url
    .slice(q + 1, end)
    .split('&')
    .map((part) => {
      const i = part.indexOf('=');
      if (i < 0) return part;
      let key: string;
      let value: string;
      try {
        key = decodeURIComponent(part.slice(0, i).replace(/\+/g, ' '));
        value = decodeURIComponent(part.slice(i + 1).replace(/\+/g, ' '));
      } catch {
        return part;
      }
      return isSecretKey(key) ? `${part.slice(0, i)}=${encodeURIComponent(maskString(value))}` : part;
    })
    .join('&');
  return `${url.slice(0, q + 1)}${query}${url.slice(end)}`;
}
