// Is a session token something an attacker could compute? A token must be random (OWASP ASVS V3.2.2,
// CWE-330): tokens made as a hash of what the backend got from code2Session (session_key, openid, unionid, the code)
// and the time of the login can be recomputed by whoever learns those values (openid is not a secret; a leaked
// session_key or a logged code is enough), and one made of the session_key hands the key out. This module names the
// recipe when a token is one of the usual home-made ones; it is pure (no I/O) and fast: each candidate preimage is
// hashed only with the algorithms whose digest length the token could hold, and compared against a Set of the
// token's decodings.
import { createHash, createHmac } from 'node:crypto';

export interface DerivationInputs {
  /** As code2Session answered it (base64 of 16 bytes). */
  sessionKey: string;
  openid: string;
  unionid?: string;
  /** The wx.login code the login exchanged. */
  code: string;
  /** Wall-clock ms around the backend's login request. */
  startedAt: number;
  endedAt: number;
}

export interface DerivationOptions {
  /** Unix seconds are tried from this long before startedAt to this long after endedAt (default 2000 ms). */
  secondsSlackMs?: number;
  /** Unix milliseconds are tried from this long before startedAt to this long after endedAt (default 50 ms: a backend on another clock is caught by the seconds). */
  millisSlackMs?: number;
}

export interface Derivation {
  /** How the token is made, e.g. `md5(session_key + unix seconds) hex`. */
  recipe: string;
}

export const SEPARATORS = ['', ':', '_', '-', '|'] as const;
export type TokenEncoding = 'hex' | 'HEX' | 'base64' | 'base64url';

/** Digest algorithms by the length of their output in bytes. */
const HASHES_BY_LENGTH: Record<number, readonly ('md5' | 'sha1' | 'sha256' | 'sha512')[]> = {
  16: ['md5'],
  20: ['sha1'],
  32: ['sha256'],
  64: ['sha512'],
};

/** A string fed to a hash, and how a report names it (`session_key + ':' + unix seconds`). */
export interface Preimage {
  text: string;
  expr: string;
}

const join = (parts: string[], sep: string) => parts.join(sep === '' ? ' + ' : ` + '${sep}' + `);

/** The named values the login exposes to the mock (and to anyone who sees code2Session's answer). */
function namedValues(i: DerivationInputs): [string, string][] {
  const v: [string, string][] = [
    ['session_key', i.sessionKey],
    ['openid', i.openid],
  ];
  if (i.unionid) v.push(['unionid', i.unionid]);
  v.push(['code', i.code]);
  return v;
}

/**
 * Every preimage tried: each value alone, each ordered pair of values, each value with a unix timestamp (seconds over
 * the login ± secondsSlackMs, milliseconds over the login ± millisSlackMs) before or after it, and the timestamps
 * alone; pairs and timestamps joined with each of SEPARATORS.
 */
export function preimages(i: DerivationInputs, o: DerivationOptions = {}): Preimage[] {
  const out: Preimage[] = [];
  const values = namedValues(i);
  for (const [name, v] of values) out.push({ text: v, expr: name });
  for (const [an, a] of values) {
    for (const [bn, b] of values) {
      if (an === bn) continue;
      for (const sep of SEPARATORS) out.push({ text: a + sep + b, expr: join([an, bn], sep) });
    }
  }
  const sSlack = o.secondsSlackMs ?? 2000;
  const mSlack = o.millisSlackMs ?? 50;
  const stamps: [string, string][] = [];
  for (let s = Math.floor((i.startedAt - sSlack) / 1000); s <= Math.floor((i.endedAt + sSlack) / 1000); s++) stamps.push(['unix seconds', String(s)]);
  for (let ms = i.startedAt - mSlack; ms <= i.endedAt + mSlack; ms++) stamps.push(['unix ms', String(ms)]);
  for (const [tn, t] of stamps) {
    out.push({ text: t, expr: tn });
    for (const [name, v] of values) {
      for (const sep of SEPARATORS) {
        out.push({ text: v + sep + t, expr: join([name, tn], sep) });
        out.push({ text: t + sep + v, expr: join([tn, name], sep) });
      }
    }
  }
  return out;
}

/** The byte strings a token could encode, by encoding; only lengths a digest could have. */
export function tokenDecodings(token: string): { bytes: Buffer; encoding: TokenEncoding }[] {
  const out: { bytes: Buffer; encoding: TokenEncoding }[] = [];
  const keep = (bytes: Buffer, encoding: TokenEncoding) => {
    if (HASHES_BY_LENGTH[bytes.length] && !out.some((f) => f.bytes.equals(bytes))) out.push({ bytes, encoding });
  };
  if (token.length % 2 === 0 && /^[0-9a-f]+$/.test(token)) keep(Buffer.from(token, 'hex'), 'hex');
  if (token.length % 2 === 0 && /^[0-9A-F]+$/.test(token)) keep(Buffer.from(token, 'hex'), 'HEX');
  // Unpadded is base64url's usual form, padded base64's: a token in neither's own characters is named by that.
  const unpadded = token.replace(/=+$/, '');
  const b64url = () => {
    const b = Buffer.from(unpadded, 'base64url');
    if (b.toString('base64url') === unpadded) keep(b, 'base64url');
  };
  if (/^[A-Za-z0-9_-]+$/.test(token)) b64url();
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(token)) {
    const b = Buffer.from(token, 'base64');
    if (b.toString('base64').replace(/=+$/, '') === unpadded) keep(b, 'base64');
  }
  if (/^[A-Za-z0-9_-]+={1,2}$/.test(token)) b64url();
  return out;
}

function b64urlJson(part: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(part)) return undefined;
  return Buffer.from(part.replace(/=+$/, ''), 'base64url').toString('utf8');
}

/** The session_key as a backend might write it: base64 as WeChat sends it, without padding, base64url, hex. */
function sessionKeyForms(sk: string): string[] {
  const raw = Buffer.from(sk, 'base64');
  return [...new Set([sk, sk.replace(/=+$/, ''), raw.toString('base64url'), raw.toString('hex'), raw.toString('hex').toUpperCase()])];
}

/**
 * The recipe that makes `token` out of what the login exposed, or undefined when it is none of the tried ones (which
 * does not prove it random: the entropy and uniqueness checks look at that).
 */
export function findDerivation(token: string, i: DerivationInputs, o: DerivationOptions = {}): Derivation | undefined {
  // The raw values themselves.
  const skForms = sessionKeyForms(i.sessionKey);
  if (skForms.includes(token)) return { recipe: 'the session_key itself' };
  for (const [name, v] of namedValues(i)) if (token === v) return { recipe: `the ${name} itself` };

  // A JWT that carries the session_key in its (readable) payload.
  const parts = token.split('.');
  if (parts.length === 3) {
    const payload = b64urlJson(parts[1]!);
    if (payload !== undefined && skForms.some((f) => f.length >= 16 && payload.includes(f))) {
      return { recipe: 'a JWT whose payload carries the session_key (anyone can read a JWT payload)' };
    }
  }

  // Hashes: the token's decodings by digest hex, then each preimage under the algorithms those lengths allow.
  const targets = new Map<string, TokenEncoding>();
  const lengths = new Set<number>();
  for (const d of tokenDecodings(token)) {
    if (!targets.has(d.bytes.toString('hex'))) targets.set(d.bytes.toString('hex'), d.encoding);
    lengths.add(d.bytes.length);
  }
  if (targets.size === 0) return undefined;
  const algos = [...lengths].flatMap((n) => HASHES_BY_LENGTH[n] ?? []);

  if (lengths.has(32)) {
    const hmacs: [string | Buffer, string][] = [
      [i.sessionKey, 'HMAC-SHA256(key = session_key, openid)'],
      [Buffer.from(i.sessionKey, 'base64'), 'HMAC-SHA256(key = session_key bytes, openid)'],
    ];
    for (const [key, expr] of hmacs) {
      const enc = targets.get(createHmac('sha256', key).update(i.openid).digest('hex'));
      if (enc) return { recipe: `${expr} ${enc}` };
    }
  }
  for (const p of preimages(i, o)) {
    for (const algo of algos) {
      const enc = targets.get(createHash(algo).update(p.text).digest('hex'));
      if (enc) return { recipe: `${algo}(${p.expr}) ${enc}` };
    }
  }
  return undefined;
}

// ------------------------------------------------------------ entropy by shape

export interface TokenShape {
  length: number;
  alphabet: string;
  alphabetSize: number;
  bits: number;
  jwt: boolean;
}

const ALPHABETS: [string, number, RegExp][] = [
  ['digits', 10, /^[0-9]+$/],
  ['hex', 16, /^[0-9a-f]+$/],
  ['HEX', 16, /^[0-9A-F]+$/],
  ['base32', 32, /^[A-Z2-7]+$/],
  ['alphanumeric', 62, /^[A-Za-z0-9]+$/],
  ['base64url', 64, /^[A-Za-z0-9_-]+$/],
  ['base64', 64, /^[A-Za-z0-9+/]+$/],
  ['JWT (base64url parts)', 64, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/],
];

/**
 * A token's shape and its entropy at best: length × log2(alphabet size), the alphabet the smallest usual one that
 * holds every character (padding `=` not counted). `sample`, tokens from the same backend, widens the alphabet to all
 * the characters they use (one base64url token may happen to have no `-` or `_`). An upper bound: a hash of
 * guessable input looks just as long.
 */
export function tokenShape(token: string, sample: readonly string[] = [token]): TokenShape {
  const strip = (t: string) => t.replace(/=+$/, '');
  const body = strip(token);
  const jwt = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(body);
  const chars = [body, ...sample.map(strip)].join('');
  const found = jwt ? ALPHABETS.find(([name]) => name.startsWith('JWT')) : ALPHABETS.find(([, , re]) => re.test(chars));
  let alphabet: string;
  let size: number;
  if (found) [alphabet, size] = found;
  else if (/^[\x21-\x7e]+$/.test(chars)) [alphabet, size] = ['printable ASCII', 94];
  else [alphabet, size] = ['mixed', Math.max(2, new Set(chars).size)];
  return { length: body.length, alphabet, alphabetSize: size, bits: Math.floor(body.length * Math.log2(size)), jwt };
}
