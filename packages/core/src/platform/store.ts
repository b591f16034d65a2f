/**
 * The platform store: small interfaces over one database, so the queue's atomic steps (enqueue
 * marks the thread busy, finish frees it) can touch several tables in one transaction. Memory,
 * SQLite and PostgreSQL implement it and run one contract suite (test/contracts/platform*).
 */
import type { AuditLog, NewAuditEvent } from "../audit/types.ts";
import type { CheckpointSaver } from "../checkpoint/types.ts";
import type {
  Assistant,
  AssistantPatch,
  AssistantQuery,
  CancelAction,
  ClaimRequest,
  Cron,
  EnqueueResult,
  Fence,
  HeartbeatResult,
  JsonObject,
  NewAssistant,
  NewCron,
  NewRun,
  QueueStatus,
  Run,
  RunOutcome,
  RunQuery,
  SweepResult,
  Thread,
  ThreadQuery,
  WakeEvent,
  Worker,
  WorkerInfo,
} from "./types.ts";

export interface AssistantRepo {
  /** Creates the assistant; with `ifExists: "do_nothing"` returns the existing one instead of failing. */
  create(assistant: NewAssistant, now: Date, ifExists?: "raise" | "do_nothing"): Promise<Assistant>;
  get(tenant: string, assistantId: string): Promise<Assistant | undefined>;
  /** Applies the patch as a new version (the old one stays readable through `versions`). */
  update(tenant: string, assistantId: string, patch: AssistantPatch, now: Date): Promise<Assistant>;
  /** Deletes the assistant and its versions; pending runs of it become stranded. */
  delete(tenant: string, assistantId: string): Promise<boolean>;
  search(query: AssistantQuery): Promise<Assistant[]>;
  count(query: AssistantQuery): Promise<number>;
  /** Every version, newest first. */
  versions(tenant: string, assistantId: string): Promise<Assistant[]>;
  /** Makes an earlier version current again (as LangGraph's `setLatest`). */
  setLatest(tenant: string, assistantId: string, version: number, now: Date): Promise<Assistant>;
}

export interface ThreadRepo {
  create(
    thread: { tenant: string; threadId: string; metadata?: JsonObject },
    now: Date,
    ifExists?: "raise" | "do_nothing",
  ): Promise<Thread>;
  get(tenant: string, threadId: string): Promise<Thread | undefined>;
  /** Merges `metadata` into the thread's metadata. */
  update(tenant: string, threadId: string, metadata: JsonObject, now: Date): Promise<Thread>;
  /**
   * Sets the cached values after a state change made outside a run. The status becomes
   * `interrupted` when interrupts remain, else `idle` (a busy thread stays busy).
   */
  setState(
    tenant: string,
    threadId: string,
    state: { values: unknown; interrupts: JsonObject },
    now: Date,
  ): Promise<void>;
  /** Deletes the thread and its ended runs. Fails with THREAD_BUSY while a run is active. */
  delete(tenant: string, threadId: string): Promise<boolean>;
  search(query: ThreadQuery): Promise<Thread[]>;
  count(query: ThreadQuery): Promise<number>;
}

export interface RunQueue {
  /**
   * Atomically: returns the earlier run for a repeated idempotency key; applies the multitask
   * strategy against the thread's active runs (reject fails with THREAD_BUSY); inserts the run
   * as pending; marks the thread busy.
   */
  enqueue(run: NewRun, now: Date): Promise<EnqueueResult>;
  /**
   * Enqueues `runs` in order as one change: each as `enqueue` would (a later run sees the
   * earlier ones of the batch), and all of them or, when one fails, none (that error is
   * thrown). One transaction instead of one per run.
   */
  enqueueMany(runs: readonly NewRun[], now: Date): Promise<EnqueueResult[]>;
  /**
   * Optional: `enqueueMany`, with each created run's audit events (`audit.events[i]` for
   * `runs[i]`; none for an idempotent repeat) written in the same transaction, where the log
   * chains them later (`AuditLog.flushPending`): the trail can never miss a run that exists.
   * Returns undefined, having done nothing, when `audit.log` cannot join this store's
   * transactions or refuses one of the events (the caller appends them after the enqueue).
   */
  enqueueAudited?(
    runs: readonly NewRun[],
    now: Date,
    audit: EnqueueAudit,
  ): Promise<EnqueueResult[] | undefined>;
  get(tenant: string, runId: string): Promise<Run | undefined>;
  /** Newest first. */
  list(query: RunQuery): Promise<Run[]>;
  /**
   * Claims up to `limit` runnable runs: pending, due, on a thread with no running run, first in
   * their thread's line, within the concurrency limits; highest priority first, then oldest
   * `runAt`, then submission order. Each claim bumps the run's generation and attempt. Fails
   * with WORKER_NOT_REGISTERED for an unknown worker (its runs would have no lease).
   */
  claim(request: ClaimRequest): Promise<Run[]>;
  /**
   * Ends a claimed run and updates its thread, after storing `outcome.held` (together, when
   * this store's fenced saver made it). Fails with LEASE_LOST for a stale fence.
   */
  finish(fence: Fence, outcome: RunOutcome, now: Date): Promise<Run>;
  /**
   * Optional: `finish`, with the run's audit events appended in the same transaction, so a
   * crash can never leave an ended run without them (or them without it). Returns undefined,
   * having done nothing, when `audit.log` cannot join this store's transactions.
   */
  finishAudited?(
    fence: Fence,
    outcome: RunOutcome,
    now: Date,
    audit: FinishAudit,
  ): Promise<Run | undefined>;
  /**
   * Gives a claimed run back after a transient failure: pending again at `retryAt`, or dead
   * (with the error) when it has used `maxAttempts`. Fails with LEASE_LOST for a stale fence.
   */
  release(fence: Fence, error: Run["error"], retryAt: Date, now: Date): Promise<Run>;
  /**
   * Cancels a run. A pending run ends `cancelled` at once (deleted for rollback); a running one
   * is flagged, and its worker stops it. Fails with RUN_FINISHED for a run that already ended.
   */
  cancel(tenant: string, runId: string, action: CancelAction, now: Date): Promise<Run | undefined>;
  /** Queues an ended run (error, dead, timeout, cancelled) again, with fresh attempts. */
  retry(tenant: string, runId: string, now: Date): Promise<Run>;
  /** Deletes an ended run. Fails with RUN_ACTIVE for a pending or running one. */
  delete(tenant: string, runId: string): Promise<boolean>;
  /** Depths and ages; `stranded` counts pending runs whose assistant version is gone. */
  status(now: Date, tenant?: string): Promise<QueueStatus>;
  /**
   * Optional: hands runs to a worker of this process as they are enqueued. The store claims for
   * `claimer` inside the transaction that enqueues runs, as `claim` would, and gives it the
   * claimed runs once that transaction committed: one transaction and one wake-up hop fewer
   * between submit and start. Returns the function that stops it.
   */
  handoff?(claimer: HandoffClaimer): () => void;
}

/** The audit events {@link RunQueue.enqueueAudited} writes with the runs it creates. */
export interface EnqueueAudit {
  log: AuditLog;
  /** The events of each run, by its position in the batch. */
  events: readonly (readonly NewAuditEvent[])[];
}

/** The audit events {@link RunQueue.finishAudited} appends with a run's end. */
export interface FinishAudit {
  log: AuditLog;
  /** The events, given how the run ended (its final status decides them). */
  events(end: Pick<Run, "status" | "error">): NewAuditEvent[];
}

/** A worker that takes runs from {@link RunQueue.handoff}. */
export interface HandoffClaimer {
  /**
   * The claim to make now, or undefined when the worker has no free slot. Called inside the
   * store's transaction, so it must not call the store.
   */
  request(): ClaimRequest | undefined;
  /** The runs claimed for it, once their transaction committed. */
  claimed(runs: Run[]): void;
}

export interface WorkerRegistry {
  /** Registers (or re-registers) a worker with a lease of `leaseMs`. */
  register(info: WorkerInfo, now: Date, leaseMs: number): Promise<Worker>;
  /**
   * Renews the worker's lease (the lease of all its runs: heartbeats stay off the run rows).
   * Of the runs it holds, reports those it lost (requeued, cancelled, claimed by another) and
   * those whose cancellation was requested.
   */
  heartbeat(workerId: string, now: Date, leaseMs: number, held: Fence[]): Promise<HeartbeatResult>;
  /** Removes a worker that stopped cleanly (after its runs ended or were released). */
  deregister(workerId: string): Promise<void>;
  list(now: Date): Promise<Worker[]>;
  /**
   * Recovers the runs of workers whose lease expired (or that are not registered): pending
   * again, or dead with error code WORKER_LOST after `maxAttempts`. Safe to run from every
   * worker at once. Forgets workers whose lease expired over an hour ago.
   */
  sweep(now: Date): Promise<SweepResult>;
}

export interface CronRepo {
  create(cron: NewCron, now: Date): Promise<Cron>;
  get(tenant: string, cronId: string): Promise<Cron | undefined>;
  search(query: {
    tenant: string;
    assistantId?: string;
    threadId?: string;
    limit?: number;
    offset?: number;
  }): Promise<Cron[]>;
  update(
    tenant: string,
    cronId: string,
    patch: Partial<
      Pick<
        Cron,
        "schedule" | "timeZone" | "kwargs" | "metadata" | "enabled" | "endTime" | "nextRunAt"
      >
    >,
    now: Date,
  ): Promise<Cron>;
  delete(tenant: string, cronId: string): Promise<boolean>;
  /** Enabled crons due at `now`, oldest due first, across tenants. */
  due(now: Date, limit: number): Promise<Cron[]>;
  /**
   * Moves a cron from the firing at `firedAt` to `nextRunAt`, only if no one else did: returns
   * false when `nextRunAt` no longer equals `firedAt` (another scheduler fired it).
   */
  advance(
    tenant: string,
    cronId: string,
    firedAt: string,
    nextRunAt: string | null,
    now: Date,
  ): Promise<boolean>;
}

/** One database holding the platform's resources. */
export interface PlatformStore {
  readonly assistants: AssistantRepo;
  readonly threads: ThreadRepo;
  readonly runs: RunQueue;
  readonly workers: WorkerRegistry;
  readonly crons: CronRepo;
  /**
   * A checkpoint saver over the same database whose writes are fenced: each is rejected with
   * LEASE_LOST, atomically with the write, once `fence` is no longer the run's current claim.
   */
  fencedSaver(fence: Fence): CheckpointSaver;
  /** The unfenced saver, for reads and for writes made outside a run (updateState). */
  readonly saver: CheckpointSaver;
  /**
   * Subscribes to wake-ups: `run.pending` when a run becomes claimable (enqueue, release,
   * retry, sweep), `run.cancel` when a running run is asked to stop, `run.finished` when a run
   * ends (finish, cancel of a pending run, dead). In-process stores call the listener after
   * each commit; PostgreSQL delivers them across processes through LISTEN/NOTIFY, and a
   * finished run's `run.finished` only while someone {@link watchFinish}es it. Returns the
   * unsubscribe function.
   */
  subscribe(listener: (event: WakeEvent) => void): Promise<() => Promise<void>>;
  /**
   * Optional: declares that this process waits for run `runId` to end (`"*"`: every run) until
   * `until`, so the store announces that finish (`run.finished`). Stores without it announce
   * every finish. Declare before reading the run's status, or a finish in between goes
   * unannounced.
   */
  watchFinish?(runId: string, until: Date, now: Date): Promise<void>;
  /** Whether the database answers (for readiness checks). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
