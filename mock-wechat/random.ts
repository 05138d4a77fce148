// Seeded randomness. Everything the mock invents (users, codes, keys, ivs, tokens, rids, fault dice) comes from here,
// so one seed reproduces a whole run. Each purpose draws from its own stream, which keeps, say, the codes of a run
// identical even if a test adds an extra error reply (and so an extra rid). A stream is the AES-256-CTR keystream
// under key sha256(seed, label), drawn 4 KiB at a time: deterministic, and cheap enough for load runs that mint a
// code per request (a hash per draw cost more in allocation and GC than the rest of a login).
import { createCipheriv, createHash, hash, randomBytes, type Cipher } from 'node:crypto';

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
      // One-shot: a user made on first use derives four of these, and a Hash object costs a third more each.
      return hash('sha256', `${s}\0${parts.join('\0')}`, 'buffer');
    },
  };
}

const POOL = 4096;
const ZEROS = Buffer.alloc(POOL);

function createStream(seed: string, label: string): RandomStream {
  const key = createHash('sha256').update(`${seed}\0${label}`).digest();
  const cipher: Cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  let pool = Buffer.alloc(0);
  let pos = 0;
  const take = (n: number): number => {
    if (pos + n > pool.length) {
      pool = cipher.update(ZEROS);
      pos = 0;
    }
    const at = pos;
    pos += n;
    return at;
  };
  const bytes = (n: number): Buffer => {
    const out = Buffer.allocUnsafe(n);
    let o = 0;
    while (o < n) {
      const chunk = Math.min(n - o, POOL);
      const at = take(chunk);
      pool.copy(out, o, at, at + chunk);
      o += chunk;
    }
    return out;
  };
  return {
    bytes,
    hex(n) {
      const at = take(n);
      return pool.toString('hex', at, at + n);
    },
    chars(length, alphabet) {
      // Built in a buffer so the result is a flat string (a Map key hashes it without flattening a rope first).
      const out = Buffer.allocUnsafe(length);
      let o = 0;
      while (o < length) {
        const chunk = Math.min(length - o, POOL);
        const at = take(chunk);
        for (let i = 0; i < chunk; i++) out[o + i] = alphabet.charCodeAt((pool[at + i] as number) % alphabet.length);
        o += chunk;
      }
      return out.toString('latin1');
    },
    float() {
      const at = take(4);
      return pool.readUInt32BE(at) / 0x1_0000_0000;
    },
  };
}
