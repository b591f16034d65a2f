/**
 * Micro-benchmark behind the decision comment in src/serde/encode.ts. Not a test (vitest only
 * runs *.test.ts): run it by hand from the repo root:
 *   node --import ./test/support/resolve-source.ts packages/core/test/serde.bench.ts
 * Variants run interleaved, nine rounds each, and the median is printed, because a shared
 * machine's noise otherwise swamps the differences.
 */
import { decode, encode } from "@conclave/core";

const message = { role: "ai", content: "step 1 ".padEnd(200, "y") };
const payload = {
  format: 1,
  thread_id: "thread-1",
  ns: "",
  id: "0000000001",
  parent_id: "0000000000",
  ts: "2024-01-01T00:00:00.000Z",
  v: 1,
  metadata: { source: "loop", step: 1, parents: {} },
  delta: { messages: { op: "append", items: [message] }, step: { op: "set", value: 1 } },
  updated_channels: ["messages", "step"],
};
const state = {
  messages: Array.from({ length: 2000 }, (_, i) => ({
    role: i % 2 ? "ai" : "human",
    content: `message ${i} `.padEnd(200, "z"),
    meta: { n: i, ok: true },
  })),
  step: 1,
};
// Deeper than the walker's untracked depth: the whole state is encoded with cycle tracking.
let tracked: Record<string, unknown> = { leaf: state };
for (let i = 0; i < 205; i++) tracked = { a: tracked };

/** The replacer alternative: key-sorted copies of plain objects (no tags, for timing only). */
function sortingReplacer(this: Record<string, unknown>, _key: string, value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) sorted[k] = (value as Record<string, unknown>)[k];
  return sorted;
}

type Variant = [name: string, run: () => unknown];

function compare(label: string, iterations: number, variants: Variant[]): void {
  const times = new Map<string, number[]>();
  for (let round = 0; round < 9; round++) {
    for (const [name, run] of variants) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < iterations; i++) run();
      const us = Number(process.hrtime.bigint() - start) / 1000 / iterations;
      times.set(name, [...(times.get(name) ?? []), us]);
    }
  }
  for (const [name, xs] of times) {
    const median = [...xs].sort((a, b) => a - b)[4]!;
    console.log(`${label.padEnd(18)} ${name.padEnd(32)} ${median.toFixed(2).padStart(10)} µs`);
  }
}

const encodedPayload = encode(payload);
const encodedState = encode(state);
compare("payload (~400 B)", 20_000, [
  ["encode (walker)", () => encode(payload)],
  ["JSON.stringify + sort replacer", () => JSON.stringify(payload, sortingReplacer)],
  ["JSON.stringify (unsorted)", () => JSON.stringify(payload)],
  ["decode", () => decode(encodedPayload)],
  ["JSON.parse", () => JSON.parse(encodedPayload)],
]);
compare("state (2000 msgs)", 20, [
  ["encode (walker)", () => encode(state)],
  ["encode with cycle tracking", () => encode(tracked)],
  ["JSON.stringify + sort replacer", () => JSON.stringify(state, sortingReplacer)],
  ["JSON.stringify (unsorted)", () => JSON.stringify(state)],
  ["decode", () => decode(encodedState)],
  ["JSON.parse", () => JSON.parse(encodedState)],
]);
