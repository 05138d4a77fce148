// Seeded randomness. Everything the mock invents (users, codes, keys, ivs, tokens, rids, fault dice) comes from here,
// so one seed reproduces a whole run. Each purpose draws from its own stream (sha256 over seed, label and a counter),
// which keeps, say, the codes of a run identical even if a test adds an extra error reply (and so an extra rid).
import { createHash, randomBytes } from 'node:crypto';

export interface RandomStream {
  bytes(n: number): Buffer;
  /** n random bytes as 2n lowercase hex digits. */
  hex(n: number): string;
  /** A string of `length` characters drawn from `alphabet`. */
  chars(length: number, alphabet: string): string;
  /** A float in [0, 1). */
  float(): number;
}

export interface MockRandom {
  readonly seed: string;
  stream(label: string): RandomStream;
  /** A pure function of the seed and the parts: the same user alias always gets the same openid under one seed. */
  derive(...parts: string[]): Buffer;
}

export const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const B64URL = `${ALNUM}-_`;

export function createRandom(seed?: number | string): MockRandom {
  const s = seed === undefined ? randomBytes(16).toString('hex') : String(seed);
  const streams = new Map<string, RandomStream>();
  return {
    seed: s,
    stream(label) {
      let st = streams.get(label);
      if (!st) {
        st = createStream(s, label);
        streams.set(label, st);
      }
      return st;
    },
    derive(...parts) {
      return createHash('sha256').update(`${s}\0${parts.join('\0')}`).digest();
    },
  };
}

function createStream(seed: string, label: string): RandomStream {
  let counter = 0;
  let block = Buffer.alloc(0);
  let pos = 0;
  const bytes = (n: number): Buffer => {
    const out = Buffer.allocUnsafe(n);
    let o = 0;
    while (o < n) {
      if (pos >= block.length) {
        block = createHash('sha256').update(`${seed}\0${label}\0${counter++}`).digest();
        pos = 0;
      }
      const take = Math.min(n - o, block.length - pos);
      block.copy(out, o, pos, pos + take);
      o += take;
      pos += take;
    }
    return out;
  };
  return {
    bytes,
    hex: (n) => bytes(n).toString('hex'),
    chars(length, alphabet) {
      const b = bytes(length);
      let out = '';
      for (let i = 0; i < length; i++) out += alphabet[(b[i] as number) % alphabet.length];
      return out;
    },
    float: () => bytes(4).readUInt32BE(0) / 0x1_0000_0000,
  };
}
