// A seeded generator of malformed HTTP requests. Given a valid request template, it yields variants that break it
// in one way each: missing and extra fields, wrong types, huge and empty bodies, broken JSON, broken base64,
// wrong-length keys and ivs, ciphertext not a multiple of 16, bad padding, unicode and control characters, header
// and query abuse. Same seed, same corpus.
import { createHash } from 'node:crypto';

export interface RequestTemplate {
  /** A stable name for reports: usually the route. */
  route: string;
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Record<string, unknown>;
  /** Fields that carry base64 (encryptedData, iv, session keys): they also get base64-specific damage. */
  base64Fields?: readonly string[];
}

export interface MalformedRequest {
  route: string;
  kind: string;
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

/** A small deterministic PRNG (sha256 in counter mode): good enough for test data, identical everywhere. */
export function createRng(seed: string | number) {
  let counter = 0;
  let pool = Buffer.alloc(0);
  const refill = () => {
    pool = Buffer.concat([pool, createHash('sha256').update(`${seed}:${counter++}`).digest()]);
  };
  const bytes = (n: number): Buffer => {
    while (pool.length < n) refill();
    const out = pool.subarray(0, n);
    pool = pool.subarray(n);
    return Buffer.from(out);
  };
  const int = (max: number): number => bytes(4).readUInt32BE(0) % max;
  const pick = <T>(arr: readonly T[]): T => arr[int(arr.length)] as T;
  return { bytes, int, pick };
}
export type Rng = ReturnType<typeof createRng>;

const WEIRD_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\u0000\u0001\u0002\u001b[31m',
  '\r\n\r\nX-Injected: 1',
  '\u202e\u202d',
  '\ud800',
  '😀'.repeat(50),
  '微信用户',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '%00%2B%2F%3D',
  '{"nested":"json"}',
  'null',
  'a'.repeat(5000),
] as const;

const WRONG_TYPES: readonly unknown[] = [null, 0, -1, 1.5, 1e308, true, false, [], ['a'], {}, { $gt: '' }];

function b64(buf: Buffer): string {
  return buf.toString('base64');
}

function brokenBase64(rng: Rng, valid: string): string[] {
  return [
    '!!!notbase64!!!',
    valid.slice(0, Math.max(1, valid.length - 1)),
    `${valid}=`,
    valid.replace(/[A-Za-z]/, '*'),
    `%%${valid}`,
    valid.replace(/=/g, ''),
    `${valid.slice(0, 4)}\u00e9${valid.slice(4)}`,
    b64(rng.bytes(8)),
    b64(rng.bytes(15)),
    b64(rng.bytes(17)),
    b64(rng.bytes(32)),
    b64(rng.bytes(33)),
    b64(rng.bytes(48)), // right length, random bytes: padding almost surely wrong
    b64(Buffer.alloc(0)),
  ];
}

function buildUrl(path: string, query?: Record<string, string>, raw?: string): string {
  if (raw !== undefined) return `${path}?${raw}`;
  if (!query || Object.keys(query).length === 0) return path;
  return `${path}?${new URLSearchParams(query).toString()}`;
}

/** Every single-fault variant of a template, then random combinations until `count` is reached. */
export function* malformedRequests(
  t: RequestTemplate,
  opts: { seed: string | number; count: number },
): Generator<MalformedRequest> {
  const rng = createRng(`${opts.seed}:${t.route}`);
  const baseHeaders: Record<string, string> = { ...(t.headers ?? {}) };
  if (t.method === 'POST') baseHeaders['content-type'] ??= 'application/json';
  let n = 0;
  const make = (
    kind: string,
    over: { body?: unknown; payload?: string; headers?: Record<string, string>; query?: Record<string, string>; rawQuery?: string },
  ): MalformedRequest => {
    const headers = { ...baseHeaders, ...(over.headers ?? {}) };
    for (const [k, v] of Object.entries(headers)) if (v === '\u0000DROP') delete headers[k];
    let payload: string | undefined;
    if (t.method === 'POST') payload = over.payload ?? JSON.stringify(over.body === undefined ? t.body ?? {} : over.body);
    return { route: t.route, kind, method: t.method, url: buildUrl(t.path, over.query ?? t.query, over.rawQuery), headers, payload };
  };

  const singles: MalformedRequest[] = [];
  const body = t.body ?? {};
  const fields = Object.keys(body);
  // Bodies as a whole.
  if (t.method === 'POST') {
    singles.push(make('empty body', { payload: '' }));
    singles.push(make('body null', { payload: 'null' }));
    singles.push(make('body array', { payload: '[]' }));
    singles.push(make('body string', { payload: '"hello"' }));
    singles.push(make('body number', { payload: '42' }));
    singles.push(make('broken json: truncated', { payload: JSON.stringify(body).slice(0, -1) }));
    singles.push(make('broken json: trailing', { payload: `${JSON.stringify(body)}}garbage` }));
    singles.push(make('broken json: single quotes', { payload: "{'code':'x'}" }));
    singles.push(make('broken json: bare word', { payload: 'undefined' }));
    singles.push(make('huge body', { payload: JSON.stringify({ ...body, pad: 'x'.repeat(2 * 1024 * 1024) }) }));
    singles.push(make('deep nesting', { payload: `${'['.repeat(5000)}${']'.repeat(5000)}` }));
    singles.push(make('form-encoded body', { payload: new URLSearchParams(body as Record<string, string>).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } }));
    singles.push(make('text/plain body', { headers: { 'content-type': 'text/plain' } }));
    singles.push(make('no content-type', { headers: { 'content-type': '\u0000DROP' } }));
    singles.push(make('content-type with odd charset', { headers: { 'content-type': 'application/json; charset=utf-7' } }));
    singles.push(make('multipart content-type', { headers: { 'content-type': 'multipart/form-data; boundary=x' }, payload: '--x\r\n\r\n--x--' }));
    singles.push(make('prototype pollution', { payload: '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}' }));
  }
  // Each field: missing, wrong types, weird strings.
  for (const f of fields) {
    const { [f]: _dropped, ...rest } = body;
    singles.push(make(`missing ${f}`, { body: rest }));
    for (const w of WRONG_TYPES) singles.push(make(`${f} as ${JSON.stringify(w)}`, { body: { ...body, [f]: w } }));
    for (const s of WEIRD_STRINGS) singles.push(make(`${f} weird string ${JSON.stringify(s.slice(0, 12))}`, { body: { ...body, [f]: s } }));
    singles.push(make(`${f} huge string`, { body: { ...body, [f]: 'A'.repeat(200_000) } }));
  }
  for (const f of t.base64Fields ?? []) {
    const valid = String((body as Record<string, unknown>)[f] ?? t.query?.[f] ?? b64(rng.bytes(16)));
    for (const bad of brokenBase64(rng, valid)) {
      if (f in body) singles.push(make(`${f} damaged base64 ${bad.slice(0, 10)}`, { body: { ...body, [f]: bad } }));
      else if (t.query && f in t.query) singles.push(make(`${f} damaged base64 (query)`, { query: { ...t.query, [f]: bad } }));
    }
  }
  singles.push(make('extra fields', { body: { ...body, extra: 1, role: 'admin', session_key: 'x' } }));
  // Query abuse (GET and POST alike).
  for (const k of Object.keys(t.query ?? {})) {
    const { [k]: _d, ...rest } = t.query ?? {};
    singles.push(make(`query missing ${k}`, { query: rest }));
    singles.push(make(`query repeated ${k}`, { rawQuery: `${new URLSearchParams(t.query).toString()}&${k}=again` }));
    singles.push(make(`query huge ${k}`, { query: { ...t.query, [k]: 'q'.repeat(6000) } }));
    for (const s of WEIRD_STRINGS.slice(0, 8)) singles.push(make(`query ${k} weird`, { query: { ...t.query, [k]: s } }));
  }
  singles.push(make('query garbage', { rawQuery: '%%%&&&==&a[b]=1&__proto__[x]=1' }));
  // Header abuse.
  singles.push(make('authorization: bare Bearer', { headers: { authorization: 'Bearer' } }));
  singles.push(make('authorization: Basic', { headers: { authorization: 'Basic dXNlcjpwYXNz' } }));
  singles.push(make('authorization: huge', { headers: { authorization: `Bearer ${'t'.repeat(8000)}` } }));
  singles.push(make('authorization: garbage token', { headers: { authorization: 'Bearer !!!' } }));
  singles.push(make('accept: odd', { headers: { accept: 'application/xml' } }));
  singles.push(make('huge header', { headers: { 'x-filler': 'h'.repeat(12_000) } }));
  singles.push(make('x-forwarded-for spoof', { headers: { 'x-forwarded-for': '1.2.3.4, ::1, garbage' } }));

  for (const s of singles) {
    if (n++ >= opts.count) return;
    yield s;
  }
  // Random combinations of two faults in the body, until count.
  while (n < opts.count) {
    const mutated: Record<string, unknown> = { ...body };
    const kinds: string[] = [];
    for (let i = 0; i < 2 && fields.length > 0; i++) {
      const f = rng.pick(fields);
      const choice = rng.int(4);
      if (choice === 0) {
        delete mutated[f];
        kinds.push(`-${f}`);
      } else if (choice === 1) {
        mutated[f] = rng.pick(WRONG_TYPES);
        kinds.push(`${f}:type`);
      } else if (choice === 2) {
        mutated[f] = rng.pick(WEIRD_STRINGS);
        kinds.push(`${f}:weird`);
      } else {
        mutated[f] = b64(rng.bytes(rng.int(64)));
        kinds.push(`${f}:random-b64`);
      }
    }
    const q = t.query ? { ...t.query } : undefined;
    // A template without body fields (a GET) is broken through its query every time.
    for (let i = 0; q && i < 2 && (fields.length === 0 || rng.int(2) === 0); i++) {
      const k = rng.pick(Object.keys(q));
      if (k === undefined) break;
      const choice = rng.int(4);
      if (choice === 0) delete q[k];
      else if (choice === 1) q[k] = rng.pick(WEIRD_STRINGS);
      else if (choice === 2) q[k] = b64(rng.bytes(rng.int(64)));
      else q[k] = `${q[k] ?? ''}${rng.pick(WEIRD_STRINGS)}`;
      kinds.push(`query ${k}:${['missing', 'weird', 'random-b64', 'suffix'][choice]}`);
    }
    if (kinds.length === 0) return; // nothing left to break: the template has no fields and no query
    n++;
    yield make(`combo ${kinds.join(',') || 'random'}`, { body: mutated, ...(q ? { query: q } : {}) });
  }
}
