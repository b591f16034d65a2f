/**
 * Enqueue in PostgreSQL. The common case (the "enqueue" strategy, which never displaces a run,
 * and no idempotency key) is one statement. Otherwise it is one transaction that
 * 1. returns the earlier run for a repeated idempotency key;
 * 2. creates or locks the thread row (the lock every change of the thread's runs takes first);
 * 3. reads the thread's active runs under that lock and applies core's multitask strategy;
 * 4. in one statement, displaces runs, inserts the new run, marks the thread busy and sends
 *    the wake-ups (delivered at commit).
 *
 * Two concurrent enqueues with one idempotency key collide on its unique index; the loser runs
 * again and returns the winner's run.
 */
import {
  alreadyExists,
  applyStrategy,
  assistantChanged,
  type CancelAction,
  type EnqueueResult,
  type NewRun,
  newRunRecord,
  type Run,
  type RunRow,
  runExists,
  runFromRow,
  runToRow,
  threadBusy,
  threadNotFound,
  type WakeEvent,
} from "@conclave/core";
import type pg from "pg";
import { RUN_FIELDS, runJson, valuesOf } from "../sql/platform-columns.ts";
import { isPgError, PG_ERROR, type PlatformDb } from "./platform-db.ts";

const IDEMPOTENCY_INDEX = "conclave_runs_idempotency";
const RUN_KEY = "conclave_runs_pkey";
/** Thread ids are unique across tenants (migration 8). */
export const THREAD_ID_INDEX = "conclave_threads_id_unique";

const isDirect = (record: Run) =>
  record.multitaskStrategy === "enqueue" && record.idempotencyKey === null;

/**
 * Audit events (prepared JSON, see `PostgresAuditLog.prepareForOutbox`) to write to the audit
 * outbox with each created run, by batch position.
 */
export type OutboxEvents = readonly (readonly string[])[];

/**
 * Enqueues a batch in one transaction, each run with its `outbox` events. A lone run that
 * uses the "enqueue" strategy without a key, or a batch of such runs that each create their
 * thread (stateless batches, fan-outs), is one statement.
 */
export async function enqueueMany(
  db: PlatformDb,
  inputs: readonly NewRun[],
  now: Date,
  outbox: OutboxEvents = [],
): Promise<EnqueueResult[]> {
  if (inputs.length === 0) return [];
  const records = inputs.map((input) => newRunRecord(input, now));
  const eventsOf = (i: number) => outbox[i] ?? [];
  const fresh = inputs.every((input, i) => input.ifNotExists === "create" && isDirect(records[i]!));
  const lone = inputs.length === 1 && isDirect(records[0]!);
  const oneByOne = async (client: pg.PoolClient) => {
    const results: EnqueueResult[] = [];
    for (const [i, input] of inputs.entries()) {
      const record = records[i]!;
      results.push(
        isDirect(record)
          ? await enqueueDirect(db, input, record, eventsOf(i), client)
          : await enqueueIn(db, client, input, record, eventsOf(i)),
      );
    }
    return results;
  };
  return retryingKeyRace(
    async () =>
      lone
        ? [await enqueueDirect(db, inputs[0]!, records[0]!, eventsOf(0))]
        : fresh
          ? enqueueFresh(db, inputs, records, outbox)
          : db.transaction(oneByOne),
    records.length === 1 ? records[0] : undefined,
  );
}

/**
 * Runs an enqueue, once more when it lost an idempotency-key race (the second finds the
 * winner's run), turning unique violations into the errors users act on.
 */
async function retryingKeyRace<T>(attempt: () => Promise<T>, record: Run | undefined): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (isPgError(error, PG_ERROR.uniqueViolation, IDEMPOTENCY_INDEX) && n === 1) continue;
      if (isPgError(error, PG_ERROR.uniqueViolation, RUN_KEY))
        throw runExists(record?.runId ?? keyOf(error), error);
      if (isPgError(error, PG_ERROR.uniqueViolation, THREAD_ID_INDEX))
        throw alreadyExists("Thread", record?.threadId ?? keyOf(error));
      throw error;
    }
  }
}

/** The key value a unique violation names in its detail: `Key (run_id)=(r1) already exists.` */
function keyOf(error: unknown): string {
  const detail = String((error as { detail?: unknown }).detail ?? "");
  return /\)=\((.*)\) already exists/.exec(detail)?.[1] ?? "(one of the batch)";
}

/** The one-statement enqueue (see `enqueueDirect` in the queue statements). */
async function enqueueDirect(
  db: PlatformDb,
  input: NewRun,
  record: Run,
  events: readonly string[],
  client?: pg.PoolClient,
): Promise<EnqueueResult> {
  const row = runToRow(record);
  const check = input.assistantCheck;
  const values = [
    ...valuesOf(row, RUN_FIELDS),
    input.ifNotExists === "create",
    JSON.stringify(input.threadMetadata ?? {}),
    check !== undefined,
    check?.name ?? null,
    check?.config ?? null,
    check?.context ?? null,
    events,
  ];
  const [result] = await db.rows<{ inserted: number; holds: boolean }>(
    "enqueueDirect",
    values,
    client,
  );
  if (result?.holds === false) throw assistantChanged(record.tenant, check!.name);
  if (result?.inserted !== 1) throw threadNotFound(record.tenant, record.threadId);
  return { run: runFromRow(row), created: true, displaced: [] };
}

/** The one-statement batch (see `enqueueMany` in the queue statements). */
async function enqueueFresh(
  db: PlatformDb,
  inputs: readonly NewRun[],
  records: Run[],
  outbox: OutboxEvents,
): Promise<EnqueueResult[]> {
  const rows = records.map(runToRow);
  const json = rows.map((row, i) => {
    const check = inputs[i]!.assistantCheck;
    return {
      ...runJson(row),
      ord: i,
      thread_metadata: JSON.stringify(inputs[i]!.threadMetadata ?? {}),
      checked: check !== undefined,
      check_name: check?.name ?? null,
      check_config: check?.config ?? null,
      check_context: check?.context ?? null,
    };
  });
  const [result] = await db.rows<{ stale: number | null }>("enqueueMany", [
    JSON.stringify(json),
    outbox.flat(),
  ]);
  const stale = result?.stale;
  if (stale != null)
    throw assistantChanged(inputs[stale]!.tenant, inputs[stale]!.assistantCheck!.name);
  return rows.map((row) => ({ run: runFromRow(row), created: true, displaced: [] }));
}

async function enqueueIn(
  db: PlatformDb,
  client: pg.PoolClient,
  input: NewRun,
  record: Run,
  events: readonly string[],
): Promise<EnqueueResult> {
  const { tenant, threadId } = record;
  await checkAssistant(db, client, input);
  if (record.idempotencyKey !== null) {
    const [earlier] = await db.rows<RunRow>("runByKey", [tenant, record.idempotencyKey], client);
    if (earlier !== undefined) return { run: runFromRow(earlier), created: false, displaced: [] };
  }
  if (!(await lockThread(db, client, input, record))) throw threadNotFound(tenant, threadId);
  const active = (await db.rows<RunRow>("enqueueActive", [tenant, threadId], client)).map(
    runFromRow,
  );
  const decision = applyStrategy(record.multitaskStrategy, active);
  if ("reject" in decision) throw threadBusy(threadId, decision.reject.runId);
  const row = runToRow(record);
  await db.query(
    "enqueueInsert",
    [...valuesOf(row, RUN_FIELDS), ...displacement(decision.cancel, record), events],
    client,
  );
  return {
    run: runFromRow(row),
    created: true,
    displaced: decision.cancel.map((c) => c.run),
  };
}

/** Fails with ASSISTANT_CHANGED when `input` carries an assistant check that fails. */
async function checkAssistant(db: PlatformDb, client: pg.PoolClient, input: NewRun) {
  const check = input.assistantCheck;
  if (check === undefined) return;
  const values = [
    input.tenant,
    input.assistantId,
    input.assistantVersion,
    input.graphId,
    check.name,
    check.config,
    check.context,
  ];
  const [result] = await db.rows<{ holds: boolean }>("assistantCheck", values, client);
  if (result?.holds !== true) throw assistantChanged(input.tenant, check.name);
}

/** Creates the thread (when asked to) or locks it; false when it does not exist. */
async function lockThread(
  db: PlatformDb,
  client: pg.PoolClient,
  input: NewRun,
  record: Run,
): Promise<boolean> {
  if (input.ifNotExists === "create") {
    const metadata = JSON.stringify(input.threadMetadata ?? {});
    const created = Date.parse(record.createdAt);
    await db.query("enqueueThread", [record.tenant, record.threadId, metadata, created], client);
    return true;
  }
  const { rowCount } = await db.query("threadLock", [record.tenant, record.threadId], client);
  return rowCount === 1;
}

/**
 * The parameters $26...$31 of `enqueueInsert` (its audit events are $32): pending runs to
 * cancel or delete (rollback), running runs to flag, the time, and the wake-ups in order
 * (displaced runs, then the new one).
 */
function displacement(cancel: { run: Run; action: CancelAction }[], record: Run): unknown[] {
  const cancelled: string[] = [];
  const deleted: string[] = [];
  const flagged: string[] = [];
  const actions: CancelAction[] = [];
  const events: WakeEvent[] = [];
  for (const { run, action } of cancel) {
    const { tenant, runId } = run;
    if (run.status === "running") {
      flagged.push(runId);
      actions.push(action);
      events.push({ kind: "run.cancel", tenant, runId, action });
      continue;
    }
    (action === "rollback" ? deleted : cancelled).push(runId);
    events.push({ kind: "run.finished", tenant, runId, status: "cancelled" });
  }
  const { tenant, runId, graphId } = record;
  events.push({ kind: "run.pending", tenant, runId, graphId });
  const now = Date.parse(record.createdAt);
  return [cancelled, deleted, flagged, actions, now, events.map((e) => JSON.stringify(e))];
}
