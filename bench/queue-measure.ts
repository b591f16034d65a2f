/**
 * The two measurements every system gets, written once over a small `Harness` that each
 * system implements (queue-bullmq.ts, queue-graphile.ts, queue-conclave.ts):
 * - throughput: the workers run; `n` jobs are enqueued in batches; the clock runs from the
 *   first enqueue until the last job finished (and buffered audit events were flushed);
 * - latency: one job at a time into an idle queue; enqueue-to-start is the `now()` stamp taken
 *   first thing in the job function minus the stamp taken just before the enqueue call.
 */
import { processTreeCpuMs } from "./queue-cpu.ts";
import {
  type CellSpec,
  chunks,
  type LatencyResult,
  now,
  summarizeLatency,
  type ThroughputResult,
  throughputOf,
} from "./queue-stats.ts";

/** What a system offers the measurements. Job `i` carries `i` in its payload. */
export interface Harness {
  /** Enqueues jobs `from` .. `from + count - 1` in one batch (one call or one bulk insert). */
  enqueueBatch(from: number, count: number): Promise<void>;
  /** Enqueues job `i` alone. */
  enqueueOne(i: number): Promise<void>;
  /** The stamp job `i` took when it started. */
  started(i: number): Promise<number>;
  finished(i: number): Promise<void>;
  /** Resolves with the latest finish stamp once `n` jobs finished since `resetCounts`. */
  counted(n: number): Promise<number>;
  resetCounts(): void;
  /**
   * Waits until nothing the jobs caused is still buffered (audit events); resolves with the
   * stamp at which it was written, or undefined when nothing was waiting.
   */
  settle(): Promise<number | undefined>;
  /** CPU ms used so far by the processes running producer and workers. */
  cpuMs(): Promise<number>;
  /** What `settle` waits for, for the report's notes ("audit events written"). */
  settles: string;
  /** Largest batch the system's enqueue takes at once. */
  batchSize: number;
}

/** Runs `spec.warmup` untimed jobs, then times `spec.n`. */
export async function measureThroughput(h: Harness, spec: CellSpec): Promise<ThroughputResult> {
  await enqueueAll(h, 1_000_000, spec.warmup);
  await h.counted(spec.warmup);
  await h.settle();
  h.resetCounts();
  const cpuBefore = { client: await h.cpuMs(), server: processTreeCpuMs(spec.serverPid) };
  const start = now();
  await enqueueAll(h, 0, spec.n);
  const enqueued = now();
  const lastFinish = await h.counted(spec.n);
  const flushed = await h.settle();
  const end = Math.max(lastFinish, flushed ?? 0);
  const serverAfter = processTreeCpuMs(spec.serverPid);
  const cpuMsPerJob = {
    client: ((await h.cpuMs()) - cpuBefore.client) / spec.n,
    server:
      serverAfter === undefined || cpuBefore.server === undefined
        ? undefined
        : (serverAfter - cpuBefore.server) / spec.n,
  };
  const notes =
    flushed !== undefined && flushed > lastFinish
      ? [
          `${h.settles} ${(flushed - lastFinish).toFixed(1)} ms after the last job finished (counted)`,
        ]
      : [];
  return { ...throughputOf(spec.n, start, enqueued, end, notes), cpuMsPerJob };
}

async function enqueueAll(h: Harness, offset: number, n: number): Promise<void> {
  let from = offset;
  for (const size of chunks(n, h.batchSize)) {
    await h.enqueueBatch(from, size);
    from += size;
  }
}

/** The pause between latency samples, so each job meets a queue gone idle. */
export const IDLE_GAP_MS = 2;

/** Times `spec.n` single jobs after `spec.warmup` untimed ones. */
export async function measureLatency(h: Harness, spec: CellSpec): Promise<LatencyResult> {
  const samplesMs: number[] = [];
  for (let k = 0; k < spec.warmup + spec.n; k++) {
    const i = 2_000_000 + k;
    const before = now();
    await h.enqueueOne(i);
    const started = await h.started(i);
    await h.finished(i);
    if (k >= spec.warmup) samplesMs.push(started - before);
    await new Promise((resolve) => setTimeout(resolve, IDLE_GAP_MS));
  }
  await h.settle();
  return { measure: "latency", samplesMs, summary: summarizeLatency(samplesMs), notes: [] };
}

/**
 * Start and finish stamps of jobs that run in this process, with the waits a Harness needs.
 * States per job: unknown -> started (stamped) -> finished.
 */
export class LocalTracker {
  readonly #starts = new Map<number, number>();
  readonly #finished = new Set<number>();
  #count = 0;
  #last = 0;
  #waiters: { until: () => boolean; resolve: () => void }[] = [];
  /** Per-job stamps are kept only in latency mode; throughput only counts. */
  readonly #perJob: boolean;

  constructor(perJob: boolean) {
    this.#perJob = perJob;
  }

  /** Called first thing in the job function. */
  start(i: number): void {
    if (!this.#perJob) return;
    this.#starts.set(i, now());
    this.#check();
  }

  /** Called once the queue recorded the job as finished. */
  finish(i: number): void {
    this.#last = now();
    this.#count++;
    if (this.#perJob) this.#finished.add(i);
    this.#check();
  }

  async started(i: number): Promise<number> {
    await this.#wait(() => this.#starts.has(i));
    return this.#starts.get(i)!;
  }

  finished(i: number): Promise<void> {
    return this.#wait(() => this.#finished.has(i));
  }

  async counted(n: number): Promise<number> {
    await this.#wait(() => this.#count >= n);
    return this.#last;
  }

  resetCounts(): void {
    this.#count = 0;
  }

  #wait(until: () => boolean): Promise<void> {
    if (until()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ until, resolve }));
  }

  #check(): void {
    const still = this.#waiters.filter((w) => !w.until());
    for (const w of this.#waiters) if (!still.includes(w)) w.resolve();
    this.#waiters = still;
  }
}
