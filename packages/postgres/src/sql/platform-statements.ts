/**
 * The SQL of the platform's resources (assistants, threads, crons, workers), for one quoted
 * schema. The run queue's statements are in `platform-queue-statements.ts`.
 *
 * Metadata filters compare each filter key as JSON text (`json`, not `jsonb`), which is what
 * the memory store's `JSON.stringify` comparison does, and `json` accepts any text the codec
 * wrote (jsonb refuses "\u0000").
 */
import {
  ASSISTANT_FIELDS,
  CRON_FIELDS,
  columnsOf,
  insertList,
  placeholders,
  selectList,
  THREAD_FIELDS,
} from "./platform-columns.ts";

/** A condition that every key of the JSON object `param` equals the same key of `column`. */
export function metadataFilter(column: string, param: string): string {
  return `(${param}::json IS NULL OR NOT EXISTS (SELECT 1 FROM json_each(${param}::json) f
    WHERE (${column}::json -> f.key)::text IS DISTINCT FROM f.value::text))`;
}

const WORKER_COLUMNS = `worker_id AS "workerId", graph_ids AS "graphIds", concurrency, hostname,
  pid, started_at AS "startedAt", heartbeat_at AS "heartbeatAt",
  lease_expires_at AS "leaseExpiresAt"`;

function assistantStatements(s: string) {
  const a = `${s}.conclave_assistants`;
  const v = `${s}.conclave_assistant_versions`;
  const all = selectList(ASSISTANT_FIELDS, "a");
  const where = `a.tenant = $1 AND ($2::text IS NULL OR a.graph_id = $2)
    AND ($3::text IS NULL OR a.name = $3) AND ${metadataFilter("a.metadata", "$4")}`;
  return {
    /** Inserts the assistant and its first version, unless the id is taken. */
    assistantInsert: `WITH a AS (
        INSERT INTO ${a} (${insertList(ASSISTANT_FIELDS)}) VALUES (${placeholders(ASSISTANT_FIELDS)})
        ON CONFLICT (tenant, assistant_id) DO NOTHING RETURNING *
      ), v AS (INSERT INTO ${v} (${insertList(ASSISTANT_FIELDS)}) SELECT ${insertList(ASSISTANT_FIELDS)} FROM a)
      SELECT count(*)::int AS created FROM a`,
    assistantGet: `SELECT ${all} FROM ${a} a WHERE a.tenant = $1 AND a.assistant_id = $2`,
    /** The current version, locked, with the newest version number. */
    assistantLock: `SELECT ${all}, (SELECT max(version) FROM ${v} v
        WHERE v.tenant = a.tenant AND v.assistant_id = a.assistant_id) AS latest
      FROM ${a} a WHERE a.tenant = $1 AND a.assistant_id = $2 FOR UPDATE`,
    /** Stores a new version and makes it current. */
    assistantPut: `WITH v AS (
        INSERT INTO ${v} (${insertList(ASSISTANT_FIELDS)}) VALUES (${placeholders(ASSISTANT_FIELDS)})
      )
      UPDATE ${a} SET (${insertList(ASSISTANT_FIELDS)}) = (${placeholders(ASSISTANT_FIELDS)})
      WHERE tenant = $1 AND assistant_id = $2`,
    assistantDelete: `WITH v AS (DELETE FROM ${v} WHERE tenant = $1 AND assistant_id = $2)
      DELETE FROM ${a} WHERE tenant = $1 AND assistant_id = $2`,
    /** $1 tenant, $2 graph, $3 name, $4 metadata filter, $5 limit, $6 offset. */
    assistantSearch: `SELECT ${all} FROM ${a} a WHERE ${where}
      ORDER BY a.created_at DESC, a.assistant_id LIMIT $5 OFFSET $6`,
    assistantCount: `SELECT count(*)::int AS n FROM ${a} a WHERE ${where}`,
    assistantVersions: `SELECT ${all} FROM ${v} a WHERE a.tenant = $1 AND a.assistant_id = $2
      ORDER BY a.version DESC`,
    /** Touches version $3 and copies it over the current record. */
    assistantSetLatest: `WITH a AS (
        UPDATE ${v} SET updated_at = $4 WHERE tenant = $1 AND assistant_id = $2 AND version = $3
        RETURNING *
      ), cur AS (
        UPDATE ${s}.conclave_assistants c SET (${insertList(ASSISTANT_FIELDS)}) =
          (${columnsOf(ASSISTANT_FIELDS, "a")})
        FROM a WHERE c.tenant = a.tenant AND c.assistant_id = a.assistant_id
      )
      SELECT ${all} FROM a`,
  };
}

function threadStatements(s: string) {
  const t = `${s}.conclave_threads`;
  const all = selectList(THREAD_FIELDS, "t");
  const where = `t.tenant = $1 AND ($2::text IS NULL OR t.status = $2)
    AND ${metadataFilter("t.metadata", "$3")}`;
  return {
    threadInsert: `INSERT INTO ${t} AS t (${insertList(THREAD_FIELDS)})
      VALUES (${placeholders(THREAD_FIELDS)}) ON CONFLICT (tenant, thread_id) DO NOTHING
      RETURNING ${all}`,
    threadGet: `SELECT ${all} FROM ${t} t WHERE t.tenant = $1 AND t.thread_id = $2`,
    threadLock: `SELECT ${all}, t.active_runs AS "activeRuns" FROM ${t} t
      WHERE t.tenant = $1 AND t.thread_id = $2 FOR UPDATE`,
    /** $3 the merged metadata, $4 now. */
    threadSetMetadata: `UPDATE ${t} t SET metadata = $3, updated_at = $4
      WHERE t.tenant = $1 AND t.thread_id = $2 RETURNING ${all}`,
    /** $3 values, $4 interrupts, $5 status unless busy, $6 now. */
    threadSetState: `UPDATE ${t} SET "values" = $3, interrupts = $4,
        status = CASE WHEN status = 'busy' THEN status ELSE $5 END, updated_at = $6
      WHERE tenant = $1 AND thread_id = $2`,
    /** The oldest active run of a thread, for THREAD_BUSY. */
    threadActiveRun: `SELECT run_id AS "runId" FROM ${s}.conclave_runs
      WHERE tenant = $1 AND thread_id = $2 AND status IN ('pending', 'running')
      ORDER BY seq LIMIT 1`,
    /** Deletes the thread and its runs; the caller checked, under the lock, that none is active. */
    threadDelete: `WITH r AS (DELETE FROM ${s}.conclave_runs WHERE tenant = $1 AND thread_id = $2)
      DELETE FROM ${t} WHERE tenant = $1 AND thread_id = $2`,
    /** $1 tenant, $2 status, $3 metadata filter, $4 limit, $5 offset. */
    threadSearch: `SELECT ${all} FROM ${t} t WHERE ${where}
      ORDER BY t.created_at DESC, t.thread_id LIMIT $4 OFFSET $5`,
    threadCount: `SELECT count(*)::int AS n FROM ${t} t WHERE ${where}`,
  };
}

function cronStatements(s: string) {
  const c = `${s}.conclave_crons`;
  const all = selectList(CRON_FIELDS, "c");
  return {
    cronInsert: `INSERT INTO ${c} (${insertList(CRON_FIELDS)}) VALUES (${placeholders(CRON_FIELDS)})
      ON CONFLICT (tenant, cron_id) DO NOTHING`,
    cronGet: `SELECT ${all} FROM ${c} c WHERE c.tenant = $1 AND c.cron_id = $2`,
    cronLock: `SELECT ${all} FROM ${c} c WHERE c.tenant = $1 AND c.cron_id = $2 FOR UPDATE`,
    cronPut: `UPDATE ${c} SET (${insertList(CRON_FIELDS)}) = (${placeholders(CRON_FIELDS)})
      WHERE tenant = $1 AND cron_id = $2`,
    cronDelete: `DELETE FROM ${c} WHERE tenant = $1 AND cron_id = $2`,
    /** $1 tenant, $2 assistant, $3 thread, $4 limit, $5 offset. */
    cronSearch: `SELECT ${all} FROM ${c} c WHERE c.tenant = $1
        AND ($2::text IS NULL OR c.assistant_id = $2) AND ($3::text IS NULL OR c.thread_id = $3)
      ORDER BY c.created_at, c.cron_id LIMIT $4 OFFSET $5`,
    cronDue: `SELECT ${all} FROM ${c} c WHERE c.enabled AND c.next_run_at <= $1
      ORDER BY c.next_run_at, c.tenant, c.cron_id LIMIT $2`,
    /**
     * Moves the firing at $3 to $4 (null: no next firing, so disabled). The row lock re-checks
     * `next_run_at = $3` on the newest version, so of two schedulers only one advances it.
     */
    cronAdvance: `UPDATE ${c} SET last_run_at = $3, next_run_at = coalesce($4, next_run_at),
        enabled = enabled AND $4::bigint IS NOT NULL, updated_at = $5
      WHERE tenant = $1 AND cron_id = $2 AND next_run_at = $3`,
  };
}

function workerStatements(s: string) {
  const w = `${s}.conclave_workers`;
  return {
    /** $1 id, $2 graph ids (JSON), $3 concurrency, $4 host, $5 pid, $6 now, $7 lease end. */
    workerRegister: `INSERT INTO ${w} AS w (worker_id, graph_ids, concurrency, hostname, pid,
        started_at, heartbeat_at, lease_expires_at)
      VALUES ($1, $2, $3, $4, $5, $6, $6, $7)
      ON CONFLICT (worker_id) DO UPDATE SET graph_ids = excluded.graph_ids,
        concurrency = excluded.concurrency, hostname = excluded.hostname, pid = excluded.pid,
        heartbeat_at = excluded.heartbeat_at, lease_expires_at = excluded.lease_expires_at
      RETURNING ${WORKER_COLUMNS}`,
    /**
     * Renews worker $1's lease ($2 now, $3 lease end) and reports, for each held run ($4 ids,
     * $5 generations), whether the worker still owns it and any cancel request.
     */
    heartbeat: `WITH w AS (
        UPDATE ${w} SET heartbeat_at = $2, lease_expires_at = $3 WHERE worker_id = $1 RETURNING 1
      )
      SELECT h.run_id AS "runId", r.cancel_action AS "cancelAction",
        coalesce(r.status = 'running' AND r.generation = h.generation AND r.worker_id = $1
          AND EXISTS (SELECT 1 FROM w), false) AS owned
      FROM unnest($4::text[], $5::bigint[]) WITH ORDINALITY AS h (run_id, generation, n)
      LEFT JOIN ${s}.conclave_runs r ON r.run_id = h.run_id
      ORDER BY h.n`,
    workerExists: `SELECT 1 FROM ${w} WHERE worker_id = $1`,
    workerDelete: `DELETE FROM ${w} WHERE worker_id = $1`,
    workerList: `SELECT ${WORKER_COLUMNS} FROM ${w} ORDER BY started_at, worker_id`,
  };
}

/** The resource statements for schema `s` (already quoted). */
export function platformStatements(s: string) {
  return {
    ...assistantStatements(s),
    ...threadStatements(s),
    ...cronStatements(s),
    ...workerStatements(s),
  };
}

/** The statements of {@link platformStatements}, by name. */
export type PlatformStatements = ReturnType<typeof platformStatements>;
