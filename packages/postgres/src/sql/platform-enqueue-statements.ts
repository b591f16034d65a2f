/**
 * The enqueue statements of the run queue: the one-statement enqueue of the common case, and
 * the steps of the transaction that applies a multitask strategy (see `platform/enqueue.ts`).
 * Every path locks (or creates) the thread row before it touches the thread's runs.
 */
import { column, insertList, placeholders, RUN_FIELDS, RUN_TYPES } from "./platform-columns.ts";
import { ACTIVE, at, events, type QueueParts } from "./platform-queue-parts.ts";

/** The column definitions of a run row read from JSON, e.g. `"run_id" text, ...`. */
const recordType = RUN_FIELDS.map((f) => `${column(f)} ${RUN_TYPES[f]}`).join(", ");

/** The enqueue statements, from the schema's {@link QueueParts}. */
export function enqueueStatements(p: QueueParts) {
  const { runs, threads, notify, all } = p;
  return {
    /**
     * The whole enqueue in one statement, for the "enqueue" strategy without an idempotency
     * key (that strategy never displaces a run, so the active runs need not be read): counts
     * the run on its thread (creating the thread when $26; $27 its metadata), inserts it
     * ($1...$25) and sends its wake-up. Nothing is inserted when the thread is missing.
     * `ON CONFLICT DO UPDATE` and UPDATE both act on the thread row's newest version.
     */
    enqueueDirect: `WITH created AS (
        INSERT INTO ${threads} AS t (tenant, thread_id, status, metadata, "values", interrupts,
          active_runs, created_at, updated_at)
        SELECT ${at("tenant")}, ${at("threadId")}, 'busy', $27, NULL, '{}', 1,
          ${at("createdAt")}, ${at("createdAt")}
        WHERE $26::boolean
        ON CONFLICT (tenant, thread_id) DO UPDATE SET status = 'busy',
          active_runs = t.active_runs + 1, updated_at = excluded.updated_at
        RETURNING 1
      ), existing AS (
        UPDATE ${threads} t SET status = 'busy', active_runs = t.active_runs + 1,
          updated_at = ${at("createdAt")}
        WHERE NOT $26::boolean AND t.tenant = ${at("tenant")} AND t.thread_id = ${at("threadId")}
        RETURNING 1
      ), run AS (
        INSERT INTO ${runs} (${insertList(RUN_FIELDS)}) SELECT ${placeholders(RUN_FIELDS)}
        WHERE EXISTS (SELECT 1 FROM created) OR EXISTS (SELECT 1 FROM existing)
        RETURNING tenant, run_id, graph_id
      ), wake AS (SELECT ${notify(events.pending("run"))} FROM run)
      SELECT (SELECT count(*) FROM run)::int AS inserted, (SELECT count(*) FROM wake)::int AS woken`,
    /**
     * A batch of enqueues in one statement, when every run creates its thread if missing and
     * uses the "enqueue" strategy without an idempotency key: $1 is a JSON array of run rows
     * (see `runJson`), each with its batch position `ord` and `thread_metadata`. Each thread
     * is counted once per run in one upsert (a row cannot be updated twice by one statement);
     * runs are inserted in batch order, so their seqs keep it.
     */
    enqueueMany: `WITH input AS MATERIALIZED (
        SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(${recordType}, ord integer,
          thread_metadata text)
      ), line AS (
        SELECT tenant, thread_id, count(*)::int AS n, min(created_at) AS created_at,
          (array_agg(thread_metadata ORDER BY ord))[1] AS metadata
        FROM input GROUP BY tenant, thread_id
      ), thread AS (
        INSERT INTO ${threads} AS t (tenant, thread_id, status, metadata, "values", interrupts,
          active_runs, created_at, updated_at)
        SELECT tenant, thread_id, 'busy', metadata, NULL, '{}', n, created_at, created_at
        FROM line
        ON CONFLICT (tenant, thread_id) DO UPDATE SET status = 'busy',
          active_runs = t.active_runs + excluded.active_runs, updated_at = excluded.updated_at
        RETURNING 1
      ), run AS (
        INSERT INTO ${runs} (${insertList(RUN_FIELDS)})
        SELECT ${insertList(RUN_FIELDS)} FROM input ORDER BY ord
        RETURNING tenant, run_id, graph_id
      ), wake AS (SELECT ${notify(events.pending("run"))} FROM run)
      SELECT (SELECT count(*) FROM run)::int AS inserted, (SELECT count(*) FROM thread)::int
        AS threads, (SELECT count(*) FROM wake)::int AS woken`,
    /** Creates the thread ($3 metadata, $4 now) or locks the existing one. */
    enqueueThread: `INSERT INTO ${threads} AS t
        (tenant, thread_id, status, metadata, "values", interrupts, created_at, updated_at)
      VALUES ($1, $2, 'idle', $3, NULL, '{}', $4, $4)
      ON CONFLICT (tenant, thread_id) DO UPDATE SET active_runs = t.active_runs`,
    /** The run holding idempotency key $2 of tenant $1. */
    runByKey: `SELECT ${all("r")} FROM ${runs} r WHERE r.tenant = $1 AND r.idempotency_key = $2`,
    /** The thread's active runs, oldest first; read under the thread's lock. */
    enqueueActive: `SELECT ${all("r")} FROM ${runs} r
      WHERE r.tenant = $1 AND r.thread_id = $2 AND r.status IN ${ACTIVE} ORDER BY r.seq`,
    /**
     * Displaces runs (cancels $26, deletes $27, flags $28 with actions $29, at $30), inserts the
     * new run ($1...$25) and marks the thread busy; then sends the wake-ups $31, in order.
     */
    enqueueInsert: `WITH cancelled AS (
        UPDATE ${runs} SET status = 'cancelled', ended_at = $30, updated_at = $30
        WHERE run_id = ANY ($26::text[]) AND status = 'pending' RETURNING 1
      ), deleted AS (
        DELETE FROM ${runs} WHERE run_id = ANY ($27::text[]) AND status = 'pending' RETURNING 1
      ), flagged AS (
        UPDATE ${runs} r SET cancel_action = f.action, updated_at = $30
        FROM unnest($28::text[], $29::text[]) AS f (run_id, action)
        WHERE r.run_id = f.run_id AND r.status = 'running'
      ), ins AS (
        INSERT INTO ${runs} (${insertList(RUN_FIELDS)}) VALUES (${placeholders(RUN_FIELDS)})
      ), thread AS (
        UPDATE ${threads} SET status = 'busy', updated_at = ${at("createdAt")},
          active_runs = active_runs + 1 - (SELECT count(*) FROM cancelled)
            - (SELECT count(*) FROM deleted)
        WHERE tenant = ${at("tenant")} AND thread_id = ${at("threadId")} RETURNING 1
      ), wake AS (
        SELECT ${notify("e.payload")} FROM unnest($31::text[]) WITH ORDINALITY AS e (payload, n)
        ORDER BY e.n
      )
      SELECT (SELECT count(*) FROM thread)::int AS threads, (SELECT count(*) FROM wake)::int AS woken`,
  };
}
