/**
 * The run queue on SQLite. Every change is one IMMEDIATE transaction over runs and threads
 * (enqueue marks the thread busy and applies the multitask strategy; finish frees the thread
 * and caches its values), so processes sharing the file see each step whole or not at all.
 * The run transitions themselves live in run-transitions.ts, claims in run-claims.ts.
 */
import {
  applyStrategy,
  assistantChanged,
  type CancelAction,
  type ClaimRequest,
  type EnqueueResult,
  type Fence,
  type FinishAudit,
  type HandoffClaimer,
  LeaseLostError,
  type NewRun,
  newRunRecord,
  type QueueStatus,
  RETRYABLE_STATUSES,
  type Run,
  type RunOutcome,
  type RunQuery,
  type RunQueue,
  type RunRow,
  runActive,
  runExists,
  runFinished,
  runFromRow,
  runNotFound,
  runNotRetryable,
  runToRow,
  threadBusy,
  threadNotFound,
} from "@conclave/core";
import { SqliteAuditLog } from "../audit-log.ts";
import { RUN_COLUMNS, RUN_SQL } from "../sql/platform-run-statements.ts";
import { whereEqual, whereIn, whereSql, whereTenant, withPage } from "./filters.ts";
import type { PlatformDb } from "./platform-db.ts";
import { queueStatus } from "./queue-status.ts";
import { claimRuns } from "./run-claims.ts";
import { cancelIn, refreshHead, releaseIn, settleThread } from "./run-transitions.ts";
import { insertThread } from "./threads.ts";

/** better-sqlite3's code for a UNIQUE violation (here: a run id already taken). */
const SQLITE_CONSTRAINT_UNIQUE = "SQLITE_CONSTRAINT_UNIQUE";

/** The {@link RunQueue} of the SQLite platform store. */
export class SqliteRunQueue implements RunQueue {
  readonly #db: PlatformDb;

  constructor(db: PlatformDb) {
    this.#db = db;
  }

  async enqueue(input: NewRun, now: Date): Promise<EnqueueResult> {
    return this.#db.writeSoon(() => this.#enqueueIn(input, now));
  }

  async enqueueMany(inputs: readonly NewRun[], now: Date): Promise<EnqueueResult[]> {
    // One savepoint of the group commit: a failing run rolls back the whole batch.
    return this.#db.writeSoon(() => inputs.map((input) => this.#enqueueIn(input, now)));
  }

  #enqueueIn(input: NewRun, now: Date): EnqueueResult {
    const record = newRunRecord(input, now);
    this.#checkAssistant(input);
    const earlier = this.#earlier(record);
    if (earlier !== undefined) return { run: earlier, created: false, displaced: [] };
    const { tenant, threadId } = record;
    let headSeq = this.#headSeq(tenant, threadId);
    if (headSeq === undefined && input.ifNotExists !== "create") {
      throw threadNotFound(tenant, threadId);
    }
    const displaced = headSeq === undefined ? [] : this.#displace(record, now);
    if (headSeq === undefined) insertThread(this.#db, tenant, threadId, input.threadMetadata, now);
    // The strategy cancelled waiting runs: the line (and its head) changed.
    if (displaced.length > 0) headSeq = this.#headSeq(tenant, threadId);
    // The new run has the highest seq: it heads the line only when nothing else waits.
    const seq = this.#insert(record, headSeq == null);
    this.#db.stmt(RUN_SQL.enqueued).run({ tenant, threadId, seq, now: now.getTime() });
    this.#db.emit({ kind: "run.pending", tenant, runId: record.runId, graphId: record.graphId });
    return { run: record, created: true, displaced };
  }

  #checkAssistant(input: NewRun): void {
    const check = input.assistantCheck;
    if (check === undefined) return;
    const { holds } = this.#db.stmt(RUN_SQL.assistantCheck).get({
      tenant: input.tenant,
      assistantId: input.assistantId,
      version: input.assistantVersion,
      graphId: input.graphId,
      ...check,
    }) as { holds: number };
    if (holds !== 1) throw assistantChanged(input.tenant, check.name);
  }

  async get(tenant: string, runId: string): Promise<Run | undefined> {
    const row = this.#db.stmt(RUN_SQL.get).get(tenant, runId) as RunRow | undefined;
    return row === undefined ? undefined : runFromRow(row);
  }

  async list(query: RunQuery): Promise<Run[]> {
    const where = whereTenant(query.tenant);
    whereEqual(where, "thread_id", "threadId", query.threadId);
    whereEqual(where, "assistant_id", "assistantId", query.assistantId);
    whereIn(
      where,
      "status",
      "statuses",
      query.status === undefined ? undefined : [query.status].flat(),
    );
    const sql = `SELECT ${RUN_COLUMNS} FROM conclave_runs WHERE ${whereSql(where)}
      ORDER BY seq DESC LIMIT @limit OFFSET @offset`;
    const rows = this.#db.stmt(sql).all(withPage(where, query)) as RunRow[];
    return rows.map(runFromRow);
  }

  async claim(request: ClaimRequest): Promise<Run[]> {
    return claimRuns(this.#db, request);
  }

  /** Claims for `claimer` inside each group commit that enqueued runs (see `RunQueue`). */
  handoff(claimer: HandoffClaimer): () => void {
    return this.#db.onEnqueueCommit(() => {
      const request = claimer.request();
      if (request === undefined) return undefined;
      const runs = claimRuns(this.#db, request);
      return runs.length === 0 ? undefined : () => claimer.claimed(runs);
    });
  }

  async finish(fence: Fence, outcome: RunOutcome, now: Date): Promise<Run> {
    await outcome.held?.write();
    return this.#db.writeSoon(() => this.#finishIn(fence, outcome, now));
  }

  /**
   * Ends the run and appends its audit events in one savepoint of the group commit, when the
   * log is a {@link SqliteAuditLog} on this connection (see `RunQueue.finishAudited`).
   */
  async finishAudited(
    fence: Fence,
    outcome: RunOutcome,
    now: Date,
    audit: FinishAudit,
  ): Promise<Run | undefined> {
    const { log } = audit;
    if (!(log instanceof SqliteAuditLog) || log.db !== this.#db.db) return undefined;
    await outcome.held?.write();
    return this.#db.writeSoon(() => {
      const run = this.#finishIn(fence, outcome, now);
      log.appendWithin(audit.events(run));
      return run;
    });
  }

  #finishIn(fence: Fence, outcome: RunOutcome, now: Date): Run {
    const params = {
      runId: fence.runId,
      generation: fence.generation,
      status: outcome.status,
      error: outcome.error === undefined ? null : JSON.stringify(outcome.error),
      now: now.getTime(),
    };
    const row = this.#db.stmt(RUN_SQL.finish).get(params) as RunRow | undefined;
    if (row === undefined) throw new LeaseLostError(fence);
    const run = runFromRow(row);
    const cache = { values: outcome.values, interrupts: outcome.interrupts ?? {} };
    settleThread(this.#db, run, outcome.status, now, cache);
    this.#db.emit({
      kind: "run.finished",
      tenant: run.tenant,
      runId: run.runId,
      status: run.status,
    });
    return run;
  }

  async release(fence: Fence, error: Run["error"], retryAt: Date, now: Date): Promise<Run> {
    return this.#db.write(() => releaseIn(this.#db, fence, error, retryAt, now));
  }

  async cancel(
    tenant: string,
    runId: string,
    action: CancelAction,
    now: Date,
  ): Promise<Run | undefined> {
    return this.#db.write(() => {
      const run = this.#found(tenant, runId);
      if (run.status !== "pending" && run.status !== "running")
        throw runFinished(runId, run.status);
      cancelIn(this.#db, run, action, now);
      const row = this.#db.stmt(RUN_SQL.get).get(tenant, runId) as RunRow | undefined;
      return row === undefined ? undefined : runFromRow(row);
    });
  }

  async retry(tenant: string, runId: string, now: Date): Promise<Run> {
    return this.#db.write(() => {
      const { status, threadId } = this.#found(tenant, runId);
      if (!RETRYABLE_STATUSES.includes(status)) throw runNotRetryable(runId, status);
      const params = { tenant, runId, now: now.getTime() };
      const run = runFromRow(this.#db.stmt(RUN_SQL.retry).get(params) as RunRow);
      this.#db.stmt(RUN_SQL.markBusy).run({ tenant, threadId });
      refreshHead(this.#db, tenant, threadId);
      this.#db.emit({ kind: "run.pending", tenant, runId, graphId: run.graphId });
      return run;
    });
  }

  async delete(tenant: string, runId: string): Promise<boolean> {
    return this.#db.write(() => {
      const found = this.#db.stmt(RUN_SQL.status).get(tenant, runId) as
        | { status: string }
        | undefined;
      if (found === undefined) return false;
      if (found.status === "pending" || found.status === "running") {
        throw runActive(runId, found.status);
      }
      return this.#db.stmt(RUN_SQL.delete).run(runId).changes === 1;
    });
  }

  async status(now: Date, tenant?: string): Promise<QueueStatus> {
    return queueStatus(this.#db, now, tenant);
  }

  /** Applies the new run's multitask strategy to the thread's active runs. */
  #displace(record: Run, now: Date): Run[] {
    if (record.multitaskStrategy === "enqueue") return [];
    const params = { tenant: record.tenant, threadId: record.threadId };
    const active = (this.#db.stmt(RUN_SQL.active).all(params) as RunRow[]).map(runFromRow);
    const decision = applyStrategy(record.multitaskStrategy, active);
    if ("reject" in decision) throw threadBusy(record.threadId, decision.reject.runId);
    for (const { run, action } of decision.cancel) cancelIn(this.#db, run, action, now);
    // As the memory store: each displaced run as it was before the strategy touched it.
    return decision.cancel.map(({ run }) => run);
  }

  /** Inserts the run; returns its seq. */
  #insert(record: Run, head: boolean): number {
    try {
      const row = { ...runToRow(record), head: head ? 1 : 0 };
      return Number(this.#db.stmt(RUN_SQL.insert).run(row).lastInsertRowid);
    } catch (error) {
      if ((error as { code?: unknown }).code !== SQLITE_CONSTRAINT_UNIQUE) throw error;
      throw runExists(record.runId, error);
    }
  }

  /** The run submitted earlier with the same idempotency key, if any. */
  #earlier(record: Run): Run | undefined {
    if (record.idempotencyKey === null) return undefined;
    const sql = RUN_SQL.byIdempotencyKey;
    const row = this.#db.stmt(sql).get(record.tenant, record.idempotencyKey) as RunRow | undefined;
    return row === undefined ? undefined : runFromRow(row);
  }

  /** The thread's line head: undefined when the thread is missing, null when nothing waits. */
  #headSeq(tenant: string, threadId: string): number | null | undefined {
    const row = this.#db.stmt(RUN_SQL.headSeq).get(tenant, threadId) as
      | { headSeq: number | null }
      | undefined;
    return row?.headSeq;
  }

  #found(tenant: string, runId: string): Run {
    const row = this.#db.stmt(RUN_SQL.get).get(tenant, runId) as RunRow | undefined;
    if (row === undefined) throw runNotFound(tenant, runId);
    return runFromRow(row);
  }
}
