/**
 * Statistics for the gateway bench: quantiles, a seeded bootstrap of a difference of medians,
 * and the median of paired differences. Pure.
 */
import { quantile } from "./sqlite-floor.ts";

/** Median, p10 and p90 of some timings, in the samples' unit. */
export interface Summary {
  median: number;
  p10: number;
  p90: number;
  n: number;
}

/** Summarises samples (any order). Pure. */
export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    median: quantile(sorted, 0.5),
    p10: quantile(sorted, 0.1),
    p90: quantile(sorted, 0.9),
    n: sorted.length,
  };
}

/** A deterministic PRNG in [0, 1) (mulberry32), so a report's intervals are reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function resampledMedian(samples: readonly number[], random: () => number): number {
  const draw = new Float64Array(samples.length);
  for (let i = 0; i < draw.length; i++) draw[i] = samples[Math.floor(random() * samples.length)]!;
  draw.sort();
  return quantile(Array.from(draw), 0.5);
}

/**
 * The 95% percentile-bootstrap interval of `median(b) - median(a)`, resampling each side
 * independently `rounds` times. Pure (seeded).
 */
export function bootstrapMedianDiff(
  a: readonly number[],
  b: readonly number[],
  rounds = 1000,
  seed = 42,
): { low: number; high: number } {
  const random = seededRandom(seed);
  const diffs: number[] = [];
  for (let r = 0; r < rounds; r++)
    diffs.push(resampledMedian(b, random) - resampledMedian(a, random));
  diffs.sort((x, y) => x - y);
  return { low: quantile(diffs, 0.025), high: quantile(diffs, 0.975) };
}

/**
 * The median of `b[i] - a[i]`: samples taken in the same round are paired, so load that hits
 * both cancels. Pure.
 */
export function pairedMedianDiff(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  const diffs = Array.from({ length: n }, (_, i) => b[i]! - a[i]!).sort((x, y) => x - y);
  return quantile(diffs, 0.5);
}
