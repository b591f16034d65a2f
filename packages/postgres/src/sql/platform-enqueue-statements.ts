/**
 * The enqueue statements of the run queue: the one-statement enqueue of the common case, and
 * the steps of the transaction that applies a multitask strategy (see `platform/enqueue.ts`).
 * Every path locks (or creates) the thread row before it touches the thread's runs.
 */
import { column, insertList, placeholders, RUN_FIELDS, RUN_TYPES } from "./platform-columns.ts";
import { ACTIVE, at, events, type QueueParts } from "./platform-queue-parts.ts";

/** The column definitions of a run row read from JSON, e.g. `"run_id" text, ...`. */
const recordType = RUN_FIELDS.map((f) => `${column(f)} ${RUN_TYPES[f]}`).join(", ");

/** SQL text for the values an assistant check compares (see core's `AssistantCheck`). */
interface CheckTerms {
  tenant: string;
  assistantId: string;
  version: string;
  graphId: string;
  name: string;
  config: string;
  context: string;
}

/** Whether an `AssistantCheck` holds: a boolean over `conclave_assistants` of schema `s`. */
function assistantHolds(s: string, c: CheckTerms): string {
  const assistants = `${s}.conclave_assistants`;
  return `(EXISTS (SELECT 1 FROM ${assistants} a WHERE a.tenant = ${c.tenant}
        AND a.assistant_id = ${c.assistantId} AND a.version = ${c.version}
        AND a.graph_id = ${c.graphId} AND a.config = ${c.config}
        AND a.context IS NOT DISTINCT FROM ${c.context})
      AND (${c.name} = ${c.assistantId} OR NOT EXISTS (SELECT 1 FROM ${assistants} a
        WHERE a.tenant = ${c.tenant} AND a.assistant_id = ${c.name})))`;
}

/** The enqueue statements, from the schema's {@link QueueParts}. */
export function enqueueStatements(p: QueueParts) {
  const { runs, threads, notify, all } = p;
  /** Writes audit events $n (JSON text, in order) to the outbox, if `when`. */
  const outbox = (n: number, when = "true") => `outbox AS (
        INSERT INTO ${p.s}.conclave_audit_outbox (event)
        SELECT e.event FROM unnest($${n}::text[]) WITH ORDINALITY AS e (event, n)
        WHERE ${when} ORDER BY e.n
      )`;
  const direct = assistantHolds(p.s, {
    tenant: at("tenant"),
    assistantId: at("assistantId"),
    version: at("assistantVersion"),
    graphId: at("graphId"),
    name: "$29::text",
    config: "$30::text",
    context: "$31::text",
  });
  const batched = assistantHolds(p.s, {
    tenant: "x.tenant",
    assistantId: "x.assistant_id",
    version: "x.assistant_version",
    graphId: "x.graph_id",
    name: "x.check_name",
    config: "x.check_config",
    context: "x.check_context",
  });
  return {
    /** Whether an `AssistantCheck` holds: $1 tenant, $2 assistant, $3 version, $4 graph,
     * $5 the name the request gave, $6 config, $7 context. */
    assistantCheck: `SELECT ${assistantHolds(p.s, {
      tenant: "$1::text",
      assistantId: "$2::text",
      version: "$3::int",
      graphId: "$4::text",
      name: "$5::text",
      config: "$6::text",
      context: "$7::text",
    })} AS holds`,
    /**
     * The whole enqueue in one statement, for the "enqueue" strategy without an idempotency
     * key (that strategy never displaces a run, so the active runs need not be read): counts
     * the run on its thread (creating the thread when $26; $27 its metadata), inserts it
     * ($1...$25) and sends its wake-up. Nothing is inserted when the thread is missing, or
     * when $28 asks for an assistant check ($29 name, $30 config, $31 context) that fails.
     * The run's audit events $32 go to the outbox with it. `ON CONFLICT DO UPDATE` and UPDATE
     * both act on the thread row's newest version.
     */
    enqueueDirect: `WITH assistant AS MATERIALIZED (
        SELECT NOT $28::boolean OR ${direct} AS holds
      ), created AS (
        INSERT INTO ${threads} AS t (tenant, thread_id, status, metadata, "values", interrupts,
          active_runs, created_at, updated_at)
        SELECT ${at("tenant")}, ${at("threadId")}, 'busy', $27, NULL, '{}', 1,
          ${at("createdAt")}, ${at("createdAt")}
        WHERE $26::boolean AND (SELECT holds FROM assistant)
        ON CONFLICT (tenant, thread_id) DO UPDATE SET status = 'busy',
          active_runs = t.active_runs + 1, updated_at = excluded.updated_at
        RETURNING 1
      ), existing AS (
        UPDATE ${threads} t SET status = 'busy', active_runs = t.active_runs + 1,
          updated_at = ${at("createdAt")}
        WHERE NOT $26::boolean AND t.tenant = ${at("tenant")} AND t.thread_id = ${at("threadId")}
          AND (SELECT holds FROM assistant)
        RETURNING 1
      ), run AS (
        INSERT INTO ${runs} (${insertList(RUN_FIELDS)}) SELECT ${placeholders(RUN_FIELDS)}
        WHERE EXISTS (SELECT 1 FROM created) OR EXISTS (SELECT 1 FROM existing)
        RETURNING tenant, run_id, graph_id
      ), ${outbox(32, "EXISTS (SELECT 1 FROM run)")},
      wake AS (SELECT ${notify(events.pending("run"))} FROM run)
      SELECT (SELECT count(*) FROM run)::int AS inserted, (SELECT count(*) FROM wake)::int AS woken,
        (SELECT holds FROM assistant) AS holds`,
    /**
     * A batch of enqueues in one statement, when every run creates its thread if missing and
     * uses the "enqueue" strategy without an idempotency key: $1 is a JSON array of run rows
     * (see `runJson`), each with its batch position `ord` and `thread_metadata`. Each thread
     * is counted once per run in one upsert (a row cannot be updated twice by one statement);
     * runs are inserted in batch order, so their seqs keep it. Threads are upserted (and so
     * locked) in thread id order, as a group of run ends locks them (`finishGroup`). Rows with
     * `checked` carry an assistant check (`check_name`, `check_config`, `check_context`); if
     * one fails, nothing is stored and `stale` is its batch position. $2 are the runs' audit
     * events for the outbox, in batch order.
     */
    enqueueMany: `WITH input AS MATERIALIZED (
        SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(${recordType}, ord integer,
          thread_metadata text, checked boolean, check_name text, check_config text,
          check_context text)
      ), stale AS MATERIALIZED (
        SELECT x.ord FROM input x WHERE x.checked AND NOT ${batched} ORDER BY x.ord LIMIT 1
      ), line AS (
        SELECT tenant, thread_id, count(*)::int AS n, min(created_at) AS created_at,
          (array_agg(thread_metadata ORDER BY ord))[1] AS metadata
        FROM input WHERE NOT EXISTS (SELECT 1 FROM stale) GROUP BY tenant, thread_id
      ), thread AS (
        INSERT INTO ${threads} AS t (tenant, thread_id, status, metadata, "values", interrupts,
          active_runs, created_at, updated_at)
        SELECT tenant, thread_id, 'busy', metadata, NULL, '{}', n, created_at, created_at
        FROM line ORDER BY thread_id
        ON CONFLICT (tenant, thread_id) DO UPDATE SET status = 'busy',
          active_runs = t.active_runs + excluded.active_runs, updated_at = excluded.updated_at
        RETURNING 1
      ), run AS (
        INSERT INTO ${runs} (${insertList(RUN_FIELDS)})
        SELECT ${insertList(RUN_FIELDS)} FROM input WHERE NOT EXISTS (SELECT 1 FROM stale)
        ORDER BY ord
        RETURNING tenant, run_id, graph_id
      ), ${outbox(2, "NOT EXISTS (SELECT 1 FROM stale)")},
      wake AS (SELECT ${notify(events.pending("run"))} FROM run)
      SELECT (SELECT count(*) FROM run)::int AS inserted, (SELECT count(*) FROM thread)::int
        AS threads, (SELECT count(*) FROM wake)::int AS woken, (SELECT ord FROM stale) AS stale`,
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
     * new run ($1...$25) with its audit events $32 and marks the thread busy; then sends the
     * wake-ups $31, in order.
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
      ), ${outbox(32)}, wake AS (
        SELECT ${notify("e.payload")} FROM unnest($31::text[]) WITH ORDINALITY AS e (payload, n)
        ORDER BY e.n
      )
      SELECT (SELECT count(*) FROM thread)::int AS threads, (SELECT count(*) FROM wake)::int AS woken`,
  };
}
