/**
 * The run queue in PostgreSQL. A run moves pending -> running (claim) -> an end state (finish,
 * release at max attempts, sweep), or back to pending (release, sweep, retry); a cancel ends a
 * pending run at once and flags a running one for its worker.
 *
 * Claims, finishes and releases are one statement each (one round trip). A claim bumps the
 * run's generation; finish and release match it, so a worker whose claim was superseded gets
 * LEASE_LOST and changes nothing.
 *
 * Concurrency caps (`maxPerAssistant`, `maxPerTenant`) count running runs, which is only sound
 * if no other capped claim commits between the count and the claim. Options were per-assistant
 * and per-tenant advisory locks (which keys a claim needs is only known once it has scanned
 * the queue, so it would lock twice), or one transaction-scoped advisory lock per schema for
 * capped claims. We take the latter: a claim is one short statement, so capped claimers queue
 * for well under a millisecond each; uncapped claims never take the lock.
 */
import {
  type AuditLog,
  type CancelAction,
  type ClaimRequest,
  type EnqueueAudit,
  type EnqueueResult,
  type Fence,
  type FinishAudit,
  type HeldWrites,
  InvalidArgumentError,
  LeaseLostError,
  type NewRun,
  pageOf,
  type QueueStatus,
  RETRYABLE_STATUSES,
  type Run,
  type RunError,
  type RunOutcome,
  type RunQuery,
  type RunQueue,
  type RunRow,
  runActive,
  runFinished,
  runFromRow,
  runNotFound,
  runNotRetryable,
  threadStatusAfter,
} from "@conclave/core";
import type pg from "pg";
import { PostgresAuditLog } from "../audit-log.ts";
import { quoteSchema } from "../migrate.ts";
import { PostgresHeldWrites } from "../postgres-saver.ts";
import { enqueueMany } from "./enqueue.ts";
import { FinishGroup, type GroupRow } from "./finish-group.ts";
import type { PlatformDb } from "./platform-db.ts";
import { type StatusRow, tallyStatus } from "./queue-status.ts";

/** First key of the capped-claim advisory lock; the second is hashtext(schema). "cncq". */
const CLAIM_LOCK_CLASS = 0x636e6371;
/** With caps, how many candidates a claim locks per run it may start (caps drop some). */
const CAPPED_WINDOW = 4;
const OUTCOMES: readonly RunOutcome["status"][] = [
  "success",
  "error",
  "timeout",
  "interrupted",
  "cancelled",
];

function workerNotRegistered(workerId: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `Worker ${JSON.stringify(workerId)} is not registered; call workers.register() before claiming.`,
    "WORKER_NOT_REGISTERED",
  );
}

function checkChoice<T extends string>(value: T, allowed: readonly T[], what: string): void {
  if (!allowed.includes(value)) {
    throw new InvalidArgumentError(
      `${what} must be one of ${allowed.join(", ")}; got ${JSON.stringify(value)}.`,
    );
  }
}

const json = (value: unknown) =>
  value === undefined || value === null ? null : JSON.stringify(value);

/** The {@link RunQueue} of {@link PostgresPlatformStore}. */
export class PostgresRunQueue implements RunQueue {
  readonly #db: PlatformDb;
  readonly #group: FinishGroup;

  constructor(db: PlatformDb) {
    this.#db = db;
    this.#group = new FinishGroup((values) => db.queueRows<GroupRow>("finishGroup", values));
  }

  async enqueue(run: NewRun, now: Date): Promise<EnqueueResult> {
    const [result] = await enqueueMany(this.#db, [run], now);
    return result!;
  }

  async enqueueMany(runs: readonly NewRun[], now: Date): Promise<EnqueueResult[]> {
    return enqueueMany(this.#db, runs, now);
  }

  /**
   * `enqueueMany`, with the created runs' events entering the audit outbox in the same
   * statement, when the log is a {@link PostgresAuditLog} on this pool and schema; the log
   * chains them next (`flushPending`).
   */
  async enqueueAudited(
    runs: readonly NewRun[],
    now: Date,
    audit: EnqueueAudit,
  ): Promise<EnqueueResult[] | undefined> {
    if (!this.#joins(audit.log)) return undefined;
    const log = audit.log;
    let outbox: string[][];
    try {
      outbox = runs.map((_, i) => log.prepareForOutbox(audit.events[i] ?? []));
    } catch {
      // An event the log refuses must not refuse the runs: the caller appends the events
      // after the enqueue instead, where a refused append is logged, as before.
      return undefined;
    }
    return enqueueMany(this.#db, runs, now, outbox);
  }

  /** Whether `log` writes where this store's statements can: the outbox of this pool and schema. */
  #joins(log: AuditLog): log is PostgresAuditLog {
    return (
      log instanceof PostgresAuditLog &&
      log.pool === this.#db.pool &&
      log.schema === this.#db.schema
    );
  }

  async get(tenant: string, runId: string): Promise<Run | undefined> {
    const [row] = await this.#db.rows<RunRow>("runGet", [tenant, runId]);
    return row === undefined ? undefined : runFromRow(row);
  }

  async list(query: RunQuery): Promise<Run[]> {
    const { limit, offset } = pageOf(query);
    const statuses = query.status === undefined ? null : [query.status].flat();
    const rows = await this.#db.rows<RunRow>("runList", [
      query.tenant,
      query.threadId ?? null,
      query.assistantId ?? null,
      statuses,
      limit,
      offset,
    ]);
    return rows.map(runFromRow);
  }

  /**
   * One statement on the queue pool (see `PlatformDb.queueRows`); a capped claim is a
   * transaction on that pool that first takes the schema's claim lock (see the module comment).
   */
  async claim(request: ClaimRequest): Promise<Run[]> {
    const { workerId } = request;
    const limit = Math.max(0, Math.floor(request.limit));
    if (!Number.isSafeInteger(limit))
      throw new InvalidArgumentError(`claim limit must be an integer; got ${request.limit}.`);
    const capped = request.maxPerAssistant !== undefined || request.maxPerTenant !== undefined;
    const values = [workerId, request.now.getTime(), request.graphIds ?? null];
    const rows: (RunRow & { threadFresh?: boolean })[] = capped
      ? await this.#db.queueTransaction(async (client) => {
          await this.#db.query("claimLock", [CLAIM_LOCK_CLASS, this.#db.schema], client);
          const caps = [request.maxPerAssistant ?? null, request.maxPerTenant ?? null];
          const all = [...values, limit * CAPPED_WINDOW, ...caps, limit];
          return this.#db.rows<RunRow>("claimCapped", all, client);
        })
      : await this.#db.queueRows<RunRow>("claim", [...values, limit]);
    if (rows.length === 0 && (await this.#db.query("workerExists", [workerId])).rowCount === 0)
      throw workerNotRegistered(workerId);
    for (const row of rows)
      if (row.threadFresh === true) this.#db.fresh.note(row.runId, row.threadId);
    return rows.map(runFromRow);
  }

  async finish(fence: Fence, outcome: RunOutcome, now: Date): Promise<Run> {
    return this.#end(fence, outcome, now, []);
  }

  /**
   * `finish`, with the run's end events entering the audit outbox in the same statement, when
   * the log is a {@link PostgresAuditLog} on this pool and schema (whose migrations made the
   * outbox); the log chains them next.
   */
  async finishAudited(
    fence: Fence,
    outcome: RunOutcome,
    now: Date,
    audit: FinishAudit,
  ): Promise<Run | undefined> {
    const { log } = audit;
    if (!this.#joins(log)) return undefined;
    const end = { status: outcome.status, error: outcome.error ?? null };
    return this.#end(fence, outcome, now, log.prepareForOutbox(audit.events(end)));
  }

  /**
   * Ends a run with the next group statement (see `finish-group.ts`), with its audit `events`.
   * A held batch of this store's fenced saver is written by the same statement; any other is
   * written first.
   */
  async #end(fence: Fence, outcome: RunOutcome, now: Date, events: string[]): Promise<Run> {
    checkChoice(outcome.status, OUTCOMES, "outcome.status");
    const end = finishValues(fence, outcome, now);
    const { held } = outcome;
    let row: GroupRow;
    if (held === undefined || !this.#ours(held)) {
      await held?.write();
      row = await this.#group.end({ end, events, batch: undefined });
    } else {
      row = await held.writeWith((batch) => this.#group.end({ end, events, batch }));
    }
    if (row.runId === null) throw new LeaseLostError(fence);
    return runFromRow(row);
  }

  #ours(held: HeldWrites): held is PostgresHeldWrites {
    return (
      held instanceof PostgresHeldWrites &&
      held.rows.pool === this.#db.pool &&
      held.rows.quotedSchema === quoteSchema(this.#db.schema)
    );
  }

  async release(fence: Fence, error: RunError | null, retryAt: Date, now: Date): Promise<Run> {
    const [row] = await this.#db.rows<RunRow>("release", [
      fence.runId,
      fence.generation,
      json(error),
      retryAt.getTime(),
      now.getTime(),
      threadStatusAfter("dead", false),
      threadStatusAfter("dead", true),
    ]);
    if (row === undefined) throw new LeaseLostError(fence);
    return runFromRow(row);
  }

  /** One transaction: locks the run's thread, reads the run, then cancels or flags it. */
  async cancel(
    tenant: string,
    runId: string,
    action: CancelAction,
    now: Date,
  ): Promise<Run | undefined> {
    checkChoice(action, ["interrupt", "rollback"], "action");
    return this.#db.transaction(async (client) => {
      const row = await this.#lockedRun(client, tenant, runId);
      if (row.status === "running") {
        const [flagged] = await this.#db.rows<RunRow>(
          "cancelRunning",
          [tenant, runId, action, now.getTime()],
          client,
        );
        return runFromRow(flagged!);
      }
      if (row.status !== "pending") throw runFinished(runId, row.status);
      return this.#cancelPending(client, tenant, runId, action, now);
    });
  }

  /**
   * Locks the run's thread, then reads the run under that lock. A run enqueued after the lock
   * statement's snapshot locked nothing but may be read: then it locks again, and finds it.
   */
  async #lockedRun(client: pg.PoolClient, tenant: string, runId: string): Promise<RunRow> {
    for (;;) {
      const { rowCount } = await this.#db.query("runLockThread", [tenant, runId], client);
      const [row] = await this.#db.rows<RunRow>("runGet", [tenant, runId], client);
      if (row === undefined) throw runNotFound(tenant, runId);
      if (rowCount === 1) return row;
    }
  }

  async #cancelPending(
    client: pg.PoolClient,
    tenant: string,
    runId: string,
    action: CancelAction,
    now: Date,
  ): Promise<Run | undefined> {
    const [row] = await this.#db.rows<RunRow>(
      action === "rollback" ? "deletePending" : "cancelPending",
      [
        tenant,
        runId,
        now.getTime(),
        threadStatusAfter("cancelled", false),
        threadStatusAfter("cancelled", true),
      ],
      client,
    );
    return action === "rollback" || row === undefined ? undefined : runFromRow(row);
  }

  async retry(tenant: string, runId: string, now: Date): Promise<Run> {
    const [row] = await this.#db.rows<RunRow>("retry", [
      tenant,
      runId,
      now.getTime(),
      RETRYABLE_STATUSES,
    ]);
    if (row !== undefined) return runFromRow(row);
    const run = await this.get(tenant, runId);
    if (run === undefined) throw runNotFound(tenant, runId);
    throw runNotRetryable(runId, run.status);
  }

  async delete(tenant: string, runId: string): Promise<boolean> {
    const { rowCount } = await this.#db.query("runDelete", [tenant, runId]);
    if (rowCount === 1) return true;
    const run = await this.get(tenant, runId);
    if (run !== undefined && (run.status === "pending" || run.status === "running"))
      throw runActive(runId, run.status);
    return false;
  }

  async status(now: Date, tenant?: string): Promise<QueueStatus> {
    const rows = await this.#db.rows<StatusRow>("queueStatus", [now.getTime(), tenant ?? null]);
    return tallyStatus(rows, now);
  }
}

/** One run's end values of the group statement (its $1 to $10). */
function finishValues(fence: Fence, outcome: RunOutcome, now: Date): unknown[] {
  return [
    fence.runId,
    fence.generation,
    outcome.status,
    json(outcome.error),
    now.getTime(),
    threadStatusAfter(outcome.status, false),
    threadStatusAfter(outcome.status, true),
    outcome.values !== undefined,
    outcome.values === undefined ? null : JSON.stringify(outcome.values),
    JSON.stringify(outcome.interrupts ?? {}),
  ];
}
