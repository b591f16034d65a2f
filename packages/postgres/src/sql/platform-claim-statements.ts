/**
 * The claim statements of the run queue. The locking rules are in
 * `platform-queue-statements.ts`; the choice of one advisory lock for capped claims is
 * explained in `platform/run-queue.ts`.
 *
 * A claim is one statement that picks, locks and starts a batch of runs for worker $1 at $2, of
 * graphs $3 (null: any). It walks the pending index in claim order (priority, then `run_at`,
 * then submission) and takes the run and thread row locks with SKIP LOCKED, so concurrent
 * claimers pass each other. A run qualifies when it is due, first in its thread's line, and its
 * thread has no running run: `running_run_id IS NULL` is re-checked on the thread row's newest
 * version when it is locked, so a thread never runs two runs. A thread whose one active run is
 * the candidate needs no line check (`active_runs = 1`), so the usual claim reads no other run;
 * the check itself leaves the tenant out so that only the line index matches it (migration 11).
 *
 * `claimCapped` also keeps to $5 running runs per assistant and $6 per tenant (null: no cap).
 * It counts running runs once, skips runs of assistants and tenants already at their cap while
 * scanning (so they do not fill the batch), locks up to $4 candidates, then keeps those within
 * the caps counting the batch itself, at most $7. A full cap makes the scan pass over that
 * assistant's pending runs, so its cost grows with the pending runs it must skip.
 */
import type { QueueParts } from "./platform-queue-parts.ts";

const order = (a: string) => `${a}.priority DESC, ${a}.run_at, ${a}.seq`;

/** The claim statements, from the schema's {@link QueueParts}. */
export function claimStatements(p: QueueParts) {
  const capJoins = `LEFT JOIN busy ba ON ba.tenant = r.tenant AND ba.assistant_id = r.assistant_id
      LEFT JOIN (SELECT tenant, sum(n) AS n FROM busy GROUP BY tenant) bt ON bt.tenant = r.tenant`;
  const capFilter = `AND ($5::int IS NULL OR coalesce(ba.n, 0) < $5)
        AND ($6::int IS NULL OR coalesce(bt.n, 0) < $6)`;
  return {
    /** Serializes capped claims ($1 lock class, $2 schema name). */
    claimLock: `SELECT pg_advisory_xact_lock($1, hashtext($2))`,
    /** $1 worker, $2 now, $3 graphs, $4 batch size. */
    claim: `WITH ${candidates(p, "", "", "")}, chosen AS (SELECT run_id FROM candidates),
      ${start(p)}`,
    /** As `claim`, with $4 the candidates to lock, $5 and $6 the caps, $7 the batch size. */
    claimCapped: `WITH busy AS MATERIALIZED (
        SELECT tenant, assistant_id, count(*) AS n FROM ${p.runs} WHERE status = 'running'
        GROUP BY tenant, assistant_id
      ), ${candidates(p, ", coalesce(ba.n, 0) AS by_a, coalesce(bt.n, 0) AS by_t", capJoins, capFilter)},
      chosen AS (
        SELECT c.run_id FROM (SELECT c.*,
            row_number() OVER (PARTITION BY c.tenant, c.assistant_id ORDER BY ${order("c")}) AS nth_a,
            row_number() OVER (PARTITION BY c.tenant ORDER BY ${order("c")}) AS nth_t
          FROM candidates c) c
        WHERE ($5::int IS NULL OR c.by_a + c.nth_a <= $5) AND ($6::int IS NULL OR c.by_t + c.nth_t <= $6)
        ORDER BY ${order("c")} LIMIT $7
      ), ${start(p)}`,
  };
}

/** The CTE `candidates`: up to $4 claimable runs, locked with their threads. */
function candidates(p: QueueParts, columns: string, joins: string, filter: string): string {
  return `candidates AS MATERIALIZED (
      SELECT r.run_id, r.tenant, r.assistant_id, r.priority, r.run_at, r.seq ${columns}
      FROM ${p.runs} r JOIN ${p.threads} t ON t.tenant = r.tenant AND t.thread_id = r.thread_id
      ${joins}
      WHERE r.status = 'pending' AND r.run_at <= $2 AND t.running_run_id IS NULL
        AND ($3::text[] IS NULL OR r.graph_id = ANY ($3::text[]))
        AND (t.active_runs = 1 OR NOT EXISTS (SELECT 1 FROM ${p.runs} o
          WHERE o.thread_id = r.thread_id AND o.status = 'pending' AND o.seq < r.seq))
        AND EXISTS (SELECT 1 FROM ${p.s}.conclave_workers w WHERE w.worker_id = $1)
        ${filter}
      ORDER BY ${order("r")} LIMIT $4
      FOR UPDATE OF r, t SKIP LOCKED
    )`;
}

/**
 * Starts the runs of CTE `chosen`: new generation and attempt, and the thread held. Both
 * updates find their rows by key through `= ANY (ARRAY(...))`: a join with the CTE would let
 * the cached generic plan (batch size unknown, guessed at 10% of the pending runs) hash-join
 * against a scan of the whole table, so a claim would cost more with every run ever stored.
 * `threadFresh` says the thread had no root checkpoint, so the run's first read of one can be
 * skipped (see core's `FreshThreads`); a subquery with LIMIT 1 per claimed run, not
 * NOT EXISTS, which the planner may turn into a hash of every checkpoint.
 */
function start(p: QueueParts): string {
  return `claimed AS (
      UPDATE ${p.runs} r SET status = 'running', attempt = r.attempt + 1,
        generation = r.generation + 1, worker_id = $1, started_at = $2, updated_at = $2
      WHERE r.run_id = ANY (ARRAY(SELECT run_id FROM chosen)) RETURNING r.*
    ), held AS (
      UPDATE ${p.threads} t SET running_run_id = c.run_id
      FROM claimed c WHERE t.thread_id = ANY (ARRAY(SELECT thread_id FROM claimed))
        AND t.tenant = c.tenant AND t.thread_id = c.thread_id RETURNING 1
    )
    SELECT ${p.all("claimed")}, (SELECT k.id FROM ${p.s}.conclave_checkpoints k
        WHERE k.thread_id = claimed.thread_id AND k.ns = '' LIMIT 1) IS NULL AS "threadFresh"
    FROM claimed, (SELECT count(*) FROM held) AS h
    ORDER BY ${order("claimed")}`;
}
