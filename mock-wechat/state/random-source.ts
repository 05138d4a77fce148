// The mock's random source over time: the seeded streams of random.ts, started over on reset, and moved to a fresh
// "epoch" when a snapshot is restored. The seed comes back with the snapshot, so `derive` (openids, unionids,
// profiles of users made later) gives the same people; the streams (codes, keys, tokens, ivs, rids) do not start over,
// or the first code minted after a restart would be the very code minted first before it.
import { Type } from '@sinclair/typebox';
import { createRandom, type MockRandom } from '../random.js';
import { checkPart } from './snapshot.js';

const RandomPart = Type.Object(
  { seed: Type.String({ minLength: 1, maxLength: 256 }), epoch: Type.Integer({ minimum: 0 }) },
  { additionalProperties: false },
);

/** Epoch 0 is the seed's own streams; epoch n > 0 draws them from `seed \0 import n` (same seed and epoch, same run). */
function randomAt(seed: string, epoch: number): MockRandom {
  const base = createRandom(seed);
  if (epoch === 0) return base;
  const streams = createRandom(`${seed}\0import ${epoch}`);
  return { seed, derive: base.derive, stream: streams.stream };
}

export function createRandomSource(seedOpt: number | string | undefined) {
  let rnd = createRandom(seedOpt);
  const buildSeed = rnd.seed;
  let epoch = 0;
  // Never lowered, so restoring twice in one process does not replay the streams of the first restore.
  let highest = 0;
  return {
    random: (): MockRandom => rnd,
    seed: (): string => rnd.seed,
    reset(): void {
      rnd = createRandom(buildSeed);
      epoch = 0;
    },
    snapshot: () => ({ seed: rnd.seed, epoch }),
    restore(part: unknown, path: string) {
      const p = checkPart(RandomPart, part, path);
      return () => {
        epoch = highest = Math.max(p.epoch, highest) + 1;
        rnd = randomAt(p.seed, epoch);
      };
    },
  };
}
