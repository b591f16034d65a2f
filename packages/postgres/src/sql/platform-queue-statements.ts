/**
 * The SQL of the platform's run queue, for one quoted schema and wake-up channel: reads,
 * cancel, retry and delete here; enqueue, claims and the statements that end a running run
 * in their own files.
 *
 * Lock order: every statement that changes a run's status locks the run's thread row first
 * (the `target` CTE or a transaction's first statement; claims and sweeps lock thread rows with
 * SKIP LOCKED, which never waits), then the run. Enqueue also locks the thread first. A
 * statement that locks several threads (a group of run ends, a batch of enqueues) locks them
 * in thread id order. So a thread's runs change one transaction at a time, and two changes
 * cannot deadlock.
 *
 * Single statements that wait for the thread's lock run on a snapshot taken before the wait,
 * so they read the thread's state only from the thread row itself (`active_runs`,
 * `running_run_id`), which an UPDATE re-reads at its newest version after waiting; conditions
 * on the run row are re-checked the same way.
 *
 * Wake-ups are `pg_notify` calls in the statement that makes the change: PostgreSQL delivers
 * them when the transaction commits, and drops them when it rolls back.
 */
import { claimStatements } from "./platform-claim-statements.ts";
import { endStatements } from "./platform-end-statements.ts";
import { enqueueStatements } from "./platform-enqueue-statements.ts";
import { ACTIVE, events, type QueueParts, queueParts } from "./platform-queue-parts.ts";

/** The queue statements for schema `s` (already quoted), notifying on `channel`. */
export function queueStatements(s: string, channel: string) {
  const p = queueParts(s, channel);
  return {
    ...readStatements(p),
    ...enqueueStatements(p),
    ...claimStatements(p),
    ...endStatements(p),
    ...cancelStatements(p),
  };
}

function readStatements(p: QueueParts) {
  return {
    runGet: `SELECT ${p.all("r")} FROM ${p.runs} r WHERE r.tenant = $1 AND r.run_id = $2`,
    /** $1 tenant, $2 thread, $3 assistant, $4 statuses, $5 limit, $6 offset; newest first. */
    runList: `SELECT ${p.all("r")} FROM ${p.runs} r WHERE r.tenant = $1
        AND ($2::text IS NULL OR r.thread_id = $2) AND ($3::text IS NULL OR r.assistant_id = $3)
        AND ($4::text[] IS NULL OR r.status = ANY ($4::text[]))
      ORDER BY r.seq DESC LIMIT $5 OFFSET $6`,
    /** Queue depths, one row per tenant, graph, status and priority; $1 now, $2 tenant or null. */
    queueStatus: `SELECT r.tenant, r.graph_id AS "graphId", r.status, r.priority,
        count(*)::int AS n,
        count(*) FILTER (WHERE r.status = 'pending' AND r.run_at > $1)::int AS delayed,
        min(r.run_at) FILTER (WHERE r.status = 'pending' AND r.run_at <= $1) AS "oldestRunAt",
        count(*) FILTER (WHERE r.status = 'pending' AND NOT EXISTS (
          SELECT 1 FROM ${p.s}.conclave_assistant_versions v WHERE v.tenant = r.tenant
            AND v.assistant_id = r.assistant_id AND v.version = r.assistant_version))::int AS stranded
      FROM ${p.runs} r
      WHERE r.status IN ('pending', 'running', 'dead') AND ($2::text IS NULL OR r.tenant = $2)
      GROUP BY r.tenant, r.graph_id, r.status, r.priority`,
  };
}

/** Cancel (a transaction: lock, read, then one of these), retry and delete. */
function cancelStatements(p: QueueParts) {
  return {
    /** Locks the thread of run $2 (tenant $1), for a change read under that lock. */
    runLockThread: `SELECT 1 FROM ${p.threads} t WHERE (t.tenant, t.thread_id) =
      (SELECT tenant, thread_id FROM ${p.runs} WHERE tenant = $1 AND run_id = $2) FOR UPDATE`,
    /** $1 tenant, $2 run, $3 action, $4 now. */
    cancelRunning: `WITH run AS (
        UPDATE ${p.runs} SET cancel_action = $3, updated_at = $4
        WHERE tenant = $1 AND run_id = $2 AND status = 'running' RETURNING *
      ), wake AS (SELECT ${p.notify(events.cancel("run"))} FROM run)
      SELECT ${p.all("run")} FROM run, (SELECT count(*) FROM wake) AS w`,
    /** $1 tenant, $2 run, $3 now, $4/$5 thread status if last/else. */
    cancelPending: `WITH run AS (
        UPDATE ${p.runs} SET status = 'cancelled', ended_at = $3, updated_at = $3
        WHERE tenant = $1 AND run_id = $2 AND status = 'pending' RETURNING *
      ), ${p.settle("true", "$3", "$4", "$5")},
      wake AS (SELECT ${p.notify(events.finished("run"))} FROM run)
      ${p.result}`,
    /** The same for a rollback: the pending run is deleted. */
    deletePending: `WITH run AS (
        DELETE FROM ${p.runs} WHERE tenant = $1 AND run_id = $2 AND status = 'pending'
        RETURNING *
      ), ${p.settle("true", "$3", "$4", "$5")},
      wake AS (SELECT ${p.notify(events.finished("run", "'cancelled'"))} FROM run)
      ${p.result}`,
    /** $1 tenant, $2 run, $3 now, $4 the statuses retry accepts. */
    retry: `WITH ${p.target("tenant = $1 AND run_id = $2")}, run AS (
        UPDATE ${p.runs} r SET status = 'pending', attempt = 0, error = NULL,
          cancel_action = NULL, worker_id = NULL, run_at = $3, ended_at = NULL, updated_at = $3
        WHERE r.tenant = $1 AND r.run_id = $2 AND r.status = ANY ($4::text[])
          AND EXISTS (SELECT 1 FROM target)
        RETURNING r.*
      ), thread AS (
        UPDATE ${p.threads} t SET status = 'busy', active_runs = t.active_runs + 1
        FROM run WHERE t.tenant = run.tenant AND t.thread_id = run.thread_id RETURNING 1
      ), wake AS (SELECT ${p.notify(events.pending("run"))} FROM run)
      ${p.result}`,
    /** Deletes an ended run (ended runs do not count on their thread). */
    runDelete: `DELETE FROM ${p.runs} WHERE tenant = $1 AND run_id = $2
      AND status NOT IN ${ACTIVE}`,
  };
}

/** The statements of {@link queueStatements}, by name. */
export type QueueStatements = ReturnType<typeof queueStatements>;
