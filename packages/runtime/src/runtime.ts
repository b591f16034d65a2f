/**
 * The runtime: submit runs, watch and control them, and run workers, over one platform store.
 * Everything durable lives in the store, so any number of runtimes (processes) can share a
 * PostgreSQL database, and one embedded runtime owns a SQLite file.
 */
import {
  type CancelAction,
  ConclaveError,
  type EnqueueResult,
  type Fence,
  type NewRun,
  type OperationalMode,
  type PlatformStore,
  type QueueStatus,
  type Run,
  type RunOutcome,
  runNotFound,
  type SettingsStore,
  type Store,
  type WakeEvent,
} from "@conclave/core";
import { pino } from "pino";
import { ApprovalInbox } from "./approvals.ts";
import { AssistantCache } from "./assistant-cache.ts";
import { type AuditOptions, AuditSink } from "./audit-sink.ts";
import { auditAnnotations, ModePolicy } from "./governance.ts";
import { type GraphFactoryContext, GraphRegistry, type GraphSource } from "./graph-registry.ts";
import { expireStaleReservations, type ReservationExpiryOptions } from "./reservation-expiry.ts";
import { endRunAudited } from "./run-end.ts";
import { type RunEvent, RunEventBus, type RunEventBusOptions } from "./run-events.ts";
import { ROLLED_BACK } from "./run-executor.ts";
import type { RuntimeContext, RuntimeLogger } from "./runtime-context.ts";
import {
  createdEvent,
  createdEvents,
  newRunsOf,
  resolveAssistant,
  type SubmitRequest,
} from "./submit.ts";
import { tenantStore } from "./tenant-store.ts";
import { bodyFor, deliver, formatOf, type WebhookOptions } from "./webhooks.ts";
import { Worker, type WorkerOptions } from "./worker.ts";

export interface RuntimeOptions {
  store: PlatformStore;
  graphs?: Record<string, GraphSource>;
  clock?: () => Date;
  logger?: RuntimeLogger;
  events?: RunEventBusOptions;
  /** Tenant of requests that name none. Default "default". */
  defaultTenant?: string;
  /** Signing key, retries and timeouts of run webhooks. */
  webhooks?: WebhookOptions;
  /** How long the thread of a stateless run is kept after it ends. Default 60 s. */
  temporaryThreadTtlMs?: number;
  /** Handed to graph factories (e.g. the ledger and budgets their model calls use). */
  graphContext?: GraphFactoryContext;
  /** Per-tenant settings: operational modes and approval timeouts. Every run is `auto` without it. */
  settings?: SettingsStore;
  /** Where and how the audit trail is written; no trail without it. */
  audit?: AuditOptions;
  /** The budget store model calls reserve on: the sweep charges reservations nobody settled. */
  budgets?: ReservationExpiryOptions;
  /**
   * Long-term memory: each run's graph gets its tenant's view as `config.store` (unless the graph
   * was compiled with a store of its own), and the server serves it at `/store`.
   */
  items?: Store;
}

/** Statuses after which a run changes no more (until retried). */
export const TERMINAL_STATUSES: readonly Run["status"][] = [
  "success",
  "error",
  "timeout",
  "interrupted",
  "cancelled",
  "dead",
];

const JOIN_RECHECK_MS = 5_000;
/**
 * The first recheck after a join declared its wait (`watchFinish`): a finish whose statement
 * began before the declaration committed reads no watcher and announces nothing.
 */
const JOIN_DECLARED_RECHECK_MS = 50;

export class Runtime {
  readonly store: PlatformStore;
  /** Long-term memory shared by the runs of a tenant (see `RuntimeOptions.items`). */
  readonly items: Store | undefined;
  readonly registry: GraphRegistry;
  readonly events: RunEventBus;
  readonly logger: RuntimeLogger;
  readonly clock: () => Date;
  readonly defaultTenant: string;
  readonly audit: AuditSink | undefined;
  readonly modes: ModePolicy;
  readonly approvals: ApprovalInbox;
  readonly #joiners = new Map<string, Set<() => void>>();
  readonly #workers = new Set<Worker>();
  readonly #afterRun: ((run: Run, outcome: RunOutcome) => Promise<void> | void)[] = [];
  readonly #deliveries = new Set<Promise<unknown>>();
  readonly #webhooks: WebhookOptions;
  readonly #temporaryTtlMs: number;
  readonly #budgets: ReservationExpiryOptions | undefined;
  readonly #assistants = new AssistantCache(
    (tenant, name) => this.resolveAssistant(tenant, name),
    (graphId) => this.registry.get(graphId) !== undefined,
  );
  #unsubscribe: (() => Promise<void>) | undefined;

  private constructor(options: RuntimeOptions) {
    this.store = options.store;
    this.items = options.items;
    this.clock = options.clock ?? (() => new Date());
    this.logger = options.logger ?? pino({ level: process.env.CONCLAVE_LOG_LEVEL ?? "warn" });
    this.events = new RunEventBus(options.events);
    this.defaultTenant = options.defaultTenant ?? "default";
    this.#webhooks = options.webhooks ?? {};
    this.#temporaryTtlMs = options.temporaryThreadTtlMs ?? 60_000;
    this.#budgets = options.budgets;
    this.registry = new GraphRegistry(options.graphContext);
    this.audit = options.audit ? new AuditSink(options.audit, this.logger) : undefined;
    this.modes = new ModePolicy(options.settings);
    this.approvals = new ApprovalInbox(this, options.settings);
  }

  static async create(options: RuntimeOptions): Promise<Runtime> {
    const runtime = new Runtime(options);
    for (const [graphId, source] of Object.entries(options.graphs ?? {}))
      await runtime.registry.register(graphId, source);
    runtime.#unsubscribe = await runtime.store.subscribe((event) => runtime.#onWake(event));
    return runtime;
  }

  /** Queues a run; returns it pending (or the earlier run for a repeated idempotency key). */
  async submit(request: SubmitRequest): Promise<Run> {
    const [run] = await this.submitMany([request]);
    return run!;
  }

  /**
   * Queues runs in order as one change (one transaction): all of them, or none when one
   * fails (its error is thrown). Each is returned as `submit` would return it.
   */
  async submitMany(requests: readonly SubmitRequest[]): Promise<Run[]> {
    const remembered = (tenant: string, name: string) => this.#assistants.remembered(tenant, name);
    const newRuns = await newRunsOf(requests, this.defaultTenant, remembered);
    // A worker streams a run only into an open channel: open it before the run can start, so
    // a reader that subscribes after submit returns still gets every event.
    const streamed = newRuns.filter((_, i) => (requests[i]!.streamMode?.length ?? 0) > 0);
    for (const run of streamed) this.events.open(run.runId);
    const runIds = newRuns.map((run) => run.runId);
    this.audit?.submitting(runIds);
    try {
      const { results, audited } = await this.#enqueue(requests, newRuns, streamed);
      // Pending runs the multitask strategy cancelled never reach a worker to end their streams.
      for (const { displaced } of results)
        for (const before of displaced)
          if (before.status === "pending") this.#endUnstarted(before.runId);
      if (this.audit && audited) await this.audit.enqueuedWithRuns();
      else if (this.audit) {
        const events = createdEvents(requests, results, this.audit);
        if (events.length > 0) await this.audit.record(events);
      }
      return results.map((result) => result.run);
    } finally {
      this.audit?.submitted(runIds);
    }
  }

  /**
   * Enqueues the batch; when a remembered assistant changed meanwhile (ASSISTANT_CHANGED, and
   * nothing was stored), builds it again from fresh reads, under the same ids, and enqueues once
   * more (see `assistant-cache.ts`).
   */
  async #enqueue(
    requests: readonly SubmitRequest[],
    newRuns: NewRun[],
    streamed: NewRun[],
  ): Promise<{ results: EnqueueResult[]; audited: boolean }> {
    try {
      try {
        return await this.#enqueueOnce(requests, newRuns);
      } catch (error) {
        if (!(error instanceof ConclaveError && error.code === "ASSISTANT_CHANGED")) throw error;
        this.#assistants.forgetChecked(newRuns);
        const fresh = (tenant: string, name: string) => this.#assistants.fresh(tenant, name);
        return await this.#enqueueOnce(
          requests,
          await newRunsOf(requests, this.defaultTenant, fresh, newRuns),
        );
      }
    } catch (error) {
      for (const run of streamed) this.events.close(run.runId);
      throw error;
    }
  }

  /**
   * Enqueues the batch; `audited` when the store wrote the runs' `run.created` events with them
   * (`RunQueue.enqueueAudited`).
   */
  async #enqueueOnce(
    requests: readonly SubmitRequest[],
    newRuns: NewRun[],
  ): Promise<{ results: EnqueueResult[]; audited: boolean }> {
    const { audit, store } = this;
    if (audit && store.runs.enqueueAudited) {
      const events = newRuns.map((run, i) => [createdEvent(requests[i]!, run, audit)]);
      const results = await store.runs.enqueueAudited(
        newRuns,
        this.clock(),
        audit.enqueueAudit(events),
      );
      if (results !== undefined) return { results, audited: true };
    }
    const results =
      newRuns.length === 1
        ? [await store.runs.enqueue(newRuns[0]!, this.clock())]
        : await store.runs.enqueueMany(newRuns, this.clock());
    return { results, audited: false };
  }

  /** The assistant a name refers to: an assistant id, a graph id or a default-assistant id. */
  resolveAssistant(tenant: string, name: string) {
    return resolveAssistant(this.store, this.registry, tenant, name, this.clock());
  }

  async getRun(tenant: string, runId: string): Promise<Run> {
    const run = await this.store.runs.get(tenant, runId);
    if (!run) throw runNotFound(tenant, runId);
    return run;
  }

  /**
   * Waits until the run ends (or `signal` aborts) and returns it. While it waits, it declares
   * so to the store (`watchFinish`), which may announce finishes only to declared waiters; the
   * status is read again after each declaration, so a finish just before it is not missed.
   */
  async join(tenant: string, runId: string, signal?: AbortSignal): Promise<Run> {
    let watchedUntil = 0;
    let recheckMs = JOIN_RECHECK_MS;
    for (;;) {
      const run = await this.getRun(tenant, runId);
      if (TERMINAL_STATUSES.includes(run.status)) return run;
      signal?.throwIfAborted();
      const now = this.clock().getTime();
      if (this.store.watchFinish && watchedUntil < now + JOIN_RECHECK_MS) {
        watchedUntil = now + 3 * JOIN_RECHECK_MS;
        await this.store.watchFinish(runId, new Date(watchedUntil), new Date(now));
        // A finish already under way when the declaration committed may not have seen it.
        recheckMs = JOIN_DECLARED_RECHECK_MS;
        continue;
      }
      await this.#nextChange(runId, recheckMs, signal);
      recheckMs = JOIN_RECHECK_MS;
    }
  }

  /** The run's events, replayed after `afterId`, then live until it ends. */
  async *stream(
    tenant: string,
    runId: string,
    afterId = 0,
    signal?: AbortSignal,
  ): AsyncGenerator<RunEvent> {
    await this.getRun(tenant, runId);
    yield* this.events.subscribe(runId, afterId, signal);
  }

  async cancel(
    tenant: string,
    runId: string,
    action: CancelAction = "interrupt",
    actor?: string,
  ): Promise<Run | undefined> {
    const run = await this.store.runs.cancel(tenant, runId, action, this.clock());
    // A pending run ends here (undefined once rolled back); no worker will end its stream.
    if (run === undefined || run.status === "cancelled") this.#endUnstarted(runId);
    await this.#audit({ tenant, runId, threadId: run?.threadId }, "run.cancel_requested", actor, {
      action,
    });
    return run;
  }

  async retry(tenant: string, runId: string, actor?: string): Promise<Run> {
    const run = await this.store.runs.retry(tenant, runId, this.clock());
    await this.#audit(run, "run.retried", actor, {});
    return run;
  }

  /** Records one audit event about a run (a no-op without an audit log). */
  async #audit(
    run: { tenant: string; runId: string; threadId?: string },
    kind: string,
    actor: string | undefined,
    data: Record<string, unknown>,
    holdForRun = false,
  ): Promise<void> {
    const { tenant, runId, threadId } = run;
    const event = { tenant, kind, actor: actor ?? "system", runId, threadId, data };
    await this.audit?.record([event], holdForRun);
  }

  queueStatus(tenant?: string): Promise<QueueStatus> {
    return this.store.runs.status(this.clock(), tenant);
  }

  /** Starts a worker in this process. */
  async startWorker(options: WorkerOptions = {}): Promise<Worker> {
    const worker = new Worker(this.#context(), options);
    await worker.start();
    this.#workers.add(worker);
    return worker;
  }

  /**
   * Sets the operational mode of a tenant, or of one of its assistants (`null` removes an
   * assistant's override). Audited as an admin action.
   */
  async setMode(
    tenant: string,
    mode: OperationalMode | null,
    options: { assistantId?: string; actor?: string } = {},
  ): Promise<void> {
    const previous = await this.modes.setMode(tenant, mode, options.assistantId);
    const setting = options.assistantId ? `mode:assistant:${options.assistantId}` : "mode";
    await this.audit?.record([
      {
        tenant,
        kind: "admin.mode.changed",
        actor: options.actor ?? "system",
        data: { setting, from: previous, to: mode },
      },
    ]);
  }

  /** Adds a hook run after every run this process ends (audit, metrics). */
  afterRun(hook: (run: Run, outcome: RunOutcome) => Promise<void> | void): void {
    this.#afterRun.push(hook);
  }

  /** Drains this process's workers, then stops listening. The store stays open. */
  async close(drainMs?: number): Promise<void> {
    await Promise.all([...this.#workers].map((w) => w.stop(drainMs)));
    this.#workers.clear();
    await Promise.all(this.#deliveries);
    await this.audit?.flush();
    await this.#unsubscribe?.();
    this.events.clear();
  }

  #context(): RuntimeContext {
    return {
      store: this.store,
      registry: this.registry,
      events: this.events,
      clock: this.clock,
      logger: this.logger,
      executionOptions: async (run) => ({
        ...(this.items ? { items: tenantStore(this.items, run.tenant) } : {}),
        mode: await this.modes.modeFor(run.tenant, run.assistantId),
        onAnnotations: this.audit ? auditAnnotations(run, this.audit) : undefined,
      }),
      // Nobody awaits this: under `sync` audit durability a failed append (the database went
      // away just after the claim) is logged, not left to crash the process as unhandled.
      onStarted: (run) =>
        void this.#audit(
          run,
          "run.started",
          `worker:${run.workerId}`,
          { attempt: run.attempt },
          true,
        ).catch((error) =>
          this.logger.error({ err: error, runId: run.runId }, "audit of run.started failed"),
        ),
      finish: (fence, run, outcome) => this.#finish(fence, run, outcome),
      onAbandoned: (runId) => this.audit?.abandoned(runId),
      onDead: (runId) => this.events.close(runId),
      onSweep: async (now) => {
        if (this.#budgets) await expireStaleReservations(this.#budgets, now, this.logger);
        // Ends that a dead process left in the audit outbox.
        await this.audit?.log.flushPending?.();
      },
    };
  }

  async #finish(fence: Fence, run: Run, outcome: RunOutcome): Promise<void> {
    const now = this.clock();
    const ended = await endRunAudited(this.store, this.audit, {
      fence,
      run,
      outcome,
      now,
    });
    if (outcome.status === "error" || outcome.status === "timeout") {
      this.events.publish(run.runId, "error", outcome.error ?? null);
    }
    this.events.publish(run.runId, "end", { status: ended.status });
    this.events.close(run.runId);
    await this.#cleanUp(ended);
    if (ended.webhook) this.#sendWebhook(ended, ended.webhook, outcome.values ?? null);
    for (const hook of this.#afterRun) {
      try {
        await hook(ended, outcome);
      } catch (error) {
        this.logger.error({ err: error, runId: run.runId }, "after-run hook failed");
      }
    }
  }

  /** Ends the stream of a run cancelled before it started, so its readers stop waiting. */
  #endUnstarted(runId: string): void {
    this.events.publish(runId, "end", { status: "cancelled" });
    this.events.close(runId);
  }

  /** Delivers in the background; close() waits for deliveries in progress. */
  #sendWebhook(run: Run, url: string, values: unknown): void {
    const body = bodyFor(formatOf(url), run, values, this.clock());
    const delivery = deliver(url, body, this.#webhooks).then((result) => {
      if (!result.delivered)
        this.logger.warn(
          { runId: run.runId, url: new URL(url).origin, ...result },
          "webhook not delivered",
        );
    });
    this.#deliveries.add(delivery);
    void delivery.finally(() => this.#deliveries.delete(delivery));
  }

  /** Stateless runs drop their thread; rolled-back runs drop their record. */
  async #cleanUp(run: Run): Promise<void> {
    const rolledBack = run.status === "cancelled" && run.error?.code === ROLLED_BACK;
    if (rolledBack) await this.store.runs.delete(run.tenant, run.runId);
    if (!run.temporary) return;
    // The thread outlives its run briefly, so a client waiting on the run can still read the
    // final state; a crash in between leaves an idle thread behind, nothing worse.
    const timer = setTimeout(() => {
      this.#dropThread(run).catch((error) =>
        this.logger.warn({ err: error, threadId: run.threadId }, "temporary thread not deleted"),
      );
    }, this.#temporaryTtlMs);
    timer.unref?.();
  }

  async #dropThread(run: Run): Promise<void> {
    if (!(await this.#threadIdle(run))) return;
    await this.store.threads.delete(run.tenant, run.threadId);
    await this.store.saver.deleteThread(run.threadId);
  }

  async #threadIdle(run: Run): Promise<boolean> {
    const thread = await this.store.threads.get(run.tenant, run.threadId);
    return thread !== undefined && thread.status !== "busy";
  }

  #onWake(event: WakeEvent): void {
    if (event.kind !== "run.finished") return;
    const waiters = this.#joiners.get(event.runId);
    if (!waiters) return;
    this.#joiners.delete(event.runId);
    for (const wake of waiters) wake();
  }

  #nextChange(runId: string, recheckMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const waiters = this.#joiners.get(runId) ?? new Set();
      this.#joiners.set(runId, waiters);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        waiters.delete(done);
        resolve();
      };
      // A lost notification (a database reconnect) costs at most this long.
      const timer = setTimeout(done, recheckMs);
      waiters.add(done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }
}
