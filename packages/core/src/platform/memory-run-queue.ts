/**
 * The run queue and worker registry of the in-memory platform store. Each method does all its
 * reads and changes synchronously before its first await, so concurrent calls in one process
 * behave like serialized transactions.
 */
import { InvalidArgumentError } from "../errors.ts";
import {
  assistantChanged,
  LeaseLostError,
  runActive,
  runExists,
  runFinished,
  runNotFound,
  runNotRetryable,
  threadBusy,
  threadNotFound,
} from "./errors.ts";
import {
  addThread,
  keyOf,
  type MemoryPlatformState,
  newThread,
  snapshotRuns,
} from "./memory-resources.ts";
import {
  applyStrategy,
  assistantCheckHolds,
  newRunRecord,
  pageOf,
  RETRYABLE_STATUSES,
  threadStatusAfter,
} from "./rules.ts";
import type { RunQueue } from "./store.ts";
import type {
  CancelAction,
  ClaimRequest,
  EnqueueResult,
  Fence,
  NewRun,
  QueueStatus,
  Run,
  RunOutcome,
  RunQuery,
  WakeEvent,
  Worker,
} from "./types.ts";

type StoredRun = Run & { seq: number };

const copy = <T>(value: T): T => structuredClone(value);
const strip = ({ seq: _seq, ...run }: StoredRun): Run => copy(run);

function bucket(
  counts: Record<string, { pending: number; running: number }>,
  key: string,
): { pending: number; running: number } {
  counts[key] ??= { pending: 0, running: 0 };
  return counts[key];
}

/** Shared by the queue and the registry: state, workers and the wake-up outlet. */
export interface QueueContext {
  state: MemoryPlatformState;
  workers: Map<string, Worker>;
  emit: (event: WakeEvent) => void;
}

export class MemoryRunQueue implements RunQueue {
  #seq = 0;
  /** The wake-ups of a batch in progress, sent once it all succeeded; null outside one. */
  #held: WakeEvent[] | null = null;
  private readonly ctx: QueueContext;
  constructor(ctx: QueueContext) {
    this.ctx = ctx;
  }

  async enqueue(input: NewRun, now: Date) {
    return this.#enqueueNow(input, now);
  }

  async enqueueMany(inputs: readonly NewRun[], now: Date) {
    // Seqs taken by a failed batch stay unused: they only order runs, as PostgreSQL's do.
    const restore = snapshotRuns(this.ctx.state);
    const events: WakeEvent[] = [];
    this.#held = events;
    try {
      const results = inputs.map((input) => this.#enqueueNow(input, now));
      for (const event of events) this.ctx.emit(event);
      return results;
    } catch (error) {
      restore();
      throw error;
    } finally {
      this.#held = null;
    }
  }

  #enqueueNow(input: NewRun, now: Date): EnqueueResult {
    const record = newRunRecord(input, now);
    const { state } = this.ctx;
    const current = (id: string) => {
      const entry = state.assistants.get(keyOf(record.tenant, id));
      return entry?.versions.find((v) => v.version === entry.current);
    };
    const shadowed = () => current(input.assistantCheck!.name) !== undefined;
    if (!assistantCheckHolds(input, current(input.assistantId), shadowed))
      throw assistantChanged(record.tenant, input.assistantCheck!.name);
    if (record.idempotencyKey !== null) {
      const earlier = [...state.runs.values()].find(
        (r) => r.tenant === record.tenant && r.idempotencyKey === record.idempotencyKey,
      );
      if (earlier) return { run: strip(earlier), created: false, displaced: [] };
    }
    if (state.runs.has(record.runId)) throw runExists(record.runId);
    const threadKey = keyOf(record.tenant, record.threadId);
    let thread = state.threads.get(threadKey);
    if (!thread && input.ifNotExists !== "create")
      throw threadNotFound(record.tenant, record.threadId);
    const active = this.#active(record.tenant, record.threadId);
    const decision = applyStrategy(record.multitaskStrategy, active);
    if ("reject" in decision) throw threadBusy(record.threadId, decision.reject.runId);
    if (!thread) {
      thread = newThread(
        { tenant: record.tenant, threadId: record.threadId, metadata: input.threadMetadata },
        now,
      );
      addThread(state, thread);
    }
    const displaced = decision.cancel.map(({ run, action }) => {
      const before = strip(run);
      this.#cancelIn(run, action, now);
      return before;
    });
    state.runs.set(record.runId, { ...record, seq: ++this.#seq });
    thread.status = "busy";
    thread.updatedAt = record.createdAt;
    this.#wake({
      kind: "run.pending",
      tenant: record.tenant,
      runId: record.runId,
      graphId: record.graphId,
    });
    return { run: copy(record), created: true, displaced };
  }

  async get(tenant: string, runId: string) {
    const run = this.ctx.state.runs.get(runId);
    return run && run.tenant === tenant ? strip(run) : undefined;
  }

  async list(query: RunQuery) {
    const statuses = query.status === undefined ? undefined : [query.status].flat();
    const { limit, offset } = pageOf(query);
    return [...this.ctx.state.runs.values()]
      .filter(
        (r) =>
          r.tenant === query.tenant &&
          (query.threadId === undefined || r.threadId === query.threadId) &&
          (query.assistantId === undefined || r.assistantId === query.assistantId) &&
          (statuses === undefined || statuses.includes(r.status)),
      )
      .reverse()
      .slice(offset, offset + limit)
      .map(strip);
  }

  async claim(request: ClaimRequest) {
    if (!this.ctx.workers.has(request.workerId)) {
      throw new InvalidArgumentError(
        `Worker ${JSON.stringify(request.workerId)} is not registered; call workers.register() before claiming.`,
        "WORKER_NOT_REGISTERED",
      );
    }
    const claimed: Run[] = [];
    const counts = this.#runningCounts();
    for (const run of this.#runnable(request)) {
      if (claimed.length >= request.limit) break;
      const byAssistant = counts.get(`a\0${run.tenant}\0${run.assistantId}`) ?? 0;
      const byTenant = counts.get(`t\0${run.tenant}`) ?? 0;
      if (request.maxPerAssistant !== undefined && byAssistant >= request.maxPerAssistant) continue;
      if (request.maxPerTenant !== undefined && byTenant >= request.maxPerTenant) continue;
      counts.set(`a\0${run.tenant}\0${run.assistantId}`, byAssistant + 1);
      counts.set(`t\0${run.tenant}`, byTenant + 1);
      const at = request.now.toISOString();
      Object.assign(run, {
        status: "running",
        attempt: run.attempt + 1,
        generation: run.generation + 1,
        workerId: request.workerId,
        startedAt: at,
        updatedAt: at,
      });
      claimed.push(strip(run));
    }
    return claimed;
  }

  async finish(fence: Fence, outcome: RunOutcome, now: Date) {
    await outcome.held?.write();
    const run = this.#owned(fence);
    const at = now.toISOString();
    Object.assign(run, {
      status: outcome.status,
      error: outcome.error ?? null,
      cancelAction: null,
      endedAt: at,
      updatedAt: at,
    });
    const thread = this.ctx.state.threads.get(keyOf(run.tenant, run.threadId));
    if (thread) {
      if (outcome.values !== undefined) thread.values = copy(outcome.values);
      thread.interrupts = copy(outcome.interrupts ?? {});
    }
    this.#settleThread(run, outcome.status, now);
    this.#wake({
      kind: "run.finished",
      tenant: run.tenant,
      runId: run.runId,
      status: run.status,
    });
    return strip(run);
  }

  async release(fence: Fence, error: Run["error"], retryAt: Date, now: Date) {
    const run = this.#owned(fence);
    const at = now.toISOString();
    if (run.attempt >= run.maxAttempts) {
      Object.assign(run, { status: "dead", error, workerId: null, endedAt: at, updatedAt: at });
      this.#settleThread(run, "dead", now);
      this.#wake({ kind: "run.finished", tenant: run.tenant, runId: run.runId, status: "dead" });
    } else {
      Object.assign(run, {
        status: "pending",
        error,
        workerId: null,
        runAt: retryAt.toISOString(),
        updatedAt: at,
      });
      this.#wake({
        kind: "run.pending",
        tenant: run.tenant,
        runId: run.runId,
        graphId: run.graphId,
      });
    }
    return strip(run);
  }

  async cancel(tenant: string, runId: string, action: CancelAction, now: Date) {
    const run = this.ctx.state.runs.get(runId);
    if (!run || run.tenant !== tenant) throw runNotFound(tenant, runId);
    if (run.status !== "pending" && run.status !== "running") throw runFinished(runId, run.status);
    this.#cancelIn(run, action, now);
    return this.ctx.state.runs.has(runId) ? strip(run) : undefined;
  }

  async retry(tenant: string, runId: string, now: Date) {
    const run = this.ctx.state.runs.get(runId);
    if (!run || run.tenant !== tenant) throw runNotFound(tenant, runId);
    if (!RETRYABLE_STATUSES.includes(run.status)) throw runNotRetryable(runId, run.status);
    const at = now.toISOString();
    Object.assign(run, {
      status: "pending",
      attempt: 0,
      error: null,
      cancelAction: null,
      workerId: null,
      runAt: at,
      endedAt: null,
      updatedAt: at,
    });
    const thread = this.ctx.state.threads.get(keyOf(tenant, run.threadId));
    if (thread) thread.status = "busy";
    this.#wake({ kind: "run.pending", tenant, runId, graphId: run.graphId });
    return strip(run);
  }

  async delete(tenant: string, runId: string) {
    const run = this.ctx.state.runs.get(runId);
    if (!run || run.tenant !== tenant) return false;
    if (run.status === "pending" || run.status === "running") throw runActive(runId, run.status);
    return this.ctx.state.runs.delete(runId);
  }

  async status(now: Date, tenant?: string): Promise<QueueStatus> {
    const status: QueueStatus = {
      pending: 0,
      delayed: 0,
      running: 0,
      dead: 0,
      oldestWaitingMs: null,
      byGraph: {},
      byTenant: {},
      byPriority: {},
      stranded: 0,
    };
    for (const run of this.ctx.state.runs.values()) {
      if (tenant === undefined || run.tenant === tenant) this.#tally(status, run, now);
    }
    return status;
  }

  #tally(status: QueueStatus, run: StoredRun, now: Date): void {
    if (run.status === "dead") status.dead++;
    if (run.status !== "pending" && run.status !== "running") return;
    const graph = bucket(status.byGraph, run.graphId);
    const owner = bucket(status.byTenant, run.tenant);
    if (run.status === "running") {
      status.running++;
      graph.running++;
      owner.running++;
      return;
    }
    status.pending++;
    graph.pending++;
    owner.pending++;
    status.byPriority[String(run.priority)] = (status.byPriority[String(run.priority)] ?? 0) + 1;
    const waited = now.getTime() - Date.parse(run.runAt);
    if (waited < 0) status.delayed++;
    else status.oldestWaitingMs = Math.max(status.oldestWaitingMs ?? 0, waited);
    if (this.#stranded(run)) status.stranded++;
  }

  #stranded(run: StoredRun): boolean {
    const entry = this.ctx.state.assistants.get(keyOf(run.tenant, run.assistantId));
    return !entry?.versions.some((v) => v.version === run.assistantVersion);
  }

  #wake(event: WakeEvent): void {
    if (this.#held === null) this.ctx.emit(event);
    else this.#held.push(event);
  }

  /** Marks a run cancelled (pending) or asks its worker to stop (running). */
  #cancelIn(run: StoredRun, action: CancelAction, now: Date): void {
    const at = now.toISOString();
    if (run.status === "running") {
      run.cancelAction = action;
      run.updatedAt = at;
      this.#wake({ kind: "run.cancel", tenant: run.tenant, runId: run.runId, action });
      return;
    }
    Object.assign(run, { status: "cancelled", endedAt: at, updatedAt: at });
    if (action === "rollback") this.ctx.state.runs.delete(run.runId);
    this.#settleThread(run, "cancelled", now);
    this.#wake({
      kind: "run.finished",
      tenant: run.tenant,
      runId: run.runId,
      status: "cancelled",
    });
  }

  #settleThread(run: StoredRun, outcome: RunOutcome["status"] | "dead", now: Date): void {
    const thread = this.ctx.state.threads.get(keyOf(run.tenant, run.threadId));
    if (!thread) return;
    const others = this.#active(run.tenant, run.threadId).some((r) => r.runId !== run.runId);
    thread.status = threadStatusAfter(outcome, others);
    thread.updatedAt = now.toISOString();
  }

  #active(tenant: string, threadId: string): StoredRun[] {
    return [...this.ctx.state.runs.values()].filter(
      (r) =>
        r.tenant === tenant &&
        r.threadId === threadId &&
        (r.status === "pending" || r.status === "running"),
    );
  }

  #owned(fence: Fence): StoredRun {
    const run = this.ctx.state.runs.get(fence.runId);
    if (run?.status !== "running" || run.generation !== fence.generation)
      throw new LeaseLostError(fence);
    return run;
  }

  #runningCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const r of this.ctx.state.runs.values()) {
      if (r.status !== "running") continue;
      counts.set(
        `a\0${r.tenant}\0${r.assistantId}`,
        (counts.get(`a\0${r.tenant}\0${r.assistantId}`) ?? 0) + 1,
      );
      counts.set(`t\0${r.tenant}`, (counts.get(`t\0${r.tenant}`) ?? 0) + 1);
    }
    return counts;
  }

  /** Pending, due runs first in their thread's line on an idle thread, in claim order. */
  #runnable(request: ClaimRequest): StoredRun[] {
    const now = request.now.getTime();
    const busy = new Set<string>();
    const firstInLine = new Map<string, StoredRun>();
    for (const run of this.ctx.state.runs.values()) {
      const thread = keyOf(run.tenant, run.threadId);
      if (run.status === "running") busy.add(thread);
      if (run.status === "pending" && !firstInLine.has(thread)) firstInLine.set(thread, run);
    }
    return [...firstInLine.entries()]
      .filter(([thread, run]) => !busy.has(thread) && Date.parse(run.runAt) <= now)
      .map(([, run]) => run)
      .filter((run) => request.graphIds === undefined || request.graphIds.includes(run.graphId))
      .sort(
        (a, b) =>
          b.priority - a.priority || Date.parse(a.runAt) - Date.parse(b.runAt) || a.seq - b.seq,
      );
  }
}
