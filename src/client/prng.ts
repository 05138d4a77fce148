// Seeded randomness for what the simulated client invents (fixtures, load data): the mock's own generator, so the
// project has one algorithm for reproducible runs, with the few draws these callers use. Not for secrets.
import { createRandom } from '../../mock-wechat/random.js';

export function createPrng(seed: string | number) {
  const stream = createRandom(String(seed)).stream('client');
  const u32 = () => stream.bytes(4).readUInt32LE(0);
  /** An integer in [0, n). */
  const int = (n: number) => Math.floor((u32() / 4294967296) * n);
  return {
    u32,
    int,
    pick<T>(xs: readonly T[]): T {
      return xs[int(xs.length)]!;
    },
    bytes: (n: number): Buffer => stream.bytes(n),
    chars: (n: number, alphabet: string): string => stream.chars(n, alphabet),
  };
}

export type Prng = ReturnType<typeof createPrng>;
