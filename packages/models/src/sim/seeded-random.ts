/**
 * Deterministic randomness for the sim model: the same seed and the same request give the same
 * numbers on every machine and in every process.
 */
import { createHash } from "node:crypto";

/** A source of numbers in [0, 1), plus helpers; deterministic for a given seed. */
export interface SeededRandom {
  next(): number;
  /** An integer in [min, max] (inclusive). */
  int(min: number, max: number): number;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
}

/**
 * Creates a generator from a seed and any JSON-able inputs (the request), hashed with sha256 so
 * that small prompt changes give unrelated streams. Uses sfc32, a small fast generator. Pure.
 */
export function seededRandom(seed: number, ...inputs: unknown[]): SeededRandom {
  const digest = createHash("sha256")
    .update(JSON.stringify([seed, ...inputs]))
    .digest();
  let a = digest.readUInt32LE(0);
  let b = digest.readUInt32LE(4);
  let c = digest.readUInt32LE(8);
  let d = digest.readUInt32LE(12);
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
  };
}

/** A short stable hex digest of JSON-able inputs, for deterministic ids. Pure. */
export function stableId(...inputs: unknown[]): string {
  return createHash("sha256").update(JSON.stringify(inputs)).digest("hex").slice(0, 16);
}
