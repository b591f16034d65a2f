/**
 * A worker claims runs and executes them. It never polls for work: the store wakes it when a
 * run becomes claimable (in process on SQLite, LISTEN/NOTIFY on PostgreSQL), and a slow
 * safety pass catches anything a lost notification missed. One lease per worker is renewed
 * by heartbeat; the sweeper (every worker runs it) recovers runs of workers that stopped.
 */
import { hostname } from "node:os";
import {
  type ClaimRequest,
  ConclaveError,
  type Fence,
  LeaseLostError,
  type Run,
  type RunError,
  type RunOutcome,
} from "@conclave/core";
import { newId } from "./ids.ts";
import { errorOf, executeRun, RunReleased, type StopReason } from "./run-executor.ts";
import type { RuntimeContext } from "./runtime-context.ts";
import { withRunSpan } from "./tracing.ts";

export interface WorkerOptions {
  workerId?: string;
  /** Runs executed at once by this worker. Default 10. */
  concurrency?: number;
  /** Most running runs per assistant / tenant across all workers. */
  maxPerAssistant?: number;
  maxPerTenant?: number;
  /** The worker's lease; a worker silent this long is presumed dead. Default 30 s. */
  leaseMs?: number;
  /** Heartbeat interval. Default a third of the lease. */
  heartbeatMs?: number;
  /** Safety pass and sweep interval. Default 5 s. */
  safetyMs?: number;
  /** Only these graphs (default: every graph in the registry). */
  graphIds?: string[];
}

interface InFlight {
  run: Run;
  controller: AbortController;
  reason?: StopReason;
  done: Promise<void>;
}

export class Worker {
  readonly workerId: string;
  readonly #ctx: RuntimeContext;
  readonly #options: Required<
    Pick<WorkerOptions, "concurrency" | "leaseMs" | "heartbeatMs" | "safetyMs">
  > &
    WorkerOptions;
  readonly #inFlight = new Map<string, InFlight>();
  /**
   * Runs this worker gave up but could not put back (the database was down). Its lease is
   * still renewed, so no sweeper would recover them: the safety pass retries each release.
   */
  readonly #unreleased = new Map<string, { fence: Fence; error: RunError; delayMs: number }>();
  #claiming = false;
  /** The claim pass scheduled or running (stop waits for it, so none touches a closed store). */
  #pass: Promise<void> = Promise.resolve();
  #again = false;
  #stopping = false;
  #timers: ReturnType<typeof setInterval>[] = [];
  #unsubscribe: (() => Promise<void>) | undefined;
  #stopHandoff: (() => void) | undefined;

  constructor(ctx: RuntimeContext, options: WorkerOptions = {}) {
    this.#ctx = ctx;
    const leaseMs = options.leaseMs ?? 30_000;
    this.#options = {
      ...options,
      concurrency: options.concurrency ?? 10,
      leaseMs,
      heartbeatMs: options.heartbeatMs ?? Math.max(1, Math.floor(leaseMs / 3)),
      safetyMs: options.safetyMs ?? 5_000,
    };
    this.workerId = options.workerId ?? `worker-${newId()}`;
  }

  get activeRuns(): number {
    return this.#inFlight.size;
  }

  async start(): Promise<void> {
    const { store } = this.#ctx;
    await this.#register();
    this.#unsubscribe = await store.subscribe((event) => {
      // A run handed to this worker as it was enqueued is already running here.
      if (event.kind === "run.pending") {
        if (!this.#inFlight.has(event.runId)) this.poke();
      } else if (event.kind === "run.cancel") this.#stop(event.runId, `cancel:${event.action}`);
    });
    this.#stopHandoff = store.runs.handoff?.({
      request: () => this.#handoffRequest(),
      claimed: (runs) => {
        for (const run of runs) this.#begin(run);
      },
    });
    this.#every(this.#options.heartbeatMs, () => this.#heartbeat());
    this.#every(this.#options.safetyMs, () => this.#safetyPass());
    this.poke();
  }

  #register(): Promise<unknown> {
    const { store, registry, clock } = this.#ctx;
    return store.workers.register(
      {
        workerId: this.workerId,
        graphIds: this.#options.graphIds ?? registry.ids(),
        concurrency: this.#options.concurrency,
        hostname: hostname(),
        pid: process.pid,
      },
      clock(),
      this.#options.leaseMs,
    );
  }

  /** Asks for a claim pass soon; passes never overlap, and a request during one reruns it. */
  poke(): void {
    if (this.#stopping) return;
    if (this.#claiming) {
      this.#again = true;
      return;
    }
    this.#claiming = true;
    // Decision: an idle worker claims at once (enqueue-to-start latency). A busy one claims
    // after the current turn of the event loop, so the runs that finish in that turn free
    // their slots first and one claim transaction fills them all: before, a saturated worker
    // claimed one run per transaction (queue bench, bench/queue.ts).
    this.#pass = new Promise<void>((resolve) => {
      const pass = () => void this.#claimPass().finally(resolve);
      if (this.#inFlight.size === 0) queueMicrotask(pass);
      else setImmediate(pass);
    });
  }

  /**
   * Stops claiming, lets in-flight runs finish for up to `drainMs`, then stops the rest: they
   * keep their checkpoints and go back to the queue for another worker. Then deregisters.
   */
  async stop(drainMs = 30_000): Promise<void> {
    this.#stopping = true;
    this.#stopHandoff?.();
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    await this.#unsubscribe?.();
    // A claim in flight may still start runs: they must be among those drained below.
    await this.#pass;
    const drained = Promise.all([...this.#inFlight.values()].map((f) => f.done));
    const timer = setTimeout(() => {
      for (const runId of this.#inFlight.keys()) this.#stop(runId, "shutdown");
    }, drainMs);
    await drained;
    clearTimeout(timer);
    await this.#releaseAll();
    await this.#ctx.store.workers.deregister(this.workerId).catch(() => undefined);
  }

  /**
   * The claim an enqueue makes for this worker in its own transaction (`RunQueue.handoff`):
   * none while stopping, while a claim pass is under way (it claims what it finds), or with no
   * free slot.
   */
  #handoffRequest(): ClaimRequest | undefined {
    const free = this.#options.concurrency - this.#inFlight.size;
    if (this.#stopping || this.#claiming || free <= 0) return undefined;
    return this.#claimRequest(free);
  }

  #claimRequest(limit: number): ClaimRequest {
    return {
      workerId: this.workerId,
      limit,
      now: this.#ctx.clock(),
      graphIds: this.#options.graphIds ?? this.#ctx.registry.ids(),
      maxPerAssistant: this.#options.maxPerAssistant,
      maxPerTenant: this.#options.maxPerTenant,
    };
  }

  async #claimPass(): Promise<void> {
    let registered = false;
    try {
      do {
        this.#again = false;
        const free = this.#options.concurrency - this.#inFlight.size;
        if (free <= 0 || this.#stopping) break;
        const runs = await this.#ctx.store.runs.claim(this.#claimRequest(free));
        for (const run of runs) this.#begin(run);
        if (runs.length === free) this.#again = true;
      } while (this.#again);
    } catch (error) {
      registered = await this.#registerIfForgotten(error);
      if (!registered)
        this.#ctx.logger.error(
          { err: error, workerId: this.workerId },
          "claim failed; retrying on the next wake-up",
        );
    } finally {
      this.#claiming = false;
    }
    if (registered) this.poke();
  }

  /**
   * A worker silent for longer than its lease (a suspended VM, a partition) has its runs swept
   * and is then forgotten; it would otherwise never claim again. Its runs went back to the
   * queue and its writes to them are fenced off, so registering anew is safe.
   */
  async #registerIfForgotten(error: unknown): Promise<boolean> {
    const forgotten = error instanceof ConclaveError && error.code === "WORKER_NOT_REGISTERED";
    if (!forgotten || this.#stopping) return false;
    this.#ctx.logger.warn(
      { workerId: this.workerId },
      "worker was forgotten after its lease lapsed; registering again",
    );
    try {
      await this.#register();
      return true;
    } catch (failure) {
      this.#ctx.logger.error({ err: failure, workerId: this.workerId }, "registering failed");
      return false;
    }
  }

  #begin(run: Run): void {
    const controller = new AbortController();
    const flight: InFlight = { run, controller, done: Promise.resolve() };
    this.#inFlight.set(run.runId, flight);
    if (run.cancelAction) this.#stop(run.runId, `cancel:${run.cancelAction}`);
    const timeoutMs = run.kwargs.timeoutMs as number | undefined;
    const timer = timeoutMs
      ? setTimeout(() => this.#stop(run.runId, "timeout"), timeoutMs)
      : undefined;
    this.#ctx.onStarted(run);
    flight.done = this.#execute(flight).finally(() => {
      clearTimeout(timer);
      this.#inFlight.delete(run.runId);
      this.poke();
    });
  }

  async #execute(flight: InFlight): Promise<void> {
    const { run } = flight;
    const fence: Fence = { runId: run.runId, generation: run.generation };
    const entry = this.#ctx.registry.get(run.graphId);
    let outcome: RunOutcome;
    try {
      if (!entry)
        throw new Error(`Graph ${run.graphId} is not registered on worker ${this.workerId}.`);
      const governed = await this.#ctx.executionOptions(run);
      outcome = await withRunSpan(run, () =>
        executeRun({
          ...governed,
          run,
          graph: entry.graph,
          store: this.#ctx.store,
          events: this.#ctx.events,
          signal: flight.controller.signal,
          stopReason: () => flight.reason,
        }),
      );
    } catch (error) {
      await this.#abandon(fence, error);
      return;
    }
    await this.#ctx.finish(fence, run, outcome).catch((error) => this.#abandon(fence, error));
  }

  /** A run this worker cannot end: lost (write nothing), released on shutdown, or a store failure. */
  async #abandon(fence: Fence, error: unknown): Promise<void> {
    const { logger } = this.#ctx;
    this.#ctx.onAbandoned(fence.runId);
    if (error instanceof LeaseLostError) {
      logger.warn(
        { runId: fence.runId, workerId: this.workerId },
        "lease lost; the run was left to its new owner",
      );
      return;
    }
    const reason = error instanceof RunReleased ? "released on worker shutdown" : "store failure";
    logger.warn({ runId: fence.runId, err: error, reason }, "run given back to the queue");
    this.#unreleased.set(fence.runId, {
      fence,
      error: { code: "RUN_RELEASED", message: `${reason}: ${errorOf(error).message}` },
      delayMs: error instanceof RunReleased ? 0 : 1_000,
    });
    await this.#release(fence.runId);
  }

  /** Puts an abandoned run back in the queue; on failure it stays listed for the next try. */
  async #release(runId: string): Promise<void> {
    const { logger, store, clock } = this.#ctx;
    const entry = this.#unreleased.get(runId);
    if (!entry) return;
    try {
      const retryAt = new Date(clock().getTime() + entry.delayMs);
      await store.runs.release(entry.fence, entry.error, retryAt, clock());
      this.#unreleased.delete(runId);
    } catch (error) {
      // LEASE_LOST: the run is no longer this claim's (its finish committed after all, or it
      // was swept), so there is nothing left to give back.
      if (error instanceof LeaseLostError) this.#unreleased.delete(runId);
      else logger.error({ err: error, runId }, "release failed; retrying on the safety pass");
    }
  }

  #releaseAll(): Promise<unknown> {
    return Promise.all([...this.#unreleased.keys()].map((runId) => this.#release(runId)));
  }

  #stop(runId: string, reason: StopReason): void {
    const flight = this.#inFlight.get(runId);
    if (!flight || flight.reason) return;
    flight.reason = reason;
    flight.controller.abort(new Error(`run stopped: ${reason}`));
  }

  async #heartbeat(): Promise<void> {
    const held = [...this.#inFlight.values()].map((f) => ({
      runId: f.run.runId,
      generation: f.run.generation,
    }));
    const { lost, cancel } = await this.#ctx.store.workers.heartbeat(
      this.workerId,
      this.#ctx.clock(),
      this.#options.leaseMs,
      held,
    );
    for (const runId of lost) this.#stop(runId, "lost");
    for (const { runId, action } of cancel) this.#stop(runId, `cancel:${action}`);
  }

  async #safetyPass(): Promise<void> {
    await this.#releaseAll();
    const swept = await this.#ctx.store.workers.sweep(this.#ctx.clock());
    if (swept.requeued.length + swept.dead.length > 0)
      this.#ctx.logger.warn(
        { ...swept, workerId: this.workerId },
        "recovered runs of lost workers",
      );
    for (const runId of swept.dead) this.#ctx.onDead(runId);
    this.poke();
    await this.#ctx.onSweep(this.#ctx.clock());
  }

  #every(ms: number, task: () => Promise<void>): void {
    const timer = setInterval(() => {
      task().catch((error) =>
        this.#ctx.logger.error({ err: error, workerId: this.workerId }, "worker timer task failed"),
      );
    }, ms);
    timer.unref?.();
    this.#timers.push(timer);
  }
}
