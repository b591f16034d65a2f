/**
 * Worker processes for the PostgreSQL cells: forks `queue-worker.ts` once per worker and
 * follows what they report over IPC. The producer stays in the cell's process, so a job
 * crosses processes through the database exactly as in a deployment.
 *
 * States of a group: starting (forked, waiting for every `ready`) -> running (jobs reported as
 * `start`/`done` one by one in latency mode, as throttled `progress` counts in throughput
 * mode) -> draining (`drain`: each worker flushes what it buffers and answers `drained`) ->
 * stopped (`stop`: each closes its runtime and exits).
 */
import { type ChildProcess, fork } from "node:child_process";
import type { Measure } from "./queue-stats.ts";

/** What a worker process is told to run (its argv[2], as JSON). */
export interface WorkerConfig {
  system: "graphile" | "conclave";
  measure: Measure;
  url: string;
  concurrency: number;
  /** Conclave only: audit and checkpoint durability. */
  durability?: "async" | "exit";
}

/** Messages a worker process sends. Times are `now()` stamps (CLOCK_MONOTONIC, ms). */
export type WorkerMessage =
  | { type: "ready" }
  | { type: "start"; i: number; t: number }
  | { type: "done"; i: number; t: number }
  | { type: "progress"; count: number; last: number }
  /** `flushMs`: how long the flush waited (about 0 when nothing was buffered). */
  | { type: "drained"; t: number; flushMs: number }
  | { type: "cpu"; ms: number }
  | { type: "error"; message: string };

/** A flush shorter than this found nothing buffered (an idle flush takes microseconds). */
const FLUSH_IDLE_MS = 0.5;

const SCRIPT = new URL("./queue-worker.ts", import.meta.url);

interface Waiter {
  until: () => boolean;
  resolve: () => void;
}

/** A set of worker processes and what they reported so far. */
export class WorkerGroup {
  readonly #children: ChildProcess[];
  readonly #starts = new Map<number, number>();
  readonly #done = new Set<number>();
  readonly #counts: number[];
  readonly #lasts: number[];
  /** Counts at the last `resetCounts` (workers report running totals). */
  readonly #base: number[];
  readonly #drained: { t: number; flushMs: number }[] = [];
  #waiters: Waiter[] = [];
  readonly #cpu: number[] = [];
  #ready = 0;
  #failure: Error | undefined;

  private constructor(children: ChildProcess[]) {
    this.#children = children;
    this.#counts = children.map(() => 0);
    this.#lasts = children.map(() => 0);
    this.#base = children.map(() => 0);
    children.forEach((child, index) => {
      child.on("message", (message: WorkerMessage) => this.#receive(index, message));
      child.on("exit", (code) => {
        if (code !== 0 && code !== null) this.#fail(new Error(`worker ${index} exited ${code}`));
      });
    });
  }

  /** Forks `count` workers and resolves once all of them are ready to take jobs. */
  static async start(config: WorkerConfig, count: number): Promise<WorkerGroup> {
    const children = Array.from({ length: count }, () =>
      fork(SCRIPT, [JSON.stringify(config)], {
        stdio: ["ignore", "inherit", "inherit", "ipc"],
        env: { ...process.env, NO_LOG_SUCCESS: "1" },
      }),
    );
    const group = new WorkerGroup(children);
    await group.#wait(() => group.#ready === count);
    return group;
  }

  /** The start stamp of job `i` once a worker reports it. */
  async started(i: number): Promise<number> {
    await this.#wait(() => this.#starts.has(i));
    return this.#starts.get(i)!;
  }

  /** Resolves once job `i` finished. */
  finished(i: number): Promise<void> {
    return this.#wait(() => this.#done.has(i));
  }

  /** Resolves with the latest finish stamp once the workers together finished `n` jobs. */
  async counted(n: number): Promise<number> {
    await this.#wait(() => this.#counts.reduce((a, b, i) => a + b - this.#base[i]!, 0) >= n);
    return Math.max(...this.#lasts);
  }

  /** Counts from here on (after a warm-up batch). */
  resetCounts(): void {
    this.#counts.forEach((count, i) => {
      this.#base[i] = count;
    });
  }

  /**
   * Asks every worker to flush what it buffers (Conclave's audit events). Resolves with the
   * stamp of the latest flush that had to wait for writes, or undefined when none had.
   */
  async drain(): Promise<number | undefined> {
    this.#drained.length = 0;
    for (const child of this.#children) child.send({ type: "drain" });
    await this.#wait(() => this.#drained.length === this.#children.length);
    const waited = this.#drained.filter((d) => d.flushMs > FLUSH_IDLE_MS).map((d) => d.t);
    return waited.length === 0 ? undefined : Math.max(...waited);
  }

  /** The CPU ms the worker processes used so far, together. */
  async cpuMs(): Promise<number> {
    this.#cpu.length = 0;
    for (const child of this.#children) child.send({ type: "cpu" });
    await this.#wait(() => this.#cpu.length === this.#children.length);
    return this.#cpu.reduce((a, b) => a + b, 0);
  }

  /** Stops every worker and waits for them to exit. */
  async stop(): Promise<void> {
    await Promise.all(
      this.#children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once("exit", () => resolve());
            child.send({ type: "stop" });
          }),
      ),
    );
  }

  #receive(index: number, message: WorkerMessage): void {
    if (message.type === "ready") this.#ready++;
    else if (message.type === "start") this.#starts.set(message.i, message.t);
    else if (message.type === "done") this.#done.add(message.i);
    else if (message.type === "progress") {
      this.#counts[index] = message.count;
      this.#lasts[index] = message.last;
    } else if (message.type === "drained") this.#drained.push(message);
    else if (message.type === "cpu") this.#cpu.push(message.ms);
    else if (message.type === "error") this.#fail(new Error(`worker ${index}: ${message.message}`));
    this.#check();
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    this.#check();
  }

  #wait(until: () => boolean): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (until()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#waiters.push({
        until: () => {
          if (this.#failure) reject(this.#failure);
          return this.#failure !== undefined || until();
        },
        resolve,
      });
    });
  }

  #check(): void {
    const still: Waiter[] = [];
    for (const waiter of this.#waiters) {
      if (waiter.until()) waiter.resolve();
      else still.push(waiter);
    }
    this.#waiters = still;
  }
}
