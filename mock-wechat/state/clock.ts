// The mock's clock: the injected base clock plus every advanceClock, so tests move time without sleeping.
import { Type } from '@sinclair/typebox';
import { MockUsageError } from '../errors.js';
import { checkPart } from './snapshot.js';

const ClockPart = Type.Object({ offsetMs: Type.Number({ minimum: 0 }) }, { additionalProperties: false });

export function createClock(base: () => number) {
  let offsetMs = 0;
  const now = (): number => base() + offsetMs;
  return {
    now,
    advance(seconds: number): number {
      if (!Number.isFinite(seconds) || seconds < 0) throw new MockUsageError('advanceSeconds must be a number >= 0');
      offsetMs += seconds * 1000;
      return now();
    },
    reset(): void {
      offsetMs = 0;
    },
    /** The time moved by advanceClock; restored, the mock's time goes on from the base clock plus it. */
    snapshot: () => ({ offsetMs }),
    restore(part: unknown, path: string) {
      const p = checkPart(ClockPart, part, path);
      return () => {
        offsetMs = p.offsetMs;
      };
    },
  };
}
