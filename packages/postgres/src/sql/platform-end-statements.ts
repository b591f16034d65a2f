/**
 * The statements that end a running run or put it back in the queue: finish, release and the
 * sweeper. Each is one statement that locks the run's thread before the run (see
 * `platform-queue-statements.ts`), checks the claim's generation, and sends its wake-up.
 */
import { BATCH_CONFLICTS, batchReads, batchWrites } from "./batch-statements.ts";
import { events, type QueueParts } from "./platform-queue-parts.ts";

/**
 * $1 run, $2 generation, $3 status, $4 error, $5 now, $6/$7 thread status if last/else,
 * $8 whether $9 holds new thread values, $10 interrupts.
 */
function endFinish(p: QueueParts): string {
  return `WITH ${p.target("run_id = $1")}, ${finishCtes(p, "")}
      ${p.result}`;
}

/**
 * The CTEs `run`, `thread` and `wake` of {@link endFinish}; `also` narrows the run's update.
 * The `run.finished` wake-up goes out only to a declared watcher (migration 12,
 * `PlatformStore.watchFinish`).
 */
function finishCtes(p: QueueParts, also: string): string {
  return `run AS (
        UPDATE ${p.runs} r SET status = $3, error = $4, cancel_action = NULL, ended_at = $5,
          updated_at = $5
        WHERE r.run_id = $1 AND r.generation = $2 AND r.status = 'running'
          AND EXISTS (SELECT 1 FROM target) ${also}
        RETURNING r.*
      ), thread AS (
        UPDATE ${p.threads} t SET active_runs = t.active_runs - 1,
          status = CASE WHEN t.active_runs > 1 THEN $7 ELSE $6 END,
          "values" = CASE WHEN $8::boolean THEN $9 ELSE t."values" END, interrupts = $10,
          running_run_id = NULL, updated_at = $5
        FROM run WHERE t.tenant = run.tenant AND t.thread_id = run.thread_id RETURNING 1
      ), wake AS (SELECT ${p.notify(events.finished("run"))} FROM run WHERE EXISTS (
        SELECT 1 FROM ${p.s}.conclave_finish_watchers w
        WHERE w.run_id IN (run.run_id, '*') AND w.expires_at > $5
      ))`;
}

/** The end statements, from the schema's {@link QueueParts}. */
export function endStatements(p: QueueParts) {
  return {
    /**
     * $1 run, $2 generation, $3 status, $4 error, $5 now, $6/$7 thread status if last/else,
     * $8 whether $9 holds new thread values, $10 interrupts.
     */
    finish: endFinish(p),
    /**
     * Declares watcher $2 waits for the end of run $1 ('*': every run) until $3; drops the
     * declarations that ended before $4.
     */
    watchFinish: `WITH gone AS (
        DELETE FROM ${p.s}.conclave_finish_watchers
        WHERE expires_at < $4 AND (run_id, watcher) <> ($1, $2)
      )
      INSERT INTO ${p.s}.conclave_finish_watchers AS w (run_id, watcher, expires_at)
      VALUES ($1, $2, $3)
      ON CONFLICT (run_id, watcher) DO UPDATE SET
        expires_at = greatest(w.expires_at, excluded.expires_at)`,
    /** `finish`, and $11 (prepared audit events as JSON) into the audit outbox, in order. */
    finishAudited: finishAuditedStatement(p),
    /** `finish` with a held checkpoint batch: $11-$28 as the batch's $1-$18. */
    finishWithBatch: finishWithBatch(p, false),
    /** `finishAudited` with a held checkpoint batch: $12-$29 as the batch's $1-$18. */
    finishAuditedWithBatch: finishWithBatch(p, true),
    /** $1 run, $2 generation, $3 error, $4 retry at, $5 now, $6/$7 thread status if last/else. */
    release: `WITH ${p.target("run_id = $1")}, run AS (
        UPDATE ${p.runs} r SET
          status = CASE WHEN r.attempt >= r.max_attempts THEN 'dead' ELSE 'pending' END,
          error = $3, worker_id = NULL,
          run_at = CASE WHEN r.attempt >= r.max_attempts THEN r.run_at ELSE $4 END,
          ended_at = CASE WHEN r.attempt >= r.max_attempts THEN $5 ELSE r.ended_at END,
          updated_at = $5
        WHERE r.run_id = $1 AND r.generation = $2 AND r.status = 'running'
          AND EXISTS (SELECT 1 FROM target)
        RETURNING r.*
      ), ${p.settle("run.status = 'dead'", "$5", "$6", "$7")},
      wake AS (SELECT ${p.notify(events.requeuedOrDead("run"))} FROM run)
      ${p.result}`,
    sweep: sweepStatement(p),
    refreshStatistics: refreshStatistics(p),
  };
}

/**
 * The finish statement with one more data-modifying step: the run's end events enter the audit
 * outbox only when the run was really ended (a stale fence ends nothing and writes nothing).
 */
function finishAuditedStatement(p: QueueParts): string {
  return `WITH ${p.target("run_id = $1")}, ${finishCtes(p, "")}, ${outboxCte(p)}
      ${p.result}`;
}

function outboxCte(p: QueueParts): string {
  return `audited AS (
        INSERT INTO ${p.s}.conclave_audit_outbox (event)
        SELECT e.event FROM run, unnest($11::text[]) WITH ORDINALITY AS e (event, n) ORDER BY e.n
        RETURNING 1
      )`;
}

/**
 * A run's end and its last checkpoint batch (`RunOutcome.held`) in one statement: one round
 * trip and one commit fewer per run. The batch writes only when the run's own update did
 * (`fence` reads its result), which has the claim check, the locks and their order of every end
 * statement; a separate share lock on the run row would see the row updated by this same
 * statement and lock nothing. A batch in conflict (CHECKPOINT_EXISTS) stores nothing and ends
 * nothing: `conflicts` then lists its rows and the run columns are null, as they are for a
 * stale fence.
 */
function finishWithBatch(p: QueueParts, audited: boolean): string {
  const first = audited ? 12 : 11;
  const shift = (sql: string) => sql.replace(/\$(\d+)/g, (_, n) => `$${Number(n) + first - 1}`);
  const finish = finishCtes(p, "AND NOT EXISTS (SELECT 1 FROM conflicts)");
  return `WITH ${p.target("run_id = $1")}, ${shift(batchReads(p.s))}, ${finish},
      ${audited ? `${outboxCte(p)},` : ""} fence AS MATERIALIZED (SELECT 1 FROM run),
      ${shift(batchWrites(p.s, true))}
    SELECT ${p.all("run")}, c.conflicts
    FROM (SELECT ${BATCH_CONFLICTS} AS conflicts) c LEFT JOIN run ON true,
      (SELECT count(*) FROM thread) AS th, (SELECT count(*) FROM wake) AS w`;
}

/**
 * Requeues (or kills, at max attempts) the running runs of workers whose lease ended, and
 * forgets long-gone workers. Thread rows another transaction holds are skipped (another
 * sweeper has them, or the next sweep will); the run row is waited for, since a stale worker's
 * fenced write share-locks it for a moment with every checkpoint, and a busy writer must not
 * hide its run from the sweeper. $1 now, $2 error message format (%s: the worker id), $3/$4
 * thread status if last/else, $5 forget workers whose lease ended before.
 */
function sweepStatement(p: QueueParts): string {
  const lapsed = `NOT EXISTS (SELECT 1 FROM ${p.s}.conclave_workers w
    WHERE w.worker_id = r.worker_id AND w.lease_expires_at > $1)`;
  return `WITH lost_threads AS MATERIALIZED (
      SELECT t.tenant, t.thread_id FROM ${p.runs} r
      JOIN ${p.threads} t ON t.tenant = r.tenant AND t.thread_id = r.thread_id
      WHERE r.status = 'running' AND ${lapsed}
      FOR UPDATE OF t SKIP LOCKED
    ), lost AS MATERIALIZED (
      SELECT r.run_id FROM ${p.runs} r
      JOIN lost_threads t ON t.tenant = r.tenant AND t.thread_id = r.thread_id
      WHERE r.status = 'running' AND ${lapsed}
      FOR UPDATE OF r
    ), run AS (
      UPDATE ${p.runs} r SET
        status = CASE WHEN r.attempt >= r.max_attempts THEN 'dead' ELSE 'pending' END,
        error = json_build_object('code', 'WORKER_LOST', 'message', format($2, r.worker_id))::text,
        worker_id = NULL,
        run_at = CASE WHEN r.attempt >= r.max_attempts THEN r.run_at ELSE $1 END,
        ended_at = CASE WHEN r.attempt >= r.max_attempts THEN $1 ELSE r.ended_at END,
        updated_at = $1
      FROM lost WHERE r.run_id = lost.run_id RETURNING r.*
    ), ${p.settle("run.status = 'dead'", "$1", "$3", "$4")},
    wake AS (SELECT ${p.notify(events.requeuedOrDead("run"))} FROM run),
    forgotten AS (DELETE FROM ${p.s}.conclave_workers WHERE lease_expires_at < $5)
    SELECT run.run_id AS "runId", run.status FROM run,
      (SELECT count(*) FROM thread) AS th, (SELECT count(*) FROM wake) AS w
    ORDER BY run.seq`;
}

/**
 * ANALYZEs the queue's tables (and the checkpoints the claim looks up) when a fifth of their rows changed since the last ANALYZE (and at
 * least 1,000): the sweeper runs it, one process at a time. Autovacuum looks once a minute and
 * waits for more change; meanwhile a queue that grew from nothing (a new deployment, a burst)
 * is planned as if every filter matched a handful of rows. Measured on the queue bench: the
 * claim's cached plan scanned every earlier run of the tenant for each candidate, 15,000
 * buffers and 30 ms per claim.
 */
function refreshStatistics(p: QueueParts): string {
  const stale = (table: string) => `EXISTS (SELECT 1 FROM pg_stat_user_tables s
      JOIN pg_class c ON c.oid = s.relid WHERE s.relid = '${table}'::regclass
      AND s.n_mod_since_analyze > greatest(1000, 0.2 * c.reltuples))`;
  return `DO $$ BEGIN
      IF pg_try_advisory_xact_lock(${STATISTICS_LOCK_CLASS}, hashtext('${p.s}')) THEN
        IF ${stale(p.runs)} THEN ANALYZE ${p.runs}; END IF;
        IF ${stale(p.threads)} THEN ANALYZE ${p.threads}; END IF;
        IF ${stale(`${p.s}.conclave_checkpoints`)} THEN ANALYZE ${p.s}.conclave_checkpoints; END IF;
      END IF;
    END $$`;
}

/** The advisory lock class of `refreshStatistics` (one ANALYZE at a time per schema). */
const STATISTICS_LOCK_CLASS = 0x636e7374;
