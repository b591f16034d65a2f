/**
 * The statements that end a running run or put it back in the queue: finish (a group of runs
 * at once), release and the sweeper. Each is one statement that locks the runs' threads before
 * the runs (see `platform-queue-statements.ts`), checks each claim's generation, and sends the
 * wake-ups.
 */
import { batchReads, batchWrites } from "./batch-statements.ts";
import { events, type QueueParts } from "./platform-queue-parts.ts";

/** The end statements, from the schema's {@link QueueParts}. */
export function endStatements(p: QueueParts) {
  return {
    finishGroup: finishGroup(p),
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
 * Ends the running runs of a group (`platform/finish-group.ts`), each as if alone: item k has
 * its run's fence, outcome and thread values in element k of $1-$10 (run, generation, status,
 * error, now, thread status if last/else, whether $9 holds new thread values, $9, interrupts),
 * its audit events in $31 (JSON, with their item in $32), and its held checkpoint batch in
 * $11-$30 (the batch statement's $1-$20, grouped: see `batch-statements.ts`).
 *
 * It locks the items' threads in thread id order (so two groups, or a group and a batch of
 * enqueues, take them in one order), then ends each run that still has its claim and whose
 * batch has no conflict, frees its thread, and writes its audit events and batch; an item
 * whose run is not ended writes nothing. It answers one row per item: the run (null columns
 * for a stale fence or a conflict) and its batch's conflicts. Every lookup is by key through
 * `= ANY`, for the reason given in `platform-claim-statements.ts`, and threads by id alone
 * (unique across tenants, migration 8), so that no index but that one matches.
 */
function finishGroup(p: QueueParts): string {
  const shift = (sql: string) => sql.replace(/\$(\d+)/g, (_, n) => `$${Number(n) + 10}`);
  return `WITH ends AS MATERIALIZED (
        SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::bigint[],
            $6::text[], $7::text[], $8::boolean[], $9::text[], $10::text[])
          WITH ORDINALITY AS e (run_id, generation, status, error, now, last_status,
            busy_status, has_values, new_values, interrupts, k)
      ), target AS MATERIALIZED (
        SELECT t.thread_id FROM ${p.threads} t WHERE t.thread_id = ANY (ARRAY(
          SELECT r.thread_id FROM ${p.runs} r WHERE r.run_id = ANY ($1::text[])))
        ORDER BY t.thread_id FOR UPDATE
      ), ${shift(batchReads(p.s, true))}, run AS (
        UPDATE ${p.runs} r SET status = e.status, error = e.error, cancel_action = NULL,
          ended_at = e.now, updated_at = e.now
        FROM ends e
        WHERE r.run_id = ANY ($1::text[]) AND r.run_id = e.run_id
          AND r.generation = e.generation AND r.status = 'running'
          AND (SELECT count(*) FROM target) >= 0
          AND NOT EXISTS (SELECT 1 FROM conflicts c WHERE c.k = e.k)
        RETURNING r.*, e.k AS end_k, e.now AS end_now, e.last_status, e.busy_status,
          e.has_values, e.new_values, e.interrupts AS new_interrupts
      ), thread AS (
        UPDATE ${p.threads} t SET active_runs = t.active_runs - 1,
          status = CASE WHEN t.active_runs > 1 THEN run.busy_status ELSE run.last_status END,
          "values" = CASE WHEN run.has_values THEN run.new_values ELSE t."values" END,
          interrupts = run.new_interrupts, running_run_id = NULL, updated_at = run.end_now
        FROM run WHERE t.thread_id = ANY (ARRAY(SELECT thread_id FROM run))
          AND t.thread_id = run.thread_id RETURNING 1
      ), wake AS (SELECT ${p.notify(events.finished("run"))} FROM run WHERE EXISTS (
        SELECT 1 FROM ${p.s}.conclave_finish_watchers w
        WHERE w.run_id IN (run.run_id, '*') AND w.expires_at > run.end_now
      )), audited AS (
        INSERT INTO ${p.s}.conclave_audit_outbox (event)
        SELECT e.event FROM unnest($31::text[], $32::int[]) WITH ORDINALITY AS e (event, k, n)
        WHERE e.k IN (SELECT end_k FROM run) ORDER BY e.n
        RETURNING 1
      ), fence AS MATERIALIZED (SELECT end_k AS k FROM run),
      ${shift(batchWrites(p.s, "items"))}
    SELECT e.k::int AS k, ${p.all("run")}, ARRAY(SELECT c.pos::int FROM conflicts c
        WHERE c.k = e.k ORDER BY c.pos) AS conflicts
    FROM ends e LEFT JOIN run ON run.end_k = e.k,
      (SELECT count(*) FROM thread) AS th, (SELECT count(*) FROM wake) AS w
    ORDER BY e.k`;
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
