// The mock's clock: the injected base clock plus every advanceClock, so tests move time without sleeping.
import { MockUsageError } from '../errors.js';

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
  };
}
