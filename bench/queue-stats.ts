/**
 * The queue bench's shared vocabulary: the cells it measures, their results, the clock every
 * process stamps with, and latency summaries. Pure except `now()`.
 */
import { quantile } from "./sqlite-floor.ts";

/**
 * The queues under test. `bullmq` and `graphile` are the anchors; the Conclave rows differ in
 * store and durability (see SYSTEM_LABELS).
 */
export const SYSTEMS = [
  "bullmq",
  "graphile",
  "conclave-sqlite",
  "conclave-sqlite-exit",
  "conclave-pg",
  "conclave-pg-exit",
  "conclave-http",
] as const;
/** One of {@link SYSTEMS}. */
export type SystemName = (typeof SYSTEMS)[number];

/** How the report names each system. */
export const SYSTEM_LABELS: Record<SystemName, string> = {
  bullmq: "BullMQ on Redis",
  graphile: "graphile-worker on PostgreSQL",
  "conclave-sqlite": "Conclave embedded on SQLite",
  "conclave-sqlite-exit": "Conclave embedded on SQLite, exit durability",
  "conclave-pg": "Conclave on PostgreSQL",
  "conclave-pg-exit": "Conclave on PostgreSQL, exit durability",
  "conclave-http": "Conclave API over HTTP, on SQLite",
};

/** What a cell measures. */
export type Measure = "throughput" | "latency" | "http";

/** One measurement, run in its own child process (bench/queue-cell.ts). */
export interface CellSpec {
  system: SystemName;
  measure: Measure;
  /** Jobs (throughput) or samples (latency) timed. */
  n: number;
  /** Untimed jobs or samples first, to warm the JIT, the caches and the connections. */
  warmup: number;
  /** Worker processes (PostgreSQL systems); the others run their worker in the cell. */
  workers: number;
  /** Jobs each worker runs at once. */
  concurrency: number;
  /** Server URL: Redis for BullMQ, a fresh database for PostgreSQL systems. */
  url?: string;
  /** The server's process id, for its CPU time during the cell. */
  serverPid?: number;
}

/** Throughput: `n` jobs enqueued in batches while the workers run, until all finished. */
export interface ThroughputResult {
  measure: "throughput";
  n: number;
  /** From the first enqueue until the last one returned. */
  enqueueMs: number;
  /** From the first enqueue until the last job finished (and, where audited, was flushed). */
  totalMs: number;
  perSecond: number;
  /** CPU ms per job in the timed part: the bench's processes (producer and workers), and the
   * server (Redis or PostgreSQL with its backends; undefined without /proc). */
  cpuMsPerJob?: { client: number; server?: number };
  /** Extra facts for the footnotes (e.g. how long the audit flush trailed). */
  notes: string[];
}

/** Latency: enqueue-to-start of `n` jobs submitted one at a time into an idle queue. */
export interface LatencyResult {
  measure: "latency";
  samplesMs: number[];
  summary: LatencySummary;
  notes: string[];
}

/** HTTP overhead: the same submissions timed in process and through the API, per route. */
export interface HttpResult {
  measure: "http";
  routes: HttpRouteResult[];
  notes: string[];
}

/** One route's paired timings (ms per submission). */
export interface HttpRouteResult {
  /** `thread`: POST /threads/{id}/runs on a new thread; `stateless`: POST /runs. */
  route: "thread" | "stateless";
  inProcessMs: number[];
  httpMs: number[];
  /** Responses that were not 2xx. */
  errors: number;
}

/** A cell's outcome. */
export type CellResult = ThroughputResult | LatencyResult | HttpResult;

/** Quantiles of some latencies, in ms. */
export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  n: number;
}

/**
 * Milliseconds on CLOCK_MONOTONIC (`process.hrtime.bigint()`, libuv's `uv_hrtime`). On Linux
 * that clock is one for the whole machine, so a stamp taken in a producer process and one
 * taken in a worker process subtract to the true interval (nanosecond resolution; a double
 * holds these values exactly for about 100 days of uptime).
 */
export function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Summarises latencies (any order). Pure. */
export function summarizeLatency(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p99: quantile(sorted, 0.99),
    max: sorted.at(-1) ?? Number.NaN,
    n: sorted.length,
  };
}

/** Pools latency samples of several rounds into one summary. Pure. */
export function poolLatency(results: readonly LatencyResult[]): LatencySummary {
  return summarizeLatency(results.flatMap((r) => r.samplesMs));
}

/** A throughput result from stamps. Pure. */
export function throughputOf(
  n: number,
  startedAt: number,
  enqueuedAt: number,
  finishedAt: number,
  notes: string[] = [],
): ThroughputResult {
  const totalMs = finishedAt - startedAt;
  return {
    measure: "throughput",
    n,
    enqueueMs: enqueuedAt - startedAt,
    totalMs,
    perSecond: (n / totalMs) * 1000,
    notes,
  };
}

/** Splits `n` items into chunks of at most `size` (their lengths). Pure. */
export function chunks(n: number, size: number): number[] {
  const out: number[] = [];
  for (let left = n; left > 0; left -= size) out.push(Math.min(size, left));
  return out;
}
