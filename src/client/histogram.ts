// A latency histogram with log-spaced buckets (1% wide): constant memory however many samples a load run records,
// quantiles accurate to about 1%.
const GROWTH = Math.log(1.01);

export interface LatencySummary {
  count: number;
  mean: number;
  min: number;
  max: number;
  p50: number;
  p95: number;
  p99: number;
}

export function createHistogram() {
  const buckets = new Map<number, number>();
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = 0;

  const index = (ms: number) => Math.ceil(Math.log(Math.max(ms, 0.001) * 1000) / GROWTH);
  const upper = (i: number) => Math.exp(i * GROWTH) / 1000;

  function quantile(q: number): number {
    if (count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * count));
    let seen = 0;
    for (const i of [...buckets.keys()].sort((a, b) => a - b)) {
      seen += buckets.get(i)!;
      if (seen >= rank) return Math.min(max, Math.max(min, upper(i)));
    }
    return max;
  }

  return {
    record(ms: number) {
      const i = index(ms);
      buckets.set(i, (buckets.get(i) ?? 0) + 1);
      count++;
      sum += ms;
      if (ms < min) min = ms;
      if (ms > max) max = ms;
    },
    get count() {
      return count;
    },
    /** Distinct buckets in use (bounded by the log range, not by the sample count). */
    get size() {
      return buckets.size;
    },
    quantile,
    summary(): LatencySummary {
      const r = (x: number) => Math.round(x * 100) / 100;
      return {
        count,
        mean: r(count ? sum / count : 0),
        min: r(count ? min : 0),
        max: r(max),
        p50: r(quantile(0.5)),
        p95: r(quantile(0.95)),
        p99: r(quantile(0.99)),
      };
    },
  };
}

export type Histogram = ReturnType<typeof createHistogram>;
