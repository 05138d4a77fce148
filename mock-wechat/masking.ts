// Masking of secrets in what the mock shows (the journal, log lines, not-found answers). Masking goes by the
// normalised key (case, punctuation and brackets ignored: `SECRET`, `app_secret`, `secret[]`, `sessionKey` all
// count), at every depth of query and body, through arrays, and in the path (matrix parameters such as
// `;secret=…`). A sensitive key masks everything under it, whatever its type. As a last line, the values of the
// served apps' own secrets are blotted out wherever they appear.
type Policy = 'hide' | 'partial' | undefined;

/** Deeper than this, a subtree is summarised rather than walked (a 64 KiB body can nest thousands deep). */
const MAX_DEPTH = 32;
/** App secrets shorter than this are masked by key only: blotting a short string everywhere would garble entries. */
const MIN_SCRUB = 8;
export const TOO_DEEP = '(nested too deep)';

export function normaliseKey(key: string): string {
  return key.normalize('NFKC').toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * Fully hidden: anything named like a secret (secret, appsecret, client_secret, ...) and session keys. Partly
 * shown, so a person can match a journal line to a log line: tokens and codes.
 */
export function policyOf(key: string): Policy {
  const n = normaliseKey(key);
  if (n.includes('secret') || n.includes('sessionkey')) return 'hide';
  if (n.includes('token') || n === 'jscode' || n === 'code') return 'partial';
  return undefined;
}

function apply(p: 'hide' | 'partial', v: string): string {
  if (p === 'hide' || v.length <= 8) return '***';
  return `${v.slice(0, 6)}***`;
}

function put(out: Record<string, unknown>, k: string, v: unknown): void {
  // defineProperty, so a `__proto__` key stays a key instead of replacing the prototype.
  Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
}

function maskTree(v: unknown, p: Policy, depth: number, scrub: (s: string) => string): unknown {
  if (v === null || v === undefined) return v;
  if (p === 'hide') return '***';
  if (typeof v !== 'object') {
    if (p === 'partial') return apply(p, String(v));
    return typeof v === 'string' ? scrub(v) : v;
  }
  if (depth >= MAX_DEPTH) return TOO_DEEP;
  if (Array.isArray(v)) return v.map((x) => maskTree(x, p, depth + 1, scrub));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    put(out, scrub(k), maskTree(x, policyOf(k) ?? p, depth + 1, scrub));
  }
  return out;
}

/** Decodes every well-formed %XX run, leaving malformed ones as they are (decodeURIComponent would throw). */
function decodeLoosely(s: string): string {
  return s.replace(/(?:%[0-9A-Fa-f]{2})+/g, (m) => {
    try {
      return decodeURIComponent(m);
    } catch {
      return m;
    }
  });
}

export function createMasker(secrets: () => readonly string[] = () => []) {
  function scrub(s: string): string {
    let out = s;
    for (const secret of secrets()) {
      if (secret.length >= MIN_SCRUB && out.includes(secret)) out = out.split(secret).join('***');
    }
    return out;
  }

  /**
   * A request path as recorded (query already cut off). `key=value` pairs anywhere in it (`;secret=…` matrix
   * parameters, `&code=…`, `/token=…`) are masked by key, after percent-decoding (twice, for double encoding);
   * the decoded form is shown only when something was masked.
   */
  function maskPath(path: string): string {
    let decoded = path;
    for (let i = 0; i < 3; i++) {
      const next = decodeLoosely(decoded);
      if (next === decoded) break;
      decoded = next;
    }
    const masked = scrub(
      decoded.replace(/([^;&/?=,\s]+)=([^;&/?,]*)/g, (m, k: string, v: string) => {
        const p = policyOf(k);
        return p ? `${k}=${apply(p, v)}` : m;
      }),
    );
    return masked === decoded ? path : masked;
  }

  const mask = (v: unknown): unknown => maskTree(v, undefined, 0, scrub);

  /**
   * Raw server-API bodies are strings: masked as JSON when they parse, as a form when they look like one; anything
   * else (including a JSON body cut short by the journal's size bound) is summarised, never shown, since it may
   * carry a secret the masker cannot find.
   */
  function renderBody(body: unknown): unknown {
    if (typeof body !== 'string') return mask(body);
    if (body === '') return undefined;
    try {
      return mask(JSON.parse(body));
    } catch {
      if (/^[\w.%+*-]+=/.test(body)) {
        const out: Record<string, unknown> = {};
        for (const [k, v] of new URLSearchParams(body)) {
          const p = policyOf(k);
          const shown = p ? apply(p, v) : scrub(v);
          const prev = Object.hasOwn(out, scrub(k)) ? out[scrub(k)] : undefined;
          put(out, scrub(k), prev === undefined ? shown : [...(Array.isArray(prev) ? prev : [prev]), shown]);
        }
        return out;
      }
      return `(${body.length} characters, not JSON)`;
    }
  }

  return { mask, maskPath, renderBody, scrub };
}

export type Masker = ReturnType<typeof createMasker>;