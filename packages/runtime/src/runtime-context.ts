/**
 * What workers, schedulers and the runtime share: the store, the graphs, the event bus, the
 * clock, the logger, and the hooks that run when a run starts and ends (audit, webhooks,
 * stream closing, temporary-thread cleanup).
 */
import type { Fence, PlatformStore, Run, RunOutcome } from "@conclave/core";
import type { GraphRegistry } from "./graph-registry.ts";
import type { RunEventBus } from "./run-events.ts";
import type { Execution } from "./run-executor.ts";

/** The pino-compatible subset the runtime logs through. */
export interface RuntimeLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface RuntimeContext {
  store: PlatformStore;
  registry: GraphRegistry;
  events: RunEventBus;
  clock: () => Date;
  logger: RuntimeLogger;
  /** The governance mode and audit hook a claimed run executes with. */
  executionOptions(run: Run): Promise<Pick<Execution, "mode" | "onAnnotations" | "items">>;
  /** Called when a worker has claimed a run, before it executes. */
  onStarted(run: Run): void;
  /** Ends a claimed run (fenced) and runs the after-run hooks. */
  finish(fence: Fence, run: Run, outcome: RunOutcome): Promise<void>;
  /**
   * Called when a worker gives a claimed run up without ending it (lease lost, shutdown, store
   * failure): what it recorded about the run so far is still written.
   */
  onAbandoned(runId: string): void;
  /** Called for runs the sweeper declared dead. */
  onDead(runId: string): void;
  /** Housekeeping of the safety sweep beyond runs (expired budget reservations). */
  onSweep(now: Date): Promise<void>;
}
